// CORS as the WHATWG Fetch standard's CORS protocol asks, seen from a client that sends what a browser sends.
import t from 'tap'
import { codes } from '../../src/index.js'
import { fetchJson, fixture, startMock } from '../helpers.js'

const PAGE = 'http://localhost:3000'
const CORS_SPEC = fixture('specs', 'cors.yaml')

function preflight(url: string, method: string, headers: string[] = [], origin = PAGE) {
  const init: Record<string, string> = { origin, 'access-control-request-method': method }
  if (headers.length) init['access-control-request-headers'] = headers.join(',')
  return fetchJson(url, { method: 'OPTIONS', headers: init })
}

const corsHeaders = (headers: Headers) => [...headers.keys()].filter((name) => name.startsWith('access-control-'))

t.test('a preflight to a documented path and method (loopback origin, the default)', async (t) => {
  const mock = await startMock(t)
  const res = await preflight(`${mock.url}/orders/o-1`, 'PUT', ['authorization', 'content-type', 'x-tracking'])
  t.equal(res.status, 204)
  t.equal(res.headers.get('access-control-allow-origin'), PAGE, 'the origin echoed')
  t.equal(res.headers.get('access-control-allow-credentials'), 'true')
  t.equal(res.headers.get('access-control-allow-methods'), 'GET, PUT, DELETE, PATCH, HEAD, OPTIONS', "the path's documented methods")
  t.equal(res.headers.get('access-control-allow-headers'), 'authorization, content-type', 'what PUT /orders/{orderId} can use; x-tracking left out')
  t.equal(res.headers.get('access-control-max-age'), '600')
  t.match(res.headers.get('vary'), /^Origin\b/)
  t.equal(res.text, '')

  const [entry] = await mock.journal.waitFor({ method: 'OPTIONS' })
  t.equal(entry.operation, undefined, 'a preflight is its own entry, not one of replaceOrder')
  t.same(entry.cors?.preflight, { method: 'PUT', headers: ['authorization', 'content-type', 'x-tracking'], operation: 'replaceOrder' })
  t.match(entry.cors?.explain, /left out x-tracking: not a header PUT \/orders\/\{orderId\} documents/)
  t.equal(mock.report().operations.length, 0, 'the client report does not count preflights as attempts')
})

t.test('the headers an operation can use: header parameters, its API key, Authorization for optional credentials', async (t) => {
  const mock = await startMock(t, { spec: CORS_SPEC })
  const create = await preflight(`${mock.url}/widgets`, 'POST', ['content-type', 'x-widget-key', 'authorization'])
  t.equal(create.headers.get('access-control-allow-headers'), 'content-type, x-widget-key', 'the API key header; no bearer scheme here')
  const list = await preflight(`${mock.url}/widgets`, 'GET', ['x-page-token', 'prefer'])
  t.equal(list.headers.get('access-control-allow-headers'), 'x-page-token, prefer', "a documented header parameter, and doorman's Prefer")
  const optional = await preflight(`${mock.url}/optional`, 'GET', ['authorization'])
  t.equal(optional.headers.get('access-control-allow-headers'), 'authorization', 'security: [{}, bearer] may still send a token')
  const head = await preflight(`${mock.url}/widgets`, 'HEAD', ['x-page-token'])
  t.equal(head.status, 204, 'HEAD is GET where no HEAD is documented')
})

t.test('a preflight for an undocumented method or path is refused, without CORS headers, saying why', async (t) => {
  const mock = await startMock(t)
  const method = await preflight(`${mock.url}/health`, 'DELETE')
  t.equal(method.status, 403)
  t.equal(method.body.code, codes.CORS_PREFLIGHT_REFUSED)
  t.same(corsHeaders(method.headers), [], 'no CORS headers: the browser blocks the DELETE')
  t.equal(method.body.detail, 'A CORS preflight asks to send DELETE /health, but /health documents GET, HEAD, OPTIONS only, so the browser must not send it.')
  t.same(method.body.expected, ['GET', 'HEAD', 'OPTIONS'])

  const lower = await preflight(`${mock.url}/orders/o-1`, 'patch')
  t.equal(lower.status, 403, 'fetch() sends a lower-case patch as written')
  t.match(lower.body.detail, /Methods are case-sensitive and fetch\(\) sends 'patch' as written: write 'PATCH'/)

  const path = await preflight(`${mock.url}/ordrs`, 'GET')
  t.equal(path.status, 404)
  t.equal(path.body.code, codes.ROUTE_NOT_FOUND)
  t.same(corsHeaders(path.headers), [])

  const less = await preflight(`${mock.url}/orders/mine`, 'DELETE')
  t.equal(less.status, 204, 'a less concrete path has the method, as the route step finds it')
})

