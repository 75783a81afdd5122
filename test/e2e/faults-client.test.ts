/**
 * The report judges the client: a client with exponential backoff that
 * honours Retry-After against "503 twice, Retry-After 1", and a naive one
 * that hammers the server.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { fetchJson, startMock } from '../helpers.js'

const RETRYABLE = new Set([429, 502, 503, 504])

/** The client under test: exponential backoff (base · 2^n), never sooner than Retry-After says. */
async function fetchWithBackoff(url: string, init: RequestInit, { baseMs, retries }: { baseMs: number; retries: number }): Promise<number[]> {
  const statuses: number[] = []
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, init)
    statuses.push(res.status)
    await res.arrayBuffer()
    if (!RETRYABLE.has(res.status) || attempt === retries) return statuses
    const retryAfterMs = Number(res.headers.get('retry-after') ?? 0) * 1000
    await sleep(Math.max(retryAfterMs, baseMs * 2 ** attempt))
  }
}

const order = JSON.stringify({ customerId: 'c-123', items: [{ sku: 'ABC-1234', qty: 1 }] })

t.test('exponential backoff against 503 × 2 with Retry-After 1', async (t) => {
  const mock = await startMock(t)
  mock.faults.add({ operation: 'createOrder', kind: 'status', status: 503, retryAfter: 1, times: 2 })
  const headers = {
    authorization: `Bearer ${mock.tokens.sign({ sub: 'alice', scope: 'orders:write' })}`,
    'content-type': 'application/json',
    'idempotency-key': 'order-7f3a',
  }
  const statuses = await fetchWithBackoff(`${mock.url}/orders`, { method: 'POST', headers, body: order }, { baseMs: 1000, retries: 4 })
  t.same(statuses, [503, 503, 201], 'failed twice, then succeeded')
  await mock.journal.waitFor({ operation: 'createOrder', count: 3 })

  const op = mock.report().operations.find((o) => o.operation === 'createOrder')!
  t.same(
    op.attempts.map((a) => a.status),
    [503, 503, 201],
  )
  t.same(
    op.attempts.map((a) => a.fault?.attempt),
    [1, 2, undefined],
    'which attempt of the plan each was',
  )
  t.equal(op.retries, 2)
  const [first, second] = op.gapsMs
  t.ok(first >= 990 && first < 1400, `waited ~1 s before the first retry (${first} ms)`)
  t.ok(second >= 1990 && second < 2500, `waited ~2 s before the second (${second} ms)`)
  t.equal(op.backoff.shape, 'exponential')
  t.ok(op.backoff.factor! > 1.7 && op.backoff.factor! < 2.3, `factor ~2 (${op.backoff.factor})`)
  t.equal(op.retryAfter.verdict, 'honoured')
  t.same(
    op.retryAfter.checks.map((c) => [c.advertisedMs, c.honoured]),
    [
      [1000, true],
      [1000, true],
    ],
  )
  t.equal(op.idempotency.verdict, 'ok', 'the POST kept its Idempotency-Key')
  t.equal(op.timeout.verdict, 'not-observed')

  const text = await (await fetch(`${mock.url}/__doorman/report`, { headers: { accept: 'text/plain' } })).text()
  t.match(text, /createOrder \(POST \/orders\): 3 attempts, 2 retries/)
  t.match(text, /backs off exponentially, factor \d\.\d+/)
  t.match(text, /honoured Retry-After twice/)
})

t.test('a naive client: immediate retries, Retry-After ignored, POST retried without a key', async (t) => {
  const mock = await startMock(t)
  mock.faults.add({ operation: 'createOrder', kind: 'status', status: 503, retryAfter: 1, times: 3 })
  for (let i = 0; i < 4; i++)
    await (await fetch(`${mock.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: order })).arrayBuffer()
  await mock.journal.waitFor({ operation: 'createOrder', count: 4 })
  const report = await fetchJson(`${mock.url}/__doorman/report`)
  t.match(report.headers.get('content-type'), /^application\/json/, 'JSON by default')
  const op = report.body.operations[0]
  t.equal(op.backoff.shape, 'immediate')
  t.equal(op.retryAfter.verdict, 'ignored')
  t.match(op.idempotency, { verdict: 'unsafe', retriesWithoutKey: 3 })
  t.match(op.verdicts.join('\n'), /without an Idempotency-Key: a retry after a lost answer can do the work twice/)
})
