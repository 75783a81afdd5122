/**
 * HTTP_PROXY / HTTPS_PROXY / NO_PROXY: doorman proxy reaches the upstream
 * through the corporate proxy the standard variables name (undici's
 * EnvHttpProxyAgent tunnels with CONNECT), and directly for the hosts
 * NO_PROXY lists.
 */
import http from 'node:http'
import net, { type AddressInfo } from 'node:net'
import t from 'tap'
import { fixture, startMock } from '../helpers.js'
import { startUpstream } from './upstream.js'

const SPEC = fixture('specs', 'proxied.yaml')

/** A forward proxy that tunnels every CONNECT to `target` (its own idea of DNS), recording what it was asked for. */
async function corporateProxy(t: { teardown(fn: () => unknown): void }, target: number): Promise<{ url: string; asked: string[] }> {
  const asked: string[] = []
  const server = http.createServer((_request, response) => response.writeHead(405).end())
  server.on('connect', (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    asked.push(request.url ?? '')
    const upstream = net.connect(target, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    server.closeAllConnections()
    return new Promise((resolve) => server.close(resolve))
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked }
}

t.test('HTTP_PROXY: the upstream is reached through it; NO_PROXY: directly', async (t) => {
  const upstream = await startUpstream(t)
  const corporate = await corporateProxy(t, Number(new URL(upstream.url).port))
  const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY }
  t.teardown(() => Object.assign(process.env, saved))
  process.env.HTTP_PROXY = corporate.url
  delete process.env.NO_PROXY
  // The upstream's host name exists only for the corporate proxy.
  const mock = await startMock(t, { spec: SPEC, upstream: 'http://api.internal.invalid:8080/api' })
  const res = await fetch(`${mock.url}/v1/orders/1`)
  t.same(await res.json(), { id: 1, item: 'tea', token: 'abc' }, "the upstream's answer, through the tunnel")
  t.same(corporate.asked, ['api.internal.invalid:8080'], 'the corporate proxy was asked to CONNECT to the upstream')

  process.env.NO_PROXY = 'api.internal.invalid'
  const direct = await startMock(t, { spec: SPEC, upstream: 'http://api.internal.invalid:8080/api' })
  const problem = (await (await fetch(`${direct.url}/v1/orders/1`)).json()) as { code: string }
  t.equal(problem.code, 'UPSTREAM_UNREACHABLE', 'NO_PROXY: straight to the host, which does not resolve')
  t.equal(corporate.asked.length, 1, 'the corporate proxy was not asked again')
})