t.test('origins: loopback by default; another origin gets no CORS headers, and its preflight a reason', async (t) => {
  const mock = await startMock(t)
  for (const origin of ['http://127.0.0.1:5173', 'http://[::1]:8080', 'https://app.localhost']) {
    const res = await preflight(`${mock.url}/health`, 'GET', [], origin)
    t.equal(res.headers.get('access-control-allow-origin'), origin, `${origin} is loopback`)
  }
  const foreign = await preflight(`${mock.url}/health`, 'GET', [], 'https://evil.example')
  t.equal(foreign.status, 403)
  t.equal(foreign.body.code, codes.CORS_ORIGIN_NOT_ALLOWED)
  t.match(foreign.body.detail, /answers CORS for loopback origins .* only; add the origin to cors.origins/)
  t.same(corsHeaders(foreign.headers), [])

  const actual = await fetchJson(`${mock.url}/health`, { headers: { origin: 'https://evil.example' } })
  t.equal(actual.status, 200, 'the request itself is answered: a server cannot stop a simple request')
  t.same(corsHeaders(actual.headers), [], 'but the browser keeps the answer from the page')
  const entry = mock.journal.last({ path: '/health', method: 'GET' })!
  t.equal(entry.cors?.allowed, false)
  t.match(entry.cors?.explain, /not an allowed origin/)
})

t.test('actual responses, refusals included, carry the headers a page needs to read them', async (t) => {
  const mock = await startMock(t, { spec: CORS_SPEC })
  const list = await fetchJson(`${mock.url}/widgets`, { headers: { origin: PAGE } })
  t.equal(list.status, 200)
  t.equal(list.headers.get('access-control-allow-origin'), PAGE)
  t.equal(list.headers.get('access-control-allow-credentials'), 'true')
  t.equal(list.headers.get('vary'), 'Origin')
  const exposed = list.headers.get('access-control-expose-headers')!.split(', ')
  t.ok(
    ['www-authenticate', 'retry-after', 'location', 'allow', 'accept-post', 'x-total-count'].every((h) => exposed.includes(h)),
    exposed.join(', '),
  )

  const refused = await fetchJson(`${mock.url}/widgets`, {
    method: 'POST',
    headers: { origin: PAGE, 'content-type': 'application/json' },
    body: '{"name":"bolt"}',
  })
  t.equal(refused.status, 401, 'no API key')
  t.equal(refused.headers.get('access-control-allow-origin'), PAGE, 'a refusal is readable too')
  t.equal(refused.body.code, codes.AUTH_MISSING)

  const missing = await fetchJson(`${mock.url}/nowhere`, { headers: { origin: PAGE } })
  t.equal(missing.status, 404)
  t.equal(missing.headers.get('access-control-allow-origin'), PAGE, 'a 404 of an actual request too')

  mock.faults.add({ operation: 'listWidgets', kind: 'status', status: 503, retryAfter: 2, times: 1 })
  const unavailable = await fetchJson(`${mock.url}/widgets`, { headers: { origin: PAGE } })
  t.equal(unavailable.status, 503)
  t.equal(unavailable.headers.get('retry-after'), '2')
  t.equal(unavailable.headers.get('access-control-allow-origin'), PAGE)

  mock.faults.add({ operation: 'listWidgets', kind: 'partial', times: 1 })
  const partial = await fetch(`${mock.url}/widgets`, { headers: { origin: PAGE } })
  t.equal(partial.headers.get('access-control-allow-origin'), PAGE, 'a partial answer starts with its CORS headers')
  await t.rejects(partial.text(), 'and then breaks off')

  const plain = await fetchJson(`${mock.url}/widgets`)
  t.same(corsHeaders(plain.headers), [], 'no Origin, no CORS headers')
  t.equal(plain.headers.get('vary'), null)
  t.equal(mock.journal.last()!.cors, undefined)
})

t.test('fault plans fire on preflights only when they say preflight: true', async (t) => {
  const mock = await startMock(t)
  mock.faults.add({ id: 'outage', operation: 'replaceOrder', kind: 'status', status: 503, times: 1 })
  const passed = await preflight(`${mock.url}/orders/o-1`, 'PUT', ['authorization'])
  t.equal(passed.status, 204, 'the plan waits for the actual request')
  t.equal(mock.faults.list()[0].attempts, 0, 'and did not count the preflight')

  mock.faults.clear()
  mock.faults.add({ id: 'down', operation: 'replaceOrder', kind: 'status', status: 503, retryAfter: 1, times: 1, preflight: true })
  const failed = await preflight(`${mock.url}/orders/o-1`, 'PUT', ['authorization'])
  t.equal(failed.status, 503)
  t.same(corsHeaders(failed.headers), [], 'a failed preflight carries no CORS headers: the browser sees a network error')
  t.equal(failed.body.code, codes.FAULT_STATUS)
  const entry = mock.journal.last({ method: 'OPTIONS' })!
  t.equal(entry.step, 'fault')
  t.equal(entry.fault?.plans[0]?.id, 'down')
  const next = await preflight(`${mock.url}/orders/o-1`, 'PUT', ['authorization'])
  t.equal(next.status, 204, 'times: 1 is used up')
})

