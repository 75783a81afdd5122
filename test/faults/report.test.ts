import t from 'tap'
import type { JournalEntry } from '../../src/index.js'
import { buildReport, formatReport } from '../../src/journal/report.js'

const T0 = Date.parse('2025-01-01T12:00:00.000Z')

/** A journal entry arriving `at` ms after T0 and lasting `durationMs`; a 503 unless said otherwise. */
function entry(at: number, over: Partial<JournalEntry> = {}): JournalEntry {
  return {
    requestId: `r-${at}`,
    time: new Date(T0 + at).toISOString(),
    method: 'POST',
    path: '/orders',
    query: '',
    operation: 'createOrder',
    headers: {},
    body: undefined,
    status: 503,
    step: 'fault',
    code: 'FAULT_STATUS',
    detail: undefined,
    durationMs: 10,
    connection: 1,
    fault: undefined,
    responseStartMs: 5,
    responseEndMs: 10,
    clientGaveUpMs: undefined,
    retryAfter: undefined,
    ...over,
  }
}

/** Attempts whose waits (after each 10 ms attempt) are `gaps`, the last one succeeding. */
function withGaps(gaps: number[], over: Partial<JournalEntry> = {}): JournalEntry[] {
  let at = 0
  const entries = [entry(at, over)]
  gaps.forEach((gap, i) => {
    at += 10 + gap
    entries.push(entry(at, i === gaps.length - 1 ? { ...over, status: 201, code: undefined, retryAfter: undefined } : over))
  })
  return entries
}

const judge = (entries: JournalEntry[]) => buildReport(entries, []).operations[0]

t.test('backoff shapes', async (t) => {
  t.match(judge(withGaps([100, 200, 400, 800])).backoff, { shape: 'exponential', factor: 2, jitter: false })
  t.match(judge(withGaps([100, 130, 169])).backoff, { shape: 'growing', factor: 1.3 })
  t.match(judge(withGaps([500, 500, 500])).backoff, { shape: 'constant', jitter: false, explain: /constant interval .* without jitter/ })
  t.match(judge(withGaps([400, 600, 450, 550])).backoff, { shape: 'constant', jitter: true })
  t.match(judge(withGaps([100, 260, 380, 900])).backoff, { shape: 'exponential', jitter: true })
  t.match(judge(withGaps([800, 400, 200])).backoff, { shape: 'shrinking' })
  t.match(judge(withGaps([3, 1, 2])).backoff, { shape: 'immediate', explain: /without waiting/ })
  t.match(judge(withGaps([700])).backoff, { shape: 'single', factor: undefined })
  t.match(judge([entry(0, { status: 201 }), entry(5000, { status: 201 })]).backoff, { shape: 'none' }, 'requests after a success are not retries')
})

t.test('gaps run from the end of the failed attempt (its answer, or the client giving up)', async (t) => {
  const op = judge([entry(0, { durationMs: 300 }), entry(1300, { status: 0, clientGaveUpMs: 2000, durationMs: 2000 }), entry(4000, { status: 201 })])
  t.same(op.gapsMs, [1000, 700])
  t.equal(op.retries, 2)
})

