/**
 * When the upstream does not answer, the client gets a problem with its own
 * code: nothing listening (502 UPSTREAM_UNREACHABLE), a host that does not
 * resolve (502), no headers within --upstream-timeout (504
 * UPSTREAM_TIMEOUT), a certificate refused (502 UPSTREAM_TLS with Node's
 * code). The broken certificates come from doorman's own TLS modes.
 */
import net from 'node:net'
import t from 'tap'
import { codes } from '../../src/index.js'
import { fixture, startMock } from '../helpers.js'
import { tempTlsDir } from '../tls/tls-helpers.js'
import { startUpstream } from './upstream.js'

const SPEC = fixture('specs', 'proxied.yaml')

interface UpstreamProblem {
  code: string
  status: number
  step: string
  detail: string
  received: { code: string }
}

async function problemOf(url: string): Promise<UpstreamProblem> {
  const res = await fetch(url)
  t.match(res.headers.get('content-type'), /^application\/problem\+json/)
  return (await res.json()) as UpstreamProblem
}

/** A port nothing listens on: taken, then let go. */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

t.test('nothing listening: 502 UPSTREAM_UNREACHABLE, ECONNREFUSED', async (t) => {
  const mock = await startMock(t, { spec: SPEC, upstream: `http://127.0.0.1:${await closedPort()}/api` })
  const problem = await problemOf(`${mock.url}/v1/orders/1`)
  t.match(problem, { code: codes.UPSTREAM_UNREACHABLE, status: 502, step: 'upstream', received: { code: 'ECONNREFUSED' } })
  t.match(problem.detail, /refused the connection/)
  const [entry] = await mock.journal.waitFor({ code: codes.UPSTREAM_UNREACHABLE, count: 1 })
  t.match(entry, { status: 502, step: 'upstream', proxy: { forwarded: true, checked: false } })
})

t.test('a host name that does not resolve: 502 UPSTREAM_UNREACHABLE', async (t) => {
  // .invalid never resolves (RFC 6761 §6.4).
  const mock = await startMock(t, { spec: SPEC, upstream: 'http://doorman-upstream.invalid/api' })
  const problem = await problemOf(`${mock.url}/v1/orders/1`)
  t.match(problem, { code: codes.UPSTREAM_UNREACHABLE, status: 502 })
  t.match(problem.received.code, /^(ENOTFOUND|EAI_AGAIN)$/)
})

t.test('no answer within --upstream-timeout: 504 UPSTREAM_TIMEOUT', async (t) => {
  const upstream = await startUpstream(t)
  const mock = await startMock(t, { spec: SPEC, upstream: { upstream: `${upstream.url}/api`, timeoutMs: 300 } })
  const started = performance.now()
  const res = await fetch(`${mock.url}/v1/orders/1`, { headers: { 'x-upstream-answer': 'slow' } })
  const problem = (await res.json()) as UpstreamProblem
  t.match(problem, { code: codes.UPSTREAM_TIMEOUT, status: 504, received: { code: 'UND_ERR_HEADERS_TIMEOUT' } })
  t.ok(performance.now() - started < 1400, 'answered at the timeout, not when the upstream finally answered')
  t.equal(upstream.seen.length, 1, 'it was forwarded')
})

t.test('TLS: a certificate the proxy refuses is 502 UPSTREAM_TLS with the Node error code; --upstream-ca and --upstream-insecure', async (t) => {
  const dir = tempTlsDir(t)
  // The upstream: doorman itself over HTTPS, with listeners whose certificates are broken on purpose (docs/tls.md).
  const upstream = await startMock(t, { spec: SPEC, tls: { modes: ['expired', 'self-signed', 'wrong-host'], dir } })
  const urls = upstream.tls?.urls ?? {}
  const cases = [
    { mode: 'expired', code: 'CERT_HAS_EXPIRED' },
    { mode: 'self-signed', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
    { mode: 'wrong-host', code: 'ERR_TLS_CERT_ALTNAME_INVALID' },
  ] as const
  const caFile = upstream.tls?.caFile
  for (const { mode, code } of cases) {
    const proxy = await startMock(t, { spec: SPEC, upstream: { upstream: `${urls[mode]}/v1`, ca: caFile } })
    const problem = await problemOf(`${proxy.url}/v1/orders/1`)
    t.match(problem, { code: codes.UPSTREAM_TLS, status: 502, received: { code } }, `${mode}: ${code}`)
  }
  // An unknown CA (no --upstream-ca): refused too.
  const untrusting = await startMock(t, { spec: SPEC, upstream: `${upstream.url}/v1` })
  t.match(await problemOf(`${untrusting.url}/v1/orders/1`), { code: codes.UPSTREAM_TLS })
  // --upstream-ca: the upstream's own listener is trusted, and its answer comes through.
  const trusting = await startMock(t, { spec: SPEC, upstream: { upstream: `${upstream.url}/v1`, ca: caFile } })
  const ok = await fetch(`${trusting.url}/v1/orders/1`)
  t.equal(ok.status, 200, '--upstream-ca trusts the CA that signed it')
  await ok.text()
  // --upstream-insecure: even the expired one passes, and start-up says so loudly.
  const insecure = await startMock(t, { spec: SPEC, upstream: { upstream: `${urls.expired}/v1`, insecure: true } })
  t.match(insecure.warnings.join('\n'), /NOT checked/)
  const through = await fetch(`${insecure.url}/v1/orders/1`)
  t.equal(through.status, 200, '--upstream-insecure lets an expired certificate through')
  await through.text()
})
