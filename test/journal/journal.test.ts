import { performance } from 'node:perf_hooks'
import t from 'tap'
import { codes, type JournalEntry } from '../../src/index.js'
import { Journal } from '../../src/journal/journal.js'
import { fixture, startMock } from '../helpers.js'

/** An entry with the fields the filters read; the rest of JournalEntry does not matter here. */
function entry(n: number, overrides: Partial<JournalEntry> = {}): JournalEntry {
  return {
    requestId: `r-${String(n).padStart(6, '0')}`,
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    method: 'GET',
    path: '/health',
    query: '',
    operation: 'getHealth',
    headers: {},
    body: undefined,
    status: 200,
    step: 'respond',
    code: undefined,
    detail: undefined,
    durationMs: 1,
    ...overrides,
  } as JournalEntry
}

const ids = (entries: JournalEntry[]) => entries.map((e) => e.requestId)

t.test('a ring buffer: the oldest entry goes first', async (t) => {
  const journal = new Journal(3)
  t.equal(journal.capacity, 3)
  for (let n = 1; n <= 5; n++) journal.add(entry(n))
  t.equal(journal.size, 3)
  t.same(ids(journal.entries()), ['r-000003', 'r-000004', 'r-000005'], 'oldest first, the first two dropped')
  t.equal(journal.last()?.requestId, 'r-000005')
  journal.clear()
  t.equal(journal.size, 0)
  t.same(journal.entries(), [])
  journal.add(entry(6))
  t.same(ids(journal.entries()), ['r-000006'], 'works again after clear()')

  const off = new Journal(0)
  off.add(entry(1))
  t.same(off.entries(), [], 'size 0 keeps nothing')
})

t.test('filters', async (t) => {
  const journal = new Journal(10)
  journal.add(entry(1))
  journal.add(entry(2, { method: 'POST', path: '/orders', operation: 'createOrder', status: 201 }))
  journal.add(entry(3, { path: '/ordrs', operation: undefined, status: 404, step: 'route', code: 'ROUTE_NOT_FOUND' }))
  journal.add(entry(4, { method: 'POST', path: '/orders', operation: 'createOrder', status: 201 }))
  t.same(ids(journal.entries({ operation: 'createOrder' })), ['r-000002', 'r-000004'])
  t.same(ids(journal.entries({ method: 'post' })), ['r-000002', 'r-000004'], 'methods compare case-insensitively')
  t.same(ids(journal.entries({ path: '/ordrs' })), ['r-000003'])
  t.same(ids(journal.entries({ status: 404 })), ['r-000003'])
  t.same(ids(journal.entries({ code: codes.ROUTE_NOT_FOUND })), ['r-000003'])
  t.same(ids(journal.entries({ step: 'route' })), ['r-000003'])
  t.same(ids(journal.entries({ since: entry(3).time })), ['r-000003', 'r-000004'], 'since is inclusive')
  t.same(ids(journal.entries({ since: Date.parse(entry(4).time) })), ['r-000004'], 'since as a number')
  t.same(ids(journal.entries({ operation: 'createOrder', status: 404 })), [], 'filters combine')
  t.equal(journal.last({ operation: 'createOrder' })?.requestId, 'r-000004')
  t.equal(journal.last({ operation: 'nope' }), undefined)
})

