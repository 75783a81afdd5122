/**
 * The upstream's answers checked against the documented responses: every
 * answer passes back unchanged, and what breaks the contract is a violation
 * on the journal entry (with its pointer), in the report and in the log line.
 */
import t from 'tap'
import type { JournalEntry } from '../../src/index.js'
import { fixture, startMock } from '../helpers.js'
import { startUpstream } from './upstream.js'

const SPEC = fixture('specs', 'proxied.yaml')
const lines: JournalEntry[] = []
const upstream = await startUpstream(t)
const mock = await startMock(t, { spec: SPEC, upstream: `${upstream.url}/api`, log: (entry) => lines.push(entry) })

/** POST /v1/orders, the upstream told how to answer; the whole answer read. */
async function createOrder(answer: string): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${mock.url}/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-upstream-answer': answer },
    body: JSON.stringify({ item: 'tea' }),
  })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

t.beforeEach(() => mock.reset())

t.test('an undocumented status passes through unchanged, and is reported', async (t) => {
  // 418 falls under the documented 4XX; a status no key covers:
  const res = await fetch(`${mock.url}/v1/notes`, { headers: { 'x-upstream-answer': 'good' } })
  t.equal(res.status, 200)
  await res.text()
  const teapot = await createOrder('teapot')
  t.equal(teapot.status, 418, "the upstream's 418, not a mocked answer")
  t.equal(teapot.text, "I'm a teapot", 'its body as sent')
  t.equal(teapot.headers.get('x-teapot'), 'yes')
  const [entry] = await mock.journal.waitFor({ operation: 'createOrder', count: 1 })
  t.match(
    entry.violations,
    [{ location: 'response', part: 'content-type', received: 'text/plain', expected: ['application/problem+json'] }],
    'covered by 4XX, but not its media type',
  )

  const missing = await fetch(`${mock.url}/v1/orders/404`, { headers: { 'x-upstream-answer': 'good' } })
  t.equal(missing.status, 200)
  await missing.text()
})

t.test('a status no response covers is a status violation, and the report lists it as undocumented', async (t) => {
  const local = await startUpstream(t)
  local.app.server.removeAllListeners('request')
  // Every request answers 503 now: a status getOrder documents nowhere (no 5XX, no default).
  local.app.server.on('request', (_req, res) => res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '3' }).end('{"busy":true}'))
  const proxy = await startMock(t, { spec: SPEC, upstream: `${local.url}/api` })
  const res = await fetch(`${proxy.url}/v1/orders/1`)
  t.equal(res.status, 503, 'passed through, not rewritten')
  t.equal(res.headers.get('retry-after'), '3')
  t.same(await res.json(), { busy: true })
  const [entry] = await proxy.journal.waitFor({ operation: 'getOrder', count: 1 })
  t.match(entry.violations, [{ location: 'response', part: 'status', keyword: 'status', received: 503, expected: ['200', '404'] }])
  const report = proxy.report().proxy
  t.match(report?.operations, [
    {
      operation: 'getOrder',
      forwarded: 1,
      checked: 1,
      answersWithViolations: 1,
      statusesSeen: { 503: 1 },
      statusesDocumented: ['200', '404'],
      undocumentedStatuses: [503],
    },
  ])
  const text = await (await fetch(`${proxy.url}/__doorman/report`, { headers: { accept: 'text/plain' } })).text()
  t.match(text, /getOrder: 1 forwarded, 1 checked; statuses 503×1 \(documented 200 404\)/, 'the report for people says it too')
})

t.test('a wrong type in the body: a violation with its pointer', async (t) => {
  const res = await createOrder('wrong-type')
  t.equal(res.status, 201)
  t.same(JSON.parse(res.text), { id: 'seven', item: 'tea', quantity: 'two' }, 'the body is not rewritten')
  const [entry] = await mock.journal.waitFor({ operation: 'createOrder', count: 1 })
  t.same(
    entry.violations?.map((v) => [v.location, v.part, v.pointer, v.keyword, v.received]),
    [
      ['response', 'body', '/id', 'type', 'seven'],
      ['response', 'body', '/quantity', 'type', 'two'],
    ],
  )
  t.match(mock.report().proxy?.operations[0].violationsByKind, { 'response body type': 2 })
})

t.test('a missing required header', async (t) => {
  const res = await createOrder('no-header')
  t.equal(res.status, 201)
  t.equal(res.headers.get('location'), null)
  const [entry] = await mock.journal.waitFor({ operation: 'createOrder', count: 1 })
  t.match(entry.violations, [{ location: 'response', part: 'header', pointer: 'Location', keyword: 'required' }])
})

t.test('a writeOnly property in an answer, a body that is not JSON, a text over maxLength', async (t) => {
  await createOrder('write-only')
  await createOrder('not-json')
  const notes = await fetch(`${mock.url}/v1/notes`)
  t.equal(await notes.text(), 'this note is far longer than twenty characters')
  const entries = await mock.journal.waitFor({ path: '/v1/notes', count: 1 })
  const [writeOnly, notJson] = mock.journal.entries({ operation: 'createOrder' })
  t.match(writeOnly.violations, [{ part: 'body', pointer: '/secretCode', keyword: 'writeOnly' }])
  t.match(notJson.violations, [{ part: 'body', pointer: '', keyword: 'syntax' }])
  t.match(entries[0].violations, [{ part: 'body', keyword: 'maxLength', expected: 20 }])
})

t.test('a conforming answer has none, and the log line tells the count and the first violation', async (t) => {
  lines.length = 0
  await createOrder('good')
  await createOrder('wrong-type')
  await mock.journal.waitFor({ operation: 'createOrder', count: 2 })
  t.same(lines[0].violations, [])
  const { formatLogLine } = await import('../../src/index.js')
  t.notMatch(formatLogLine(lines[0], 'pretty'), /violation/)
  t.match(formatLogLine(lines[1], 'pretty'), /2 violations: response body \/id: must be integer, got "seven"/)
  t.match(JSON.parse(formatLogLine(lines[1], 'json')), { violations: 2 })
})

t.test('--violations-header: one short header with the count and a link to the journal entry', async (t) => {
  const proxy = await startMock(t, { spec: SPEC, upstream: { upstream: `${upstream.url}/api`, violationsHeader: true } })
  const res = await fetch(`${proxy.url}/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-upstream-answer': 'wrong-type' },
    body: '{"item":"tea"}',
  })
  await res.text()
  const header = res.headers.get('doorman-violations')
  t.match(header, /^2; <\/__doorman\/journal\?requestId=r-\d+>$/)
  const link = /<([^>]+)>/.exec(header ?? '')?.[1] ?? ''
  const { entries } = (await (await fetch(`${proxy.url}${link}`)).json()) as { entries: JournalEntry[] }
  t.equal(entries.length, 1, 'the link finds the one entry')
  t.equal(entries[0].violations?.length, 2)
  const good = await fetch(`${proxy.url}/v1/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"item":"tea"}' })
  await good.text()
  t.equal(good.headers.get('doorman-violations'), null, 'none on a conforming answer')
})
