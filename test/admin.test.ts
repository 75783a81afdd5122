import { performance } from 'node:perf_hooks'
import t from 'tap'
import { codes, type JournalEntry } from '../src/index.js'
import { loadSpec } from '../src/spec/load-spec.js'
import { compileRouteTable } from '../src/spec/route-table.js'
import { DEFAULT_SPEC, fetchJson, startMock } from './helpers.js'

t.test('the admin API', async (t) => {
  const mock = await startMock(t, { config: { journal: { size: 50 } } })
  const admin = `${mock.url}/__doorman`

  /** Three requests the journal can be filtered on; waits until all three are recorded. */
  async function traffic(): Promise<void> {
    mock.reset()
    await fetch(`${mock.url}/health`).then((res) => res.arrayBuffer())
    await fetch(`${mock.url}/ordrs`).then((res) => res.arrayBuffer())
    await fetch(`${mock.url}/health`, { method: 'DELETE' }).then((res) => res.arrayBuffer())
    await mock.journal.waitFor({ count: 3 })
  }
  const paths = (entries: JournalEntry[]) => entries.map((e) => `${e.method} ${e.path} ${e.status}`)

  t.test('GET health', async (t) => {
    await traffic()
    const res = await fetchJson(`${admin}/health`)
    t.equal(res.status, 200)
    t.match(res.headers.get('content-type'), /^application\/json/)
    const { operations } = compileRouteTable(await loadSpec(DEFAULT_SPEC))
    const { eventLoopDelay, ...rest } = res.body
    t.same(rest, { status: 'ok', operations: operations.length, journal: { size: 3, capacity: 50, waiting: 0 }, heldRequests: 0 })
    t.match(eventLoopDelay, { meanMs: Number, p99Ms: Number, maxMs: Number }, "the event loop's delay, for tests and people to see")
  })

  t.test('GET journal, with filters', async (t) => {
    await traffic()
    const all = await fetchJson(`${admin}/journal`)
    t.equal(all.status, 200)
    t.same(paths(all.body.entries), ['GET /health 200', 'GET /ordrs 404', 'DELETE /health 405'])
    t.same(all.body.entries, JSON.parse(JSON.stringify(mock.journal.entries())), 'the same entries as the library sees')

    const byOperation = await fetchJson(`${admin}/journal?operation=getHealth`)
    t.same(paths(byOperation.body.entries), ['GET /health 200'], 'operation (a 405 matched no operation)')
    const byCode = await fetchJson(`${admin}/journal?code=${codes.ROUTE_NOT_FOUND}`)
    t.same(paths(byCode.body.entries), ['GET /ordrs 404'], 'code')
    const byStatus = await fetchJson(`${admin}/journal?status=405`)
    t.same(paths(byStatus.body.entries), ['DELETE /health 405'], 'status')
    const byMethod = await fetchJson(`${admin}/journal?method=delete`)
    t.same(paths(byMethod.body.entries), ['DELETE /health 405'], 'method')
    const byPath = await fetchJson(`${admin}/journal?path=/health&step=route`)
    t.same(paths(byPath.body.entries), ['DELETE /health 405'], 'path and step combined')
    const last = await fetchJson(`${admin}/journal?limit=2`)
    t.same(paths(last.body.entries), ['GET /ordrs 404', 'DELETE /health 405'], 'limit keeps the newest')
    const since = await fetchJson(`${admin}/journal?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)
    t.same(since.body.entries, [], 'since')
  })

  t.test('GET journal refuses a filter that could only match nothing by mistake', async (t) => {
    const cases: Array<[string, RegExp]> = [
      [
        'stauts=201',
        /^unknown query parameter 'stauts'; did you mean 'status'\? Known: operation, method, path, code, step, status, since, limit, requestId, count, timeoutMs\.$/,
      ],
      ['status=2OO', /^status must be a whole number from 100 to 599, got '2OO'\.$/],
      ['status=99', /^status must be a whole number from 100 to 599, got '99'\.$/],
      ['code=BODY_INVALD', /^code must be a problem code from docs\/errors\.md, got 'BODY_INVALD'; did you mean 'BODY_INVALID'\?$/],
      [
        'step=validation',
        /^step must be one of tls, route, fault, auth, content-type, body-size, parse, schema, respond, upstream, transport, admin, internal, got 'validation'\.$/,
      ],
      ['since=yesterday', /^since must be an ISO 8601 time .* or epoch milliseconds, got 'yesterday'\.$/],
      ['limit=-1', /^limit must be a whole number of at least 0, got '-1'\.$/],
      ['method=GET%20/health', /^method must be an HTTP method such as GET or POST, got 'GET \/health'\.$/],
      ['status=200&status=404', /^the query parameter 'status' is given 2 times; give it once\.$/],
      ['count=0', /^count must be a whole number of at least 1, got '0'\.$/],
      ['count=51', /^count 51 can never be reached: the journal keeps the newest 50 entries \(journal.size in the config\)/],
      ['timeoutMs=100', /^timeoutMs says how long to wait for count entries: give count too/],
      ['count=1&timeoutMs=60001', /^timeoutMs must be a whole number from 0 to 60000, got '60001'\.$/],
    ]
    for (const [query, detail] of cases) {
      const res = await fetchJson(`${admin}/journal?${query}`)
      t.equal(res.status, 400, `${query}: 400`)
      t.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8', `${query}: problem+json`)
      t.match(res.body, { code: codes.ADMIN_QUERY_INVALID, step: 'admin', instance: `/__doorman/journal?${query}` }, `${query}: ADMIN_QUERY_INVALID`)
      t.match(res.body.detail, detail, `${query}: ${res.body.detail}`)
    }
    const har = await fetchJson(`${admin}/journal.har?count=2`)
    t.equal(har.status, 400, 'journal.har does not wait')
    t.match(
      har.body.detail,
      /^unknown query parameter 'count' \(count waits for requests: use GET \/__doorman\/journal\) Known: operation, method, path, code, step, status, since, limit, requestId\.$/,
    )
    const epoch = await fetchJson(`${admin}/journal?since=${Date.now() + 60_000}`)
    t.same([epoch.status, epoch.body.entries], [200, []], 'since also takes epoch milliseconds')
  })

  t.test('GET journal?count= waits for the requests, over HTTP (a long poll for fixtures in other languages)', async (t) => {
    mock.reset()
    const waiting = fetchJson(`${admin}/journal?operation=getHealth&count=2&timeoutMs=10000`)
    // Whether the wait arrives before these requests or after them, it answers once two getHealth are in.
    await fetch(`${mock.url}/health`).then((res) => res.arrayBuffer())
    await fetch(`${mock.url}/ordrs`).then((res) => res.arrayBuffer())
    await fetch(`${mock.url}/health`).then((res) => res.arrayBuffer())
    const done = await waiting
    t.equal(done.status, 200)
    t.equal(done.body.complete, true)
    t.same(paths(done.body.entries), ['GET /health 200', 'GET /health 200'])

    const already = await fetchJson(`${admin}/journal?count=3`)
    t.same([already.body.complete, already.body.entries.length], [true, 3], 'what is already there answers at once')

    const started = performance.now()
    const short = await fetchJson(`${admin}/journal?operation=createOrder&count=1&timeoutMs=200`)
    const ms = performance.now() - started
    t.equal(short.status, 200, 'a wait that runs out is still a 200, like a long poll')
    t.equal(short.body.complete, false)
    t.same(short.body.entries, [])
    t.match(short.body.detail, /^Waited \d+ ms for 1 request\(s\) matching operation=createOrder; 0 arrived\.$/)
    t.ok(ms >= 190 && ms < 3000, `it waited timeoutMs (${Math.round(ms)} ms)`)
  })

  t.test('DELETE journal empties it', async (t) => {
    await traffic()
    const res = await fetch(`${admin}/journal`, { method: 'DELETE' })
    t.equal(res.status, 204)
    t.equal(await res.text(), '')
    t.equal(mock.journal.size, 0)
    t.same((await fetchJson(`${admin}/journal`)).body.entries, [])
  })

  t.test('POST reset empties the journal', async (t) => {
    await traffic()
    const res = await fetch(`${admin}/reset`, { method: 'POST' })
    t.equal(res.status, 200)
    t.match(await res.json(), { released: 0, detail: /0 held request\(s\) ended/ }, 'it says how many held requests it ended')
    t.equal(mock.journal.size, 0)
  })

  t.test('admin requests stay out of the journal', async (t) => {
    mock.reset()
    await fetch(`${admin}/health`).then((res) => res.arrayBuffer())
    await fetch(`${admin}/journal`).then((res) => res.arrayBuffer())
    await fetch(`${admin}/problems`).then((res) => res.arrayBuffer())
    await fetch(`${mock.url}/health`).then((res) => res.arrayBuffer())
    await mock.journal.waitFor({ path: '/health' })
    t.same(paths(mock.journal.entries()), ['GET /health 200'])
  })

  t.test('an unknown admin path is a ROUTE_NOT_FOUND problem', async (t) => {
    const res = await fetchJson(`${admin}/nothing-here`)
    t.equal(res.status, 404)
    t.match(res.headers.get('content-type'), /^application\/problem\+json/)
    t.equal(res.body.code, codes.ROUTE_NOT_FOUND)
  })
})

t.test('close() does not sit out a pending GET journal?count= wait', async (t) => {
  const mock = await startMock(t)
  const waiting = fetch(`${mock.url}/__doorman/journal?operation=createOrder&count=1&timeoutMs=30000`).then(
    async (res) => ({ status: res.status, body: (await res.json()) as { complete: boolean; detail: string } }),
    (error: Error) => error,
  )
  // close() must start while the wait is pending: health says so (each look is a request, not a sleep).
  while ((await fetchJson(`${mock.url}/__doorman/health`)).body.journal.waiting === 0);
  t.equal(mock.journal.waiting, 1)
  const started = performance.now()
  await mock.close()
  const ms = performance.now() - started
  t.ok(ms < 5000, `close() took ${Math.round(ms)} ms, not the wait's 30 s`)
  t.equal(mock.journal.waiting, 0, 'the wait is gone: no timer of it keeps the process alive for 30 s')
  t.match(
    await waiting,
    { status: 200, body: { complete: false, detail: /^Waited \d+ ms for 1 request\(s\) matching operation=createOrder; 0 arrived\. The mock is closing\.$/ } },
    'it answers with what arrived',
  )
})
