// GET /__doorman/journal.har and mock.journal.har(): the journal as HAR 1.2, over real sockets.
import { connect } from 'node:net'
import { Ajv } from 'ajv'
import t, { type Test } from 'tap'
import { codes, type Har, type HarEntry } from '../../src/index.js'
import { fetchJson, startMock } from '../helpers.js'

/**
 * The required fields of HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/),
 * as the har-schema package states them, plus the types doorman promises.
 */
const nameValues = {
  type: 'array',
  items: { type: 'object', required: ['name', 'value'], properties: { name: { type: 'string' }, value: { type: 'string' } } },
}
const timing = { type: 'number', minimum: -1 }
const HAR_SCHEMA = {
  type: 'object',
  required: ['log'],
  properties: {
    log: {
      type: 'object',
      required: ['version', 'creator', 'entries'],
      properties: {
        version: { const: '1.2' },
        creator: { type: 'object', required: ['name', 'version'], properties: { name: { type: 'string' }, version: { type: 'string' } } },
        entries: {
          type: 'array',
          items: {
            type: 'object',
            required: ['startedDateTime', 'time', 'request', 'response', 'cache', 'timings'],
            properties: {
              startedDateTime: { type: 'string', format: 'date-time' },
              time: { type: 'number', minimum: 0 },
              request: {
                type: 'object',
                required: ['method', 'url', 'httpVersion', 'cookies', 'headers', 'queryString', 'headersSize', 'bodySize'],
                properties: {
                  method: { type: 'string' },
                  url: { type: 'string', format: 'uri' },
                  httpVersion: { type: 'string' },
                  cookies: nameValues,
                  headers: nameValues,
                  queryString: nameValues,
                  postData: {
                    type: 'object',
                    required: ['mimeType'],
                    properties: { mimeType: { type: 'string' }, text: { type: 'string' }, params: { type: 'array' }, comment: { type: 'string' } },
                  },
                  headersSize: { type: 'integer' },
                  bodySize: { type: 'integer' },
                },
              },
              response: {
                type: 'object',
                required: ['status', 'statusText', 'httpVersion', 'cookies', 'headers', 'content', 'redirectURL', 'headersSize', 'bodySize'],
                properties: {
                  status: { type: 'integer' },
                  statusText: { type: 'string' },
                  httpVersion: { type: 'string' },
                  cookies: nameValues,
                  headers: nameValues,
                  content: {
                    type: 'object',
                    required: ['size', 'mimeType'],
                    properties: { size: { type: 'integer' }, mimeType: { type: 'string' }, text: { type: 'string' }, comment: { type: 'string' } },
                  },
                  redirectURL: { type: 'string' },
                  headersSize: { type: 'integer' },
                  bodySize: { type: 'integer' },
                },
              },
              cache: { type: 'object' },
              timings: {
                type: 'object',
                required: ['send', 'wait', 'receive'],
                properties: { blocked: timing, dns: timing, connect: timing, ssl: timing, send: timing, wait: timing, receive: timing },
              },
              connection: { type: 'string' },
              comment: { type: 'string' },
            },
            // HAR allows custom fields only when they start with an underscore.
            propertyNames: {
              anyOf: [
                { enum: ['pageref', 'startedDateTime', 'time', 'request', 'response', 'cache', 'timings', 'serverIPAddress', 'connection', 'comment'] },
                { pattern: '^_' },
              ],
            },
          },
        },
      },
    },
  },
}
const ajv = new Ajv({ allErrors: true, strict: false })
ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d\d-\d\dT/.test(s))
ajv.addFormat('uri', (s: string) => URL.canParse(s))
const validateHar = ajv.compile(HAR_SCHEMA)

function assertValidHar(t: Test, har: unknown): void {
  const ok = validateHar(har)
  t.ok(ok, `valid HAR 1.2${ok ? '' : `: ${ajv.errorsText(validateHar.errors)}`}`)
}

const ORDER = JSON.stringify({ customerId: 'c-123', items: [{ sku: 'ABC-1234', qty: 1 }] })
const header = (entry: HarEntry, side: 'request' | 'response', name: string) => entry[side].headers.find((h) => h.name === name)?.value

