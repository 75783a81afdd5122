/**
 * doorman as a fixture in a tap suite: the mock stands in for the Orders API
 * while the suite tests its own client (./orders-client.ts).
 *
 * Outside this repository, `npm install --save-dev doorman` and point `spec`
 * at your own OpenAPI document. Inside it, `'doorman'` is the package's own
 * build (dist/, through package.json `exports`): `npm run build` first, then
 * `npx tap examples/tap/orders.test.ts`.
 */
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { codes, startServer } from 'doorman'
import { createOrder, OrdersApiError } from './orders-client.js'

const spec = fileURLToPath(new URL('../../openapi.yaml', import.meta.url))
const order = { customerId: 'c-123', items: [{ sku: 'ABC-1234', qty: 2 }] }

// One mock for the whole file, on a free port; closed when the file's tests end.
const mock = await startServer({ spec, port: 0 })
t.teardown(mock.close)
// Each test starts with an empty journal and no fault plans.
t.beforeEach(() => mock.reset())

const token = mock.tokens.sign({ sub: 'alice', scope: 'orders:write' }, { expiresIn: '5m' })
const client = { baseUrl: mock.url, token }

t.test('creates an order', async (t) => {
  const created = await createOrder(order, client)
  t.match(created, { id: /^o-\d+$/, status: 'pending' })

  const [entry] = await mock.journal.waitFor({ operation: 'createOrder' })
  t.equal(entry.status, 201)
  t.same(JSON.parse(entry.body!.text), order, 'the journal has what the client sent')
  t.match(entry.headers, { 'content-type': 'application/json', 'idempotency-key': /^[0-9a-f-]{36}$/ })
})

t.test('a typo in the Content-Type is refused, and the problem says how to fix it', async (t) => {
  const error = await createOrder(order, { ...client, contentType: 'application/jsn' }).catch((e: unknown) => e)
  t.type(error, OrdersApiError)
  const refused = error as OrdersApiError
  t.equal(refused.status, 415)
  t.equal(refused.code, codes.CONTENT_TYPE_UNSUPPORTED, 'match on the code: it is stable, the wording may improve')
  t.match(refused.problem?.detail, /Did you mean 'application\/json'\?/)
  t.equal(mock.journal.entries({ code: codes.CONTENT_TYPE_UNSUPPORTED }).length, 1)
})

t.test('an invalid order lists every schema error with its JSON pointer', async (t) => {
  const error = (await createOrder({ customerId: 'bob', items: [{ sku: 'abc', qty: 0 }] }, client).catch((e: unknown) => e)) as OrdersApiError
  t.equal(error.status, 422)
  t.equal(error.code, codes.BODY_INVALID)
  t.same(error.problem?.errors?.map((e) => `${e.pointer} ${e.keyword}`).sort(), ['/customerId pattern', '/items/0/qty minimum', '/items/0/sku pattern'])
})

t.test('a token without the orders:write scope gets 403', async (t) => {
  const readOnly = mock.tokens.sign({ sub: 'alice', scope: 'orders:read' })
  const error = (await createOrder(order, { ...client, token: readOnly }).catch((e: unknown) => e)) as OrdersApiError
  t.equal(error.status, 403)
  t.equal(error.code, codes.SCOPE_INSUFFICIENT)
})

t.test('retries once after a 503, waiting as long as Retry-After says', async (t) => {
  mock.faults.add({ operation: 'createOrder', kind: 'status', status: 503, retryAfter: 1, times: 1 })
  const created = await createOrder(order, client)
  t.match(created, { id: /^o-\d+$/ })

  const attempts = mock.journal.entries({ operation: 'createOrder' })
  t.same(
    attempts.map((a) => a.status),
    [503, 201],
  )
  t.equal(attempts[0].headers['idempotency-key'], attempts[1].headers['idempotency-key'], 'the retry reuses the key')

  // doorman's verdict on the client: it waited, and it retried the POST safely.
  const [report] = mock.report().operations.filter((op) => op.operation === 'createOrder')
  t.equal(report.retries, 1)
  t.equal(report.retryAfter.verdict, 'honoured', report.retryAfter.explain)
  t.equal(report.idempotency.verdict, 'ok', report.idempotency.explain)
})

t.test('gives up on a hung server after its timeout', async (t) => {
  mock.faults.add({ operation: 'createOrder', kind: 'hang', times: 1 })
  await t.rejects(createOrder(order, { ...client, timeoutMs: 300 }), { name: 'TimeoutError' })

  // The mock notices the client closing the connection: wait for it rather than sleep.
  const [hung] = await mock.journal.waitFor({ operation: 'createOrder' })
  t.equal(hung.status, 0, 'no response was ever sent')
  t.ok(hung.clientGaveUpMs! >= 250, `the client gave up after ${hung.clientGaveUpMs} ms`)
  const [report] = mock.report().operations
  t.equal(report.timeout.verdict, 'gave-up', report.timeout.explain)
})