t.test('Retry-After: honoured, ignored, partly; seconds and HTTP dates', async (t) => {
  t.match(judge(withGaps([1000, 1000], { retryAfter: '1' })).retryAfter, {
    verdict: 'honoured',
    checks: [{ advertisedMs: 1000, honoured: true }, { honoured: true }],
  })
  t.match(judge(withGaps([200, 200], { retryAfter: '1' })).retryAfter, { verdict: 'ignored', explain: /retried too early twice/ })
  t.match(judge(withGaps([1000, 200], { retryAfter: '1' })).retryAfter, { verdict: 'partly' })
  t.match(judge(withGaps([995], { retryAfter: '1' })).retryAfter, { verdict: 'honoured' }, 'within the clock’s tolerance')
  // An HTTP date counts from when the answer went out (T0 + 10 ms here): 4 s after T0 is 3990 ms later.
  const date = new Date(T0 + 4000).toUTCString()
  t.match(judge([entry(0, { retryAfter: date }), entry(4000, { status: 201 })]).retryAfter, {
    verdict: 'honoured',
    checks: [{ advertisedMs: 3990, waitedMs: 3990 }],
  })
  t.match(judge([entry(0, { retryAfter: date }), entry(2000, { status: 201 })]).retryAfter, { verdict: 'ignored' })
  t.match(judge([entry(0, { retryAfter: '2' })]).retryAfter, { verdict: 'not-retried' })
  t.match(judge(withGaps([100])).retryAfter, { verdict: 'not-advertised' })
})

t.test('timeouts: the client’s effective timeout on hung requests', async (t) => {
  const hang = (at: number, gaveUp: number | undefined) =>
    entry(at, {
      method: 'GET',
      operation: 'getOrder',
      status: 0,
      durationMs: gaveUp ?? 60_000,
      clientGaveUpMs: gaveUp,
      fault: { kind: 'hang', source: 'config', plans: [], delayMs: 0, explain: '' },
    })
  t.match(judge([hang(0, 2010), hang(3000, 1990), hang(6000, 2050)]).timeout, {
    verdict: 'gave-up',
    effectiveMs: 2010,
    gaveUpMs: [2010, 1990, 2050],
    explain: /hung request after about 2\.0 s/,
  })
  t.match(judge([hang(0, undefined)]).timeout, { verdict: 'no-timeout', explain: /no read timeout/ })
  t.match(judge([entry(0, { status: 200, clientGaveUpMs: 500 })]).timeout, { verdict: 'gave-up', effectiveMs: 500, explain: /a slow answer/ })
})

t.test('idempotency of retried POSTs', async (t) => {
  t.match(judge(withGaps([100, 200])).idempotency, { verdict: 'unsafe', retriesWithoutKey: 2 })
  t.match(judge(withGaps([100, 200], { headers: { 'idempotency-key': 'k1' } })).idempotency, { verdict: 'ok' })
  const changing = [entry(0, { headers: { 'idempotency-key': 'a' } }), entry(200, { headers: { 'idempotency-key': 'b' }, status: 201 })]
  t.match(judge(changing).idempotency, { verdict: 'unsafe', keyChanged: 1 })
  t.match(judge(withGaps([100], { method: 'GET' })).idempotency, { verdict: 'not-applicable' })
})

t.test('operations are judged separately; in-flight requests are listed', async (t) => {
  const inFlight = [
    {
      requestId: 'r-9',
      operation: 'getOrder',
      method: 'GET',
      path: '/orders/o-1',
      time: new Date(T0).toISOString(),
      ageMs: 1234,
      fault: 'hang',
      explain: 'Prefer: fault=hang',
    },
  ]
  const report = buildReport([...withGaps([100]), entry(50, { operation: 'getOrder', method: 'GET', status: 200 })], inFlight, new Date(T0))
  t.same(
    report.operations.map((o) => [o.operation, o.attempts.length, o.inFlight]),
    [
      ['createOrder', 2, 0],
      ['getOrder', 1, 1],
    ],
  )
  t.equal(report.requests, 3)
  const text = formatReport(report)
  t.match(text, /^doorman client report, 2025-01-01T12:00:00.000Z: 3 requests, 2 operations, 1 in flight\n/)
  t.match(
    text,
    /createOrder \(POST \/orders\): 2 attempts, 1 retries\n {2}#1 12:00:00.000 conn 1 {2}503 FAULT_STATUS\n {2}#2 12:00:00.110 conn 1 {2}201 {2}waited 100 ms/,
  )
  t.match(text, /in flight:\n {2}r-9 GET \/orders\/o-1 for 1234 ms: Prefer: fault=hang/)
})
