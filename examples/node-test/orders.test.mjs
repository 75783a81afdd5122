/**
 * doorman as a fixture with Node's own test runner (node:test), in plain JavaScript:
 *
 *   node --test examples/node-test/
 *
 * The mock stands in for the Orders API while the suite tests its client
 * (./orders-client.mjs). `close()` in `after` leaves no handle open, so the
 * run exits by itself. Outside this repository, `npm install --save-dev doorman`
 * and point `spec` at your own OpenAPI document. Inside it, `'doorman'` is the
 * package's own build (dist/, through package.json `exports`): `npm run build` first.
 */
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { codes, startServer } from 'doorman'
import { createOrder, OrdersApiError } from './orders-client.mjs'

const spec = fileURLToPath(new URL('../../openapi.yaml', import.meta.url))
const order = { customerId: 'c-123', items: [{ sku: 'ABC-1234', qty: 2 }] }

describe('the orders client against doorman', () => {
  let mock
  let client

  before(async () => {
    mock = await startServer({ spec, port: 0 })
    client = { baseUrl: mock.url, token: mock.tokens.sign({ sub: 'alice', scope: 'orders:write' }) }
  })
  after(() => mock.close())
  beforeEach(() => mock.reset())

  it('creates an order', async () => {
    const created = await createOrder(order, client)
    assert.match(created.id, /^o-\d+$/)
    const [entry] = await mock.journal.waitFor({ operation: 'createOrder' })
    assert.equal(entry.status, 201)
    assert.deepEqual(JSON.parse(entry.body.text), order)
  })

  it('sees a Content-Type typo refused with CONTENT_TYPE_UNSUPPORTED', async () => {
    await assert.rejects(createOrder(order, { ...client, contentType: 'application/jsn' }), (error) => {
      assert.ok(error instanceof OrdersApiError)
      assert.equal(error.status, 415)
      assert.equal(error.code, codes.CONTENT_TYPE_UNSUPPORTED)
      return true
    })
    assert.equal(mock.journal.entries({ code: codes.CONTENT_TYPE_UNSUPPORTED }).length, 1)
  })

  it('gets every schema error of an invalid order', async () => {
    await assert.rejects(createOrder({ customerId: 'c-123', items: [] }, client), (error) => {
      assert.equal(error.status, 422)
      assert.equal(error.code, codes.BODY_INVALID)
      assert.deepEqual(
        error.problem.errors.map((e) => `${e.pointer} ${e.keyword}`),
        ['/items minItems'],
      )
      return true
    })
  })

  it('retries a 503 after Retry-After, with the same Idempotency-Key', async () => {
    mock.faults.add({ operation: 'createOrder', kind: 'status', status: 503, retryAfter: 1, times: 1 })
    await createOrder(order, client)
    const attempts = mock.journal.entries({ operation: 'createOrder' })
    assert.deepEqual(
      attempts.map((a) => a.status),
      [503, 201],
    )
    const report = mock.report().operations.find((op) => op.operation === 'createOrder')
    assert.equal(report.retryAfter.verdict, 'honoured', report.retryAfter.explain)
    assert.equal(report.idempotency.verdict, 'ok', report.idempotency.explain)
  })
})
