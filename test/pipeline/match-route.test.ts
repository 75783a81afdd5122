import net from 'node:net'
import t from 'tap'
import { codes } from '../../src/index.js'
import { fetchJson, fixture, startMock } from '../helpers.js'

/** Sends `request` as raw bytes and collects everything until the server closes the connection. */
function rawExchange(url: string, request: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname)
    let text = ''
    socket.on('data', (chunk) => (text += chunk.toString('latin1')))
    socket.on('error', reject)
    socket.on('close', () => {
      const end = text.indexOf('\r\n\r\n')
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim()
      resolve({ status: Number(statusLine?.split(' ')[1]), headers, body: text.slice(end + 4) })
    })
    socket.end(request)
  })
}

t.test('the default spec', async (t) => {
  const mock = await startMock(t)

  t.test('a static path wins over a templated one', async (t) => {
    await fetch(`${mock.url}/orders/mine`).then((res) => res.arrayBuffer())
    await fetch(`${mock.url}/orders/o-1001`).then((res) => res.arrayBuffer())
    const [mine] = await mock.journal.waitFor({ path: '/orders/mine' })
    const [one] = await mock.journal.waitFor({ path: '/orders/o-1001' })
    t.equal(mine.operation, 'listMyOrders')
    t.equal(one.operation, 'getOrder')
  })

  t.test('the most concrete path lacks the method: a less concrete one that has it takes the request', async (t) => {
    const res = await fetch(`${mock.url}/orders/mine`, { method: 'DELETE' })
    await res.arrayBuffer()
    const [entry] = await mock.journal.waitFor({ method: 'DELETE', path: '/orders/mine' })
    t.equal(entry.operation, 'deleteOrder', '/orders/{orderId} with orderId "mine"')
    t.not(res.status, 405)
    const none = await fetchJson(`${mock.url}/orders/mine`, { method: 'POST' })
    t.equal(none.status, 405, 'where no template has the method, 405')
    t.equal(none.headers.get('allow'), 'GET, HEAD, OPTIONS', 'with the methods of the most concrete path')
  })

  t.test('404 names the closest documented path', async (t) => {
    const typo = await fetchJson(`${mock.url}/ordrs`)
    t.equal(typo.status, 404)
    t.match(typo.headers.get('content-type'), /^application\/problem\+json/)
    t.equal(typo.body.code, codes.ROUTE_NOT_FOUND)
    t.equal(typo.body.step, 'route')
    t.equal(typo.body.detail, 'No documented path matches /ordrs. Did you mean /orders?')
    t.equal(typo.body.suggestion, '/orders')
    t.equal(typo.body.received, '/ordrs')

    const singular = await fetchJson(`${mock.url}/order/o-1`)
    t.equal(singular.status, 404)
    t.equal(singular.body.suggestion, '/orders/{orderId}', 'template segments stand for the request’s own')
    t.match(singular.body.detail, /Did you mean \/orders\/\{orderId\}\?$/)

    const deeper = await fetchJson(`${mock.url}/orders/o-1/attachmnts`)
    t.equal(deeper.body.suggestion, '/orders/{orderId}/attachments')

    const far = await fetchJson(`${mock.url}/completely/unrelated/thing`)
    t.equal(far.status, 404)
    t.equal(far.body.suggestion, undefined, 'nothing is close: no suggestion')
    t.equal(far.body.detail, 'No documented path matches /completely/unrelated/thing.')

    const query = await fetchJson(`${mock.url}/ordrs?status=pending`)
    t.equal(query.body.instance, '/ordrs', 'the query string is not part of the path')
  })

  t.test('405 with an exact Allow header', async (t) => {
    const wrong = await fetchJson(`${mock.url}/orders/o-1001`, { method: 'POST' })
    t.equal(wrong.status, 405)
    t.equal(wrong.body.code, codes.METHOD_NOT_ALLOWED)
    t.equal(wrong.headers.get('allow'), 'GET, PUT, DELETE, PATCH, HEAD, OPTIONS')
    t.same(wrong.body.expected, ['GET', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'])
    t.equal(wrong.body.received, 'POST')
    t.equal(wrong.body.detail, '/orders/{orderId} takes GET, PUT, DELETE, PATCH, HEAD, OPTIONS, not POST.')

    const health = await fetchJson(`${mock.url}/health`, { method: 'DELETE' })
    t.equal(health.status, 405)
    t.equal(health.headers.get('allow'), 'GET, HEAD, OPTIONS')

    const postOnly = await fetch(`${mock.url}/feedback`, { method: 'HEAD' })
    t.equal(postOnly.status, 405, 'HEAD follows GET only where there is a GET')
    t.equal(postOnly.headers.get('allow'), 'POST, OPTIONS')

    const entry = mock.journal.last({ code: codes.METHOD_NOT_ALLOWED })
    t.equal(entry?.step, 'route')
  })

  t.test('HEAD follows GET: same status and headers, no body', async (t) => {
    const get = await fetch(`${mock.url}/health`)
    const getBody = await get.text()
    const head = await fetch(`${mock.url}/health`, { method: 'HEAD' })
    t.equal(head.status, 200)
    t.equal(await head.text(), '')
    t.ok(getBody.length > 0)
    const comparable = (headers: Headers) => Object.fromEntries([...headers].filter(([name]) => !['date', 'keep-alive', 'connection'].includes(name)))
    t.same(comparable(head.headers), comparable(get.headers))
    t.equal(head.headers.get('content-length'), String(Buffer.byteLength(getBody)))
    const [entry] = await mock.journal.waitFor({ method: 'HEAD', path: '/health' })
    t.equal(entry.operation, 'getHealth')
  })

  t.test('OPTIONS answers 204 with Allow', async (t) => {
    const res = await fetch(`${mock.url}/orders/o-1001`, { method: 'OPTIONS' })
    t.equal(res.status, 204)
    t.equal(res.headers.get('allow'), 'GET, PUT, DELETE, PATCH, HEAD, OPTIONS')
    t.equal(await res.text(), '')
    const orders = await fetch(`${mock.url}/orders`, { method: 'OPTIONS' })
    t.equal(orders.headers.get('allow'), 'GET, POST, HEAD, OPTIONS')
  })

  t.test('a malformed URL is a 400 problem, not a fastify error', async (t) => {
    const res = await fetchJson(`${mock.url}/orders/%zz`)
    t.equal(res.status, 400)
    t.match(res.headers.get('content-type'), /^application\/problem\+json/)
    t.equal(res.body.code, codes.REQUEST_MALFORMED)
    t.equal(res.body.title, 'Bad Request')
    t.match(res.body.detail, /percent sign/)
    t.equal(res.body.instance, '/orders/%zz')
    t.match(res.body.requestId, /^r-\d{6}$/)
  })

  t.test('a path segment over 1000 characters is 414', async (t) => {
    const res = await fetchJson(`${mock.url}/orders/${'o'.repeat(1001)}`)
    t.equal(res.status, 414)
    t.equal(res.body.code, codes.URI_TOO_LONG)
  })

  t.test('header overflow over a raw socket: 431 problem+json', async (t) => {
    const res = await rawExchange(mock.url, `GET /health HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(20 * 1024)}\r\n\r\n`)
    t.equal(res.status, 431)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.equal(res.headers['content-length'], String(Buffer.byteLength(res.body)))
    const body = JSON.parse(res.body)
    t.equal(body.code, codes.HEADERS_TOO_LARGE)
    t.equal(body.status, 431)
    t.equal(body.title, 'Request Header Fields Too Large')
    t.match(body.detail, /headers/)
  })

  t.test('a garbage request line over a raw socket: 400 problem+json', async (t) => {
    const res = await rawExchange(mock.url, 'THIS IS NOT HTTP\r\n\r\n')
    t.equal(res.status, 400)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    const body = JSON.parse(res.body)
    t.equal(body.code, codes.REQUEST_MALFORMED)
    t.equal(body.title, 'Bad Request')
    t.equal(body.step, 'transport')
  })
})

t.test('base paths from servers[0].url', async (t) => {
  t.test('the 3.0 petstore lives under /api/v1', async (t) => {
    const mock = await startMock(t, { spec: fixture('specs', 'petstore-3.0.yaml') })
    const ok = await fetchJson(`${mock.url}/api/v1/pets`)
    t.equal(ok.status, 200)
    t.equal(ok.body[0].name, 'Rex')

    const bare = await fetchJson(`${mock.url}/pets`)
    t.equal(bare.status, 404)
    t.equal(bare.body.code, codes.ROUTE_NOT_FOUND)
    t.match(bare.body.detail, /\/api\/v1/, 'the detail mentions the base path')

    const param = await fetchJson(`${mock.url}/api/v1/pets/7`)
    t.equal(param.status, 200)
    const [entry] = await mock.journal.waitFor({ path: '/api/v1/pets/7' })
    t.equal(entry.operation, 'getPet')
  })

  t.test('details name the path as the client calls it, base path included', async (t) => {
    const mock = await startMock(t, { spec: fixture('specs', 'petstore-3.0.yaml') })
    const wrongMethod = await fetchJson(`${mock.url}/api/v1/pets/7`, { method: 'POST' })
    t.match(wrongMethod.body, { code: codes.METHOD_NOT_ALLOWED, detail: /^\/api\/v1\/pets\/\{petId\} takes GET, / })
    const badParam = await fetchJson(`${mock.url}/api/v1/pets?limit=abc`)
    t.match(badParam.body, { code: codes.PARAMETER_INVALID, detail: /^GET \/api\/v1\/pets: query parameter limit / })
    const badType = await fetchJson(`${mock.url}/api/v1/pets`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'Rex' })
    t.match(badType.body, { code: codes.CONTENT_TYPE_UNSUPPORTED, detail: /^POST \/api\/v1\/pets accepts application\/json/ })
    const noBody = await fetchJson(`${mock.url}/api/v1/pets`, { method: 'POST', headers: { 'content-type': 'application/json' } })
    t.match(noBody.body, { code: codes.BODY_REQUIRED, detail: /^POST \/api\/v1\/pets requires a request body/ })

    // A fault plan may name the operation either way.
    mock.faults.add({ operation: 'GET /api/v1/pets', kind: 'status', status: 503, times: 1 })
    mock.faults.add({ operation: 'GET /pets/{petId}', kind: 'status', status: 502, times: 1 })
    t.equal((await fetchJson(`${mock.url}/api/v1/pets`)).status, 503, 'as called')
    t.equal((await fetchJson(`${mock.url}/api/v1/pets/7`)).status, 502, 'as documented')
  })

  t.test('the split spec lives under /v2', async (t) => {
    const mock = await startMock(t, { spec: fixture('specs', 'split', 'main.yaml') })
    const ok = await fetchJson(`${mock.url}/v2/widgets`)
    t.equal(ok.status, 200)
    t.same(ok.body[0], { id: 'w-1', name: 'Sprocket' })
    const bare = await fetchJson(`${mock.url}/widgets`)
    t.equal(bare.status, 404)
    t.match(bare.body.detail, /under \/v2/)
    t.equal(bare.body.suggestion, '/v2/widgets')
  })
})
