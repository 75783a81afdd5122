import { once } from 'node:events'
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import t from 'tap'
import { CATALOG, checkSpec, codes, CONFIG_SCHEMA, formatLogLine, SetupError, startServer, type DoormanConfig, type JournalEntry } from '../../src/index.js'
import { DEFAULT_SPEC, fetchJson, fixture, startMock } from '../helpers.js'

t.test('the library serves the spec on a real socket', async (t) => {
  const mock = await startMock(t)
  t.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  const { status, body, headers } = await fetchJson(`${mock.url}/orders/o-1001`, {
    headers: { authorization: `Bearer ${mock.tokens.sign({ sub: 'alice' })}` },
  })
  t.equal(status, 200)
  t.match(headers.get('content-type'), /^application\/json/)
  t.equal(body.id, 'o-1001')

  const missing = await fetchJson(`${mock.url}/ordrs`)
  t.equal(missing.status, 404)
  t.equal(missing.body.code, codes.ROUTE_NOT_FOUND)
  const [entry] = await mock.journal.waitFor({ code: codes.ROUTE_NOT_FOUND })
  t.equal(entry.path, '/ordrs')
})

t.test('startServer takes the document as an object and the config as an object', async (t) => {
  const mock = await startServer({
    spec: {
      openapi: '3.1.0',
      info: { title: 'inline', version: '1' },
      paths: {
        '/ping': { get: { operationId: 'ping', responses: { '200': { description: 'pong', content: { 'application/json': { example: { pong: true } } } } } } },
      },
    },
    config: { journal: { size: 2 } },
    port: 0,
    host: '127.0.0.1',
  })
  t.teardown(() => mock.close())
  t.equal(mock.host, '127.0.0.1')
  t.ok(mock.port > 0, 'port 0 takes a free port')
  t.equal(mock.url, `http://127.0.0.1:${mock.port}`)
  const { status, body } = await fetchJson(`${mock.url}/ping`)
  t.equal(status, 200)
  t.same(body, { pong: true })
  t.equal(mock.journal.capacity, 2)
})

t.test('startServer loads a JSON spec and a config file by path', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'minimal-3.1.json'), config: fixture('configs', 'small-journal.json') })
  t.equal((await fetchJson(`${mock.url}/ping`)).status, 200)
  t.equal(mock.journal.capacity, 3)
})

t.test('inject() answers without a socket, through the same pipeline', async (t) => {
  const mock = await startMock(t)
  const res = await mock.inject({ method: 'GET', url: '/ordrs' })
  t.equal(res.statusCode, 404)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.equal(res.json().code, codes.ROUTE_NOT_FOUND)
  const [entry] = await mock.journal.waitFor({ path: '/ordrs' })
  t.equal(entry.status, 404, 'injected requests are journaled too')
})

t.test('reset() clears the journal; close() can be called twice and frees the port', async (t) => {
  const mock = await startServer({ spec: DEFAULT_SPEC, port: 0 })
  await fetch(`${mock.url}/health`).then((res) => res.arrayBuffer())
  await mock.journal.waitFor({ path: '/health' })
  mock.reset()
  t.equal(mock.journal.size, 0)
  await Promise.all([mock.close(), mock.close()])
  await mock.close()
  await t.rejects(fetch(`${mock.url}/health`), 'nothing listens any more')
})

