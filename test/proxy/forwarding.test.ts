/**
 * doorman proxy forwards what the pipeline lets through, and only that: the
 * request reaches a real upstream intact (method, path under the upstream's
 * base, query, body, credentials), without hop-by-hop headers, with Via and
 * Forwarded; the answer comes back as the upstream sent it.
 */
import http from 'node:http'
import t from 'tap'
import { request } from 'undici'
import { codes } from '../../src/index.js'
import { fixture, startMock } from '../helpers.js'
import { startUpstream } from './upstream.js'

const SPEC = fixture('specs', 'proxied.yaml')

t.test('a valid request reaches the upstream intact, under its base path', async (t) => {
  const upstream = await startUpstream(t)
  const mock = await startMock(t, { spec: SPEC, upstream: `${upstream.url}/api` })
  const body = JSON.stringify({ item: 'tea', quantity: 2 })
  const res = await request(`${mock.url}/v1/orders?source=test&x=%2F`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer not-checked-here', 'x-trace': 'abc' },
    body,
  })
  t.equal(res.statusCode, 201, "the upstream's status")
  t.same(await res.body.json(), { id: 7, item: 'tea', quantity: 2 }, "the upstream's body")
  t.equal(res.headers.location, '/v1/orders/7', "the upstream's headers")
  t.equal(res.headers['x-upstream'], 'real')
  t.equal(res.headers.via, '1.1 doorman', 'Via says doorman forwarded the answer (RFC 9110 §7.6.3)')

  t.equal(upstream.seen.length, 1)
  const [seen] = upstream.seen
  t.equal(seen.method, 'POST')
  t.equal(seen.url, '/api/orders?source=test&x=%2F', 'the spec base /v1 is mapped onto the upstream base /api; the query as sent')
  t.equal(seen.body, body, 'the body byte for byte')
  t.equal(seen.headers.authorization, 'Bearer not-checked-here', 'credentials pass unchanged')
  t.equal(seen.headers['x-trace'], 'abc')
  t.equal(seen.headers.via, '1.1 doorman')
  t.match(seen.headers.forwarded, /^for=127\.0\.0\.1;host="?127\.0\.0\.1:\d+"?;proto=http$/, 'Forwarded names the client and the Host it used (RFC 7239)')
  t.equal(seen.headers.host, new URL(upstream.url).host, "Host is the upstream's")

  const [entry] = await mock.journal.waitFor({ operation: 'createOrder', count: 1 })
  t.equal(entry.status, 201)
  t.same(entry.violations, [], 'a conforming answer has no violations')
  t.match(entry.proxy, { forwarded: true, upstreamStatus: 201, checked: true })
})

t.test('hop-by-hop headers are dropped both ways (RFC 9110 §7.6.1)', async (t) => {
  const upstream = await startUpstream(t)
  const mock = await startMock(t, { spec: SPEC, upstream: `${upstream.url}/api` })
  const { port } = new URL(mock.url)
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/orders/3',
        headers: {
          connection: 'keep-alive, x-hop',
          'x-hop': 'one hop only',
          'keep-alive': 'timeout=9',
          te: 'trailers',
          'proxy-authorization': 'Basic eA==',
          via: '1.0 corp-proxy',
        },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end()
  })
  t.equal(status, 200)
  const [seen] = upstream.seen
  for (const name of ['x-hop', 'keep-alive', 'te', 'proxy-authorization']) t.notOk(name in seen.headers, `${name} does not reach the upstream`)
  t.equal(seen.headers.via, '1.0 corp-proxy, 1.1 doorman', 'Via is appended to')
})

t.test('a request that breaks the contract is refused as in serve, and never reaches the upstream', async (t) => {
  const upstream = await startUpstream(t)
  const mock = await startMock(t, { spec: SPEC, upstream: `${upstream.url}/api` })
  const refusals = [
    { path: '/v1/orders', init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"quantity": 0}' }, code: codes.BODY_INVALID },
    { path: '/v1/orders', init: { method: 'POST', headers: { 'content-type': 'application/jsn' }, body: '{}' }, code: codes.CONTENT_TYPE_UNSUPPORTED },
    { path: '/v1/orders', init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"item": ' }, code: codes.BODY_MALFORMED },
    { path: '/v1/orders/seven', init: {}, code: codes.PARAMETER_INVALID },
    { path: '/v1/secure', init: {}, code: codes.AUTH_MISSING },
    { path: '/v1/nowhere', init: {}, code: codes.ROUTE_NOT_FOUND },
    { path: '/v1/orders', init: { method: 'DELETE' }, code: codes.METHOD_NOT_ALLOWED },
  ]
  for (const { path, init, code } of refusals) {
    const res = await fetch(`${mock.url}${path}`, init)
    const problem = (await res.json()) as { code: string }
    t.equal(problem.code, code, `${init.method ?? 'GET'} ${path} → ${code}`)
    t.match(res.headers.get('content-type'), /^application\/problem\+json/)
  }
  t.equal(upstream.seen.length, 0, 'the upstream saw none of them')
  // And a valid one after them does get there.
  const ok = await fetch(`${mock.url}/v1/secure`, { headers: { authorization: 'Bearer abc' } })
  t.same(await ok.json(), { authorization: 'Bearer abc' }, 'a token the spec accepts reaches the upstream as sent')
  t.equal(upstream.seen.length, 1)
})

t.test('--forward-invalid forwards a bad request and records its violations', async (t) => {
  const upstream = await startUpstream(t)
  const mock = await startMock(t, { spec: SPEC, upstream: { upstream: `${upstream.url}/api`, forwardInvalid: true } })
  const res = await fetch(`${mock.url}/v1/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"quantity": 0}' })
  t.equal(res.status, 201, "the upstream's answer")
  await res.arrayBuffer()
  t.equal(upstream.seen.length, 1, 'forwarded')
  const [entry] = await mock.journal.waitFor({ operation: 'createOrder', count: 1 })
  t.same(
    entry.violations?.map((v) => [v.location, v.part, v.pointer, v.keyword]),
    [
      ['request', 'body', '/item', 'required'],
      ['request', 'body', '/quantity', 'minimum'],
    ],
    "the request's violations, each with its pointer",
  )
  const routed = await fetch(`${mock.url}/v1/nowhere`)
  t.equal(routed.status, 404, 'a path the spec does not document is still refused: there is no contract to check the answer against')
  t.equal(upstream.seen.length, 1)
})

t.test('a compressed answer passes through compressed, and is checked decoded', async (t) => {
  const upstream = await startUpstream(t)
  const mock = await startMock(t, { spec: SPEC, upstream: `${upstream.url}/api` })
  const res = await request(`${mock.url}/v1/orders/3`, { headers: { 'accept-encoding': 'gzip' } })
  t.equal(res.headers['content-encoding'], 'gzip', 'Accept-Encoding went to the upstream, its encoding came back')
  const bytes = Buffer.from(await res.body.arrayBuffer())
  t.equal(bytes[0], 0x1f, 'the bytes are the gzip stream the upstream sent')
  t.equal(upstream.seen[0].headers['accept-encoding'], 'gzip')
  const [entry] = await mock.journal.waitFor({ operation: 'getOrder', count: 1 })
  t.same(entry.violations, [], 'the decoded body was checked, and conforms')
})