t.test('the journal as HAR 1.2: requests, answers, refusals and faults', async (t) => {
  const mock = await startMock(t)
  const token = mock.tokens.sign({ sub: 'alice', scope: 'orders:write' })
  const created = await fetch(`${mock.url}/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'k-1' },
    body: ORDER,
  })
  const createdBody = await created.text()
  await fetchJson(`${mock.url}/orders`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/jsn' }, body: ORDER })
  await fetchJson(`${mock.url}/orders?status=pending&limit=5`, { headers: { authorization: `Bearer ${token}` } })
  await fetchJson(`${mock.url}/orders/o-1001/attachments`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'url=https%3A%2F%2Fexample.com%2Fnote.pdf&description=signed+note',
  })
  await fetchJson(`${mock.url}/health`, { headers: { prefer: 'code=503, retry-after=2' } })
  await t.rejects(fetch(`${mock.url}/health`, { headers: { prefer: 'fault=reset' } }), 'the reset reaches the client')
  await mock.journal.waitFor({ count: 6 })

  const res = await fetchJson(`${mock.url}/__doorman/journal.har`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^application\/json/)
  t.match(res.headers.get('content-disposition'), /^attachment; filename="doorman-journal\.har"$/, 'a browser saves it as a .har file')
  const har = res.body as Har
  assertValidHar(t, har)
  t.match(har.log.creator, { name: 'doorman', version: /^\d+\.\d+\.\d+/ })
  t.equal(har.log.entries.length, 6, 'the admin request itself is not in the journal')
  t.same(mock.journal.har(), har, 'mock.journal.har() is the same document')
  const [create, refused, list, form, unavailable, reset] = har.log.entries as [HarEntry, HarEntry, HarEntry, HarEntry, HarEntry, HarEntry]

  t.test('a created order: request and response, headers and bodies', async (t) => {
    t.match(create.request, { method: 'POST', url: `${mock.url}/orders`, httpVersion: 'HTTP/1.1', bodySize: Buffer.byteLength(ORDER) })
    t.same(create.request.postData, { mimeType: 'application/json', text: ORDER })
    t.equal(header(create, 'request', 'authorization'), '[redacted]', 'credentials stay redacted')
    t.equal(header(create, 'request', 'idempotency-key'), 'k-1')
    t.match(create.response, { status: 201, statusText: 'Created', httpVersion: 'HTTP/1.1', redirectURL: '' })
    t.same(create.response.content, { size: Buffer.byteLength(createdBody), mimeType: 'application/json; charset=utf-8', text: createdBody })
    t.equal(create.response.bodySize, Buffer.byteLength(createdBody))
    t.equal(header(create, 'response', 'location'), '/orders/o-1001', 'documented response headers')
    t.equal(header(create, 'response', 'content-length'), String(Buffer.byteLength(createdBody)))
    t.match(create._doorman, { operation: 'createOrder', step: 'respond', code: null, fault: null })
    t.ok(!Number.isNaN(Date.parse(create.startedDateTime)))
    // Each is rounded to the microsecond, so the sum may differ from `time` in the last binary digit only.
    const sum = create.timings.send + create.timings.wait + create.timings.receive
    t.ok(Math.abs(create.time - sum) < 1e-9, `time ${create.time} is the sum of the timings ${sum}`)
    t.match(create.timings, { blocked: -1, dns: -1, connect: -1 }, 'what a server cannot know is -1')
  })

  t.test('a refusal carries its problem body and the verdict as a comment', async (t) => {
    t.equal(refused.response.status, 415)
    t.equal(refused.response.statusText, 'Unsupported Media Type')
    t.match(refused.response.content.mimeType, /^application\/problem\+json\b/)
    t.equal(JSON.parse(refused.response.content.text!).code, codes.CONTENT_TYPE_UNSUPPORTED)
    t.equal(header(refused, 'response', 'accept-post'), 'application/json')
    t.match(refused.comment, /^CONTENT_TYPE_UNSUPPORTED: POST \/orders accepts application\/json, but the request says 'application\/jsn'/)
    t.match(refused._doorman, { step: 'content-type', code: codes.CONTENT_TYPE_UNSUPPORTED })
  })

  t.test('the query string and a form body are split into pairs', async (t) => {
    t.equal(list.request.url, `${mock.url}/orders?status=pending&limit=5`)
    t.same(list.request.queryString, [
      { name: 'status', value: 'pending' },
      { name: 'limit', value: '5' },
    ])
    t.notOk('postData' in list.request, 'no body, no postData')
    t.equal(list.request.bodySize, 0)
    t.same(form.request.postData!.params, [
      { name: 'url', value: 'https://example.com/note.pdf' },
      { name: 'description', value: 'signed note' },
    ])
  })

  t.test('faults: a status fault has its answer, a reset has none', async (t) => {
    t.match(unavailable.response, { status: 503, statusText: 'Service Unavailable' })
    t.equal(header(unavailable, 'response', 'retry-after'), '2')
    t.match(unavailable._doorman, { step: 'fault', code: codes.FAULT_STATUS, fault: { kind: 'status', source: 'prefer' } })
    t.match(reset.response, { status: 0, statusText: '', httpVersion: '', headers: [], bodySize: -1, content: { size: 0, mimeType: 'x-unknown' } })
    t.match(reset.response._error, /reset/i, 'Chrome shows _error for a request that got no response')
    t.match(reset.comment, /^fault:reset: /)
  })
})

t.test('journal.har takes the journal filters', async (t) => {
  const mock = await startMock(t)
  await fetchJson(`${mock.url}/health`)
  await fetchJson(`${mock.url}/ordrs`)
  await fetchJson(`${mock.url}/health`)
  await mock.journal.waitFor({ count: 3 })
  const health = (await fetchJson(`${mock.url}/__doorman/journal.har?operation=getHealth`)).body as Har
  t.equal(health.log.entries.length, 2)
  const missing = (await fetchJson(`${mock.url}/__doorman/journal.har?code=ROUTE_NOT_FOUND`)).body as Har
  t.same(
    missing.log.entries.map((e) => e.request.url),
    [`${mock.url}/ordrs`],
  )
  const newest = (await fetchJson(`${mock.url}/__doorman/journal.har?limit=1`)).body as Har
  t.equal(newest.log.entries[0]._doorman.requestId, mock.journal.last()!.requestId)
  t.same(mock.journal.har({ code: codes.ROUTE_NOT_FOUND }).log.entries, missing.log.entries)
  mock.reset()
  const empty = (await fetchJson(`${mock.url}/__doorman/journal.har`)).body as Har
  assertValidHar(t, empty)
  t.same(empty.log.entries, [])
})

t.test('bodies are cut at journal.bodyBytes, and the HAR says so', async (t) => {
  const mock = await startMock(t, { config: { journal: { bodyBytes: 32 } } })
  const token = mock.tokens.sign({ scope: 'orders:write' })
  const note = 'é'.repeat(100)
  const body = JSON.stringify({ customerId: 'c-123', items: [{ sku: 'ABC-1234', qty: 1 }], note })
  const res = await fetch(`${mock.url}/orders`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body })
  const sent = await res.text()
  await mock.journal.waitFor()
  const entry = mock.journal.last()!
  t.match(entry.body, { bytes: Buffer.byteLength(body), truncated: true })
  t.match(entry.response!.body, { bytes: Buffer.byteLength(sent), truncated: true })
  t.ok(Buffer.byteLength(entry.response!.body!.text) <= 32)
  const [harEntry] = mock.journal.har().log.entries
  assertValidHar(t, mock.journal.har())
  t.equal(harEntry.request.bodySize, Buffer.byteLength(body), 'bodySize is the full size')
  t.match(harEntry.request.postData!.comment, /^truncated: the journal keeps the first \d+ of \d+ bytes \(journal\.bodyBytes\)$/)
  t.equal(harEntry.response.content.size, Buffer.byteLength(sent))
  t.match(harEntry.response.content.comment, /^truncated/)
})

t.test('a HTTP/1.0 request, a HEAD request and cookies', async (t) => {
  const mock = await startMock(t, { config: { journal: { redact: ['authorization'], redactDefaults: false } } })
  const socket = connect(mock.port, '127.0.0.1')
  socket.end('GET /health HTTP/1.0\r\nCookie: session=abc; theme=dark\r\n\r\n')
  for await (const _ of socket) {
    // read the answer until the server closes (HTTP/1.0)
  }
  await fetch(`${mock.url}/health`, { method: 'HEAD' })
  await mock.journal.waitFor({ count: 2 })
  const [old, head] = mock.journal.har().log.entries as [HarEntry, HarEntry]
  t.equal(old.request.httpVersion, 'HTTP/1.0')
  t.equal(old.request.url, 'http://localhost/health', 'no Host header: localhost')
  t.same(old.request.cookies, [
    { name: 'session', value: 'abc' },
    { name: 'theme', value: 'dark' },
  ])
  t.equal(head.request.method, 'HEAD')
  t.equal(head.response.status, 200)
  t.notOk('text' in head.response.content, 'a HEAD answer has no body')
})