t.test('waitFor', async (t) => {
  t.test('resolves on the N-th matching entry, not before', async (t) => {
    const journal = new Journal(10)
    let resolved: JournalEntry[] | undefined
    const waiting = journal.waitFor({ operation: 'createOrder', count: 2 }).then((entries) => (resolved = entries))
    journal.add(entry(1, { operation: 'createOrder' }))
    journal.add(entry(2, { operation: 'getHealth' }))
    await new Promise(setImmediate)
    t.equal(resolved, undefined, 'one match is not enough')
    journal.add(entry(3, { operation: 'createOrder' }))
    await waiting
    t.same(ids(resolved!), ['r-000001', 'r-000003'], 'the matching entries')
  })

  t.test('resolves at once when the entries are already there', async (t) => {
    const journal = new Journal(10)
    journal.add(entry(1))
    t.same(ids(await journal.waitFor()), ['r-000001'], 'count defaults to 1')
  })

  t.test('rejects on timeout, saying what it waited for and what it saw', async (t) => {
    const journal = new Journal(10)
    journal.add(entry(1, { operation: 'createOrder' }))
    const error = await journal.waitFor({ operation: 'createOrder', count: 3 }, { timeoutMs: 30 }).then(
      () => undefined,
      (e: Error) => e,
    )
    t.equal(error?.message, 'journal.waitFor timed out after 30 ms: wanted 3 request(s) matching {"operation":"createOrder"}, saw 1')
    journal.add(entry(2, { operation: 'createOrder' }))
    journal.add(entry(3, { operation: 'createOrder' }))
    t.equal(journal.size, 3, 'a timed-out waiter does not linger')
  })

  t.test('an AbortSignal stops the wait at once, with its reason', async (t) => {
    const journal = new Journal(10)
    const stop = new AbortController()
    const started = performance.now()
    const waiting = journal.waitFor({ count: 1 }, { timeoutMs: 60_000, signal: stop.signal })
    stop.abort(new Error('the mock is closing'))
    await t.rejects(waiting, { message: 'the mock is closing' })
    t.ok(performance.now() - started < 1000, 'long before its timeout (its timer is cleared: tap would wait for it otherwise)')
    journal.add(entry(1))
    t.equal(journal.size, 1, 'an aborted waiter does not linger')
    await t.rejects(journal.waitFor({}, { signal: stop.signal }), { message: 'the mock is closing' }, 'an aborted signal refuses at once')
  })
})

t.test('the journal of a running mock', async (t) => {
  const mock = await startMock(t, { config: { journal: { size: 3 } } })

  t.test('it keeps the last 3 requests', async (t) => {
    for (const path of ['/health', '/ordrs', '/health', '/orders/o-1001', '/nope']) {
      await fetch(`${mock.url}${path}`).then((res) => res.arrayBuffer())
    }
    await mock.journal.waitFor({ path: '/nope' })
    t.same(
      mock.journal.entries().map((e) => e.path),
      ['/health', '/orders/o-1001', '/nope'],
    )
  })

  t.test('an entry says what came and what it got', async (t) => {
    mock.reset()
    const res = await fetch(`${mock.url}/ordrs?status=pending`, { headers: { 'x-trace': 'abc' } })
    const problem = await res.json()
    const [found] = await mock.journal.waitFor({ code: codes.ROUTE_NOT_FOUND })
    t.match(found, {
      requestId: problem.requestId,
      method: 'GET',
      path: '/ordrs',
      query: 'status=pending',
      operation: undefined,
      status: 404,
      step: 'route',
      code: 'ROUTE_NOT_FOUND',
      detail: problem.detail,
      headers: { 'x-trace': 'abc' },
      body: undefined,
    })
    t.ok(Date.now() - Date.parse(found.time) < 60_000, 'time is when it arrived')
    t.ok(found.durationMs >= 0)
  })

  t.test('waitFor resolves on the N-th request over the wire', async (t) => {
    mock.reset()
    const waiting = mock.journal.waitFor({ operation: 'getHealth', count: 2 }, { timeoutMs: 5000 })
    await fetch(`${mock.url}/health`).then((res) => res.arrayBuffer())
    await fetch(`${mock.url}/health`).then((res) => res.arrayBuffer())
    const entries = await waiting
    t.equal(entries.length, 2)
    t.ok(entries.every((e) => e.operation === 'getHealth'))
  })

  t.test('admin requests are not recorded', async (t) => {
    mock.reset()
    await fetch(`${mock.url}/__doorman/health`).then((res) => res.arrayBuffer())
    await fetch(`${mock.url}/health`).then((res) => res.arrayBuffer())
    await mock.journal.waitFor({ path: '/health' })
    t.same(
      mock.journal.entries().map((e) => e.path),
      ['/health'],
    )
  })
})