t.test('a documented options operation answers its preflights from the spec', async (t) => {
  const mock = await startMock(t, { spec: CORS_SPEC })
  const res = await preflight(`${mock.url}/with-options`, 'GET', ['prefer'])
  t.equal(res.status, 200, 'the documented status')
  t.same(res.body, { documented: true }, 'and body')
  t.equal(res.headers.get('access-control-allow-methods'), 'GET, OPTIONS, HEAD', "doorman's value, not a made-up 'string'")
  t.equal(res.headers.get('access-control-allow-origin'), PAGE)
  t.equal(res.headers.get('access-control-allow-headers'), 'prefer')
  const entry = mock.journal.last({ method: 'OPTIONS' })!
  t.equal(entry.operation, 'describeWithOptions')
  t.match(entry.cors?.explain, /answered by the documented OPTIONS operation/)
})

t.test('never on /__doorman/*: the admin API and the inspector are same-origin only', async (t) => {
  const mock = await startMock(t, { config: { cors: true } })
  const health = await fetchJson(`${mock.url}/__doorman/health`, { headers: { origin: PAGE } })
  t.same(corsHeaders(health.headers), [])
  for (const [path, method] of [
    ['/__doorman/faults', 'POST'],
    ['/__doorman/reset', 'POST'],
    ['/__doorman/journal', 'GET'],
    ['/__doorman/', 'GET'],
  ]) {
    const res = await preflight(`${mock.url}${path}`, method)
    t.not(res.status, 204, `${method} ${path}: preflight refused`)
    t.same(corsHeaders(res.headers), [], `${method} ${path}: no CORS headers`)
  }
})

t.test('config: cors: false, the object form, cors: true', async (t) => {
  const off = await startMock(t, { config: { cors: false } })
  const asked = await preflight(`${off.url}/health`, 'GET')
  t.equal(asked.status, 204, 'OPTIONS is an ordinary request again')
  t.equal(asked.headers.get('allow'), 'GET, HEAD, OPTIONS')
  t.same(corsHeaders(asked.headers), [])
  t.same(corsHeaders((await fetchJson(`${off.url}/health`, { headers: { origin: PAGE } })).headers), [])

  const config = { cors: { origins: ['https://app.example'], credentials: false, maxAge: 60, exposeHeaders: ['X-Request-Id'], allowHeaders: ['traceparent'] } }
  const listed = await startMock(t, { config })
  const app = await preflight(`${listed.url}/health`, 'GET', ['traceparent'], 'https://app.example')
  t.equal(app.status, 204)
  t.equal(app.headers.get('access-control-allow-headers'), 'traceparent')
  t.equal(app.headers.get('access-control-max-age'), '60')
  t.equal(app.headers.get('access-control-allow-credentials'), null, 'credentials: false')
  const read = await fetchJson(`${listed.url}/health`, { headers: { origin: 'https://app.example' } })
  t.equal(read.headers.get('access-control-allow-origin'), 'https://app.example', 'echoed, not *')
  t.match(read.headers.get('access-control-expose-headers'), /x-request-id/)
  t.equal((await preflight(`${listed.url}/health`, 'GET', [], PAGE)).status, 403, 'loopback is no longer in the list')

  const any = await startMock(t, { config: { cors: true } })
  t.equal((await preflight(`${any.url}/health`, 'GET', [], 'https://anywhere.example')).headers.get('access-control-allow-origin'), 'https://anywhere.example')

  const override = await startMock(t, { config: { cors: false }, cors: true })
  t.equal((await preflight(`${override.url}/health`, 'GET')).status, 204, 'the cors option (--cors) overrides the config')
  t.equal((await preflight(`${override.url}/health`, 'GET')).headers.get('access-control-allow-origin'), PAGE)
})

t.test('config mistakes name the key and the fix', async (t) => {
  const { resolveConfig } = await import('../../src/config.js')
  t.throws(() => resolveConfig({ cors: { origins: ['http://localhost:3000/'] } }), {
    message:
      "/cors/origins/0: 'http://localhost:3000/' is not an origin: write scheme://host[:port] as the browser sends it, with no path or trailing slash (did you mean 'http://localhost:3000'?); or 'loopback', 'null' or '*'",
  })
  t.throws(() => resolveConfig({ cors: 'yes' }), { message: '/cors: must be true, false, or { origins, credentials, maxAge, exposeHeaders, allowHeaders }' })
  t.throws(() => resolveConfig({ cors: { origin: [] } }), {
    message: /\/cors\/origin: unknown key 'origin' \(allowed here: origins, credentials, maxAge, exposeHeaders, allowHeaders\)/,
  })
  t.throws(() => resolveConfig({ cors: { exposeHeaders: ['X Bad'] } }), { message: /\/cors\/exposeHeaders\/0/ })
})