t.test('close() lets a request in flight finish, answers it with Connection: close, and closes idle connections at once', async (t) => {
  const mock = await startServer({ spec: DEFAULT_SPEC, port: 0 })
  await fetch(`${mock.url}/health`).then((res) => res.arrayBuffer()) // leaves an idle keep-alive connection behind
  const body = JSON.stringify({ customerId: 'c-123', items: [{ sku: 'ABC-1234', qty: 1 }] })
  const socket = net.connect(mock.port, '127.0.0.1')
  let text = ''
  const ended = once(socket, 'close')
  // 100 Continue says the server has the request and is waiting for its body: it is in flight when close() starts.
  const continued = new Promise<void>((resolve) =>
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()) && text.includes('100 Continue') && resolve()),
  )
  socket.write(
    `POST /orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${mock.tokens.sign({ scope: 'orders:write' })}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
  )
  await continued
  const started = performance.now()
  const closing = mock.close()
  socket.write(body)
  await closing
  const ms = performance.now() - started
  await ended
  t.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 Created\r\n/, 'the request in flight got its answer')
  t.match(text, /\r\nconnection: close\r\n/i, '…saying the connection closes')
  t.ok(ms < 1000, `close() took ${Math.round(ms)} ms: the idle keep-alive connection did not hold it`)
  const [entry] = await mock.journal.waitFor({ operation: 'createOrder' })
  t.equal(entry.status, 201)
})

t.test('close() does not sit out a refused body still being drained (keep-alive or lingering)', async (t) => {
  const mock = await startServer({ spec: fixture('specs', 'petstore-3.0.yaml'), port: 0, config: { limits: { bodySize: '1kb' } } })
  /** Sends `head` and part of a body, and resolves once the refusal's status line is back: the server is draining the rest. */
  const refusedMidBody = async (head: string) => {
    const socket = net.connect(mock.port, '127.0.0.1')
    socket.on('error', () => {})
    let text = ''
    const closed = once(socket, 'close')
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()) && /^HTTP\/1\.1 \d{3} /.test(text) && resolve())
      socket.write(head + 'abcde')
    })
    return { closed, status: () => text.slice(9, 12), connection: () => /\r\nconnection: (\S+)\r\n/i.exec(text)?.[1] }
  }
  // 415 from the headers, the connection kept: the server reads the other 5 bytes and drops them.
  const keptAlive = await refusedMidBody('POST /api/v1/pets HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n')
  // 413 by Content-Length: Connection: close, and the socket lingers to read the upload (limits.lingerMs, 30 s).
  const lingering = await refusedMidBody('POST /api/v1/pets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n')
  t.same([keptAlive.status(), keptAlive.connection()], ['415', 'keep-alive'])
  t.same([lingering.status(), lingering.connection()], ['413', 'close'])
  const started = performance.now()
  await mock.close()
  const ms = performance.now() - started
  t.ok(ms < 1000, `close() took ${Math.round(ms)} ms, not the 2 s grace nor the 30 s linger`)
  await Promise.all([keptAlive.closed, lingering.closed])
})

t.test('a log function receives every journal entry', async (t) => {
  const seen: JournalEntry[] = []
  const mock = await startMock(t, { log: (entry) => seen.push(entry) })
  await fetch(`${mock.url}/ordrs`).then((res) => res.arrayBuffer())
  await mock.journal.waitFor({ path: '/ordrs' })
  t.equal(seen.length, 1)
  t.equal(seen[0].code, codes.ROUTE_NOT_FOUND)
  t.equal(
    formatLogLine(seen[0], 'pretty')
      .split(' → ')[0]
      .replace(/[\d.]+ms$/, 'Nms'),
    'GET /ordrs 404 ROUTE_NOT_FOUND Nms',
  )
})

t.test('a bad spec or config rejects with a SetupError, and nothing listens', async (t) => {
  await t.rejects(startServer({ spec: fixture('specs', 'broken', 'yaml-syntax.yaml') }), {
    name: 'SetupError',
    file: 'fixtures/specs/broken/yaml-syntax.yaml',
    location: /^6:\d+$/,
  })
  const error = await startServer({ spec: DEFAULT_SPEC, config: { journal: { sise: 3 } } as DoormanConfig }).catch((e: unknown) => e)
  t.ok(error instanceof SetupError, 'SetupError is exported for instanceof checks')
  t.match((error as SetupError).message, /^<config>: \/journal\/sise: unknown key 'sise'/)
})

t.test('the port in use is an error, not a hang', async (t) => {
  const first = await startMock(t)
  const error = await startServer({ spec: DEFAULT_SPEC, port: first.port }).catch((e: NodeJS.ErrnoException) => e)
  t.equal((error as NodeJS.ErrnoException).code, 'EADDRINUSE')
})

t.test('checkSpec() returns the `doorman check` report without listening', async (t) => {
  const report = await checkSpec({ spec: fixture('specs', 'petstore-3.0.yaml') })
  t.match(report, /^fixtures\/specs\/petstore-3\.0\.yaml: OpenAPI 3\.0\.3, .*4 operation\(s\), base path \/api\/v1\n/)
  t.match(report, /getPetOwner/)
})

t.test('the package exports what test suites need', async (t) => {
  t.equal(codes.CONTENT_TYPE_UNSUPPORTED, 'CONTENT_TYPE_UNSUPPORTED')
  t.same(Object.keys(codes), Object.keys(CATALOG))
  t.equal(CONFIG_SCHEMA.additionalProperties, false)
  t.equal(typeof startServer, 'function')
})