t.test('credentials are redacted by default', async (t) => {
  const mock = await startMock(t)
  await fetch(`${mock.url}/health`, {
    headers: {
      authorization: 'Bearer secret-token',
      'proxy-authorization': 'Basic c2VjcmV0',
      cookie: 'session=secret',
      'x-api-key': 'key-1',
      'x-request-id': 'visible',
    },
  }).then((res) => res.arrayBuffer())
  const [found] = await mock.journal.waitFor({ path: '/health' })
  t.equal(found.headers.authorization, '[redacted]')
  t.equal(found.headers['proxy-authorization'], '[redacted]')
  t.equal(found.headers.cookie, '[redacted]')
  t.equal(found.headers['x-api-key'], '[redacted]', 'the API-key header the spec declares')
  t.equal(found.headers['x-request-id'], 'visible')
  t.notMatch(JSON.stringify(mock.journal.entries()), /secret|key-1/)
})

t.test('journal.redactDefaults: false keeps every header; journal.redact adds to the defaults', async (t) => {
  const keep = await startMock(t, { config: { journal: { redactDefaults: false } } })
  await fetch(`${keep.url}/health`, { headers: { authorization: 'Bearer visible', 'x-api-key': 'key-1' } }).then((res) => res.arrayBuffer())
  const [kept] = await keep.journal.waitFor({ path: '/health' })
  t.equal(kept.headers.authorization, 'Bearer visible')
  t.equal(kept.headers['x-api-key'], 'key-1')

  const custom = await startMock(t, { config: { journal: { redact: ['X-Session'] } } })
  await fetch(`${custom.url}/health`, { headers: { authorization: 'Bearer hidden', 'x-session': 's-1' } }).then((res) => res.arrayBuffer())
  const [redacted] = await custom.journal.waitFor({ path: '/health' })
  t.equal(redacted.headers['x-session'], '[redacted]', 'names compare case-insensitively')
  t.equal(redacted.headers.authorization, '[redacted]', 'and the defaults still apply')

  const replaced = await startMock(t, { config: { journal: { redact: ['x-session'], redactDefaults: false } } })
  await fetch(`${replaced.url}/health`, { headers: { authorization: 'Bearer visible', 'x-session': 's-1' } }).then((res) => res.arrayBuffer())
  const [only] = await replaced.journal.waitFor({ path: '/health' })
  t.equal(only.headers['x-session'], '[redacted]')
  t.equal(only.headers.authorization, 'Bearer visible', 'redactDefaults: false replaces the defaults with the list')
})

t.test('bodies are cut at journal.bodyBytes', async (t) => {
  const mock = await startMock(t, { config: { journal: { bodyBytes: 16 } } })
  const text = 'The delivery was quick and the parcel was intact, thank you!'
  await fetch(`${mock.url}/feedback`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: text }).then((res) => res.arrayBuffer())
  const [found] = await mock.journal.waitFor({ operation: 'createFeedback' })
  t.same(found.body, { text: text.slice(0, 16), bytes: Buffer.byteLength(text), truncated: true })

  await fetch(`${mock.url}/feedback`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'Thanks!' }).then((res) => res.arrayBuffer())
  const [, short] = await mock.journal.waitFor({ operation: 'createFeedback', count: 2 })
  t.same(short.body, { text: 'Thanks!', bytes: 7, truncated: false })
})

t.test('a config file sets the journal too', async (t) => {
  const mock = await startMock(t, { config: fixture('configs', 'small-journal.yaml') })
  for (let i = 0; i < 4; i++) await fetch(`${mock.url}/health`).then((res) => res.arrayBuffer())
  await mock.journal.waitFor({ count: 3 })
  t.equal(mock.journal.capacity, 3)
  t.equal(mock.journal.size, 3)
})
