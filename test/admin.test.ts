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
    t.same(res.body, { status: 'ok', operations: operations.length, journal: { size: 3, capacity: 50 } })
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
    t.equal(res.status, 204)
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
