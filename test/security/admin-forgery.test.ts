/**
 * Row 1 of issue 13: a page on any site can make the user's browser POST to
 * the admin API with `Content-Type: text/plain` (a CORS "simple request": no
 * preflight). Every state-changing admin route must refuse it, whatever the
 * admin.token setting, and change nothing; the mock's own clients (a test
 * suite, curl) keep working.
 */
import t, { type Test } from 'tap'
import { codes, type DoormanServer } from '../../src/index.js'
import { startMock } from '../helpers.js'
import { send } from './hostile.js'

const ADMIN_TOKEN = 'adm-Hq83kd02'
// The plan a hostile page would add: the mock would then serve its HTML from the mock's own origin.
const HTML_PLAN = JSON.stringify({ kind: 'status', status: 200, headers: { 'content-type': 'text/html' }, body: '<script>alert(document.domain)</script>' })

const STATE_CHANGING: Array<{ method: string; path: string; body?: string }> = [
  { method: 'POST', path: '/__doorman/faults', body: HTML_PLAN },
  { method: 'DELETE', path: '/__doorman/faults' },
  { method: 'DELETE', path: '/__doorman/faults/keep' },
  { method: 'DELETE', path: '/__doorman/journal' },
  { method: 'POST', path: '/__doorman/reset', body: '' },
  { method: 'POST', path: '/__doorman/tokens', body: '{"sub":"mallory","scope":"orders:write"}' },
]

/** A plan and a journal entry that a forged request would remove; the test checks they are still there. */
async function seed(mock: DoormanServer, auth: Record<string, string>): Promise<void> {
  mock.faults.add({ id: 'keep', operation: 'getOrder', kind: 'status', status: 503 })
  await fetch(`${mock.url}/health`, { headers: auth }).then((res) => res.arrayBuffer())
  await mock.journal.waitFor({ count: 1 })
}

async function unchanged(t: Test, mock: DoormanServer, what: string): Promise<void> {
  t.same(
    mock.faults.list().map((p) => p.id),
    ['keep'],
    `${what}: the plans are as they were`,
  )
  t.equal(mock.journal.size, 1, `${what}: the journal is as it was`)
}

for (const withToken of [false, true]) {
  t.test(`a cross-site simple request to each state-changing admin route is refused${withToken ? ' (admin.token set, and even sent)' : ''}`, async (t) => {
    const mock = await startMock(t, withToken ? { config: { admin: { token: ADMIN_TOKEN } } } : {})
    const auth: Record<string, string> = withToken ? { 'x-doorman-admin-token': ADMIN_TOKEN } : {}
    await seed(mock, {})
    const forgeries: Array<[string, Record<string, string>, string]> = [
      // What fetch(url, { method: 'POST', mode: 'no-cors', body }) on https://evil.example sends.
      ['Origin of another site', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' }, codes.ADMIN_CROSS_SITE],
      // An opaque origin: a sandboxed iframe, or the fault-plan page itself once it is sandboxed.
      ['Origin: null', { origin: 'null' }, codes.ADMIN_CROSS_SITE],
      ['Sec-Fetch-Site: cross-site without Origin', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' }, codes.ADMIN_CROSS_SITE],
      // A page on another port of this machine (another dev server) is another origin too.
      ['a page of another port of localhost', { origin: 'http://localhost:3000', 'sec-fetch-site': 'same-site' }, codes.ADMIN_CROSS_SITE],
    ]
    for (const { method, path, body } of STATE_CHANGING) {
      for (const [what, headers, code] of forgeries) {
        const res = await send(mock.url, { method, path, headers: { ...auth, ...headers, 'content-type': 'text/plain;charset=UTF-8' }, body })
        t.equal(res.status, 403, `${method} ${path}, ${what}: 403`)
        t.equal(res.json?.code, code)
        t.match(res.headers['content-type'], /^application\/problem\+json/)
        t.equal(res.headers['x-content-type-options'], 'nosniff')
        t.notOk(res.headers['access-control-allow-origin'], 'no CORS grant on the admin API')
      }
      // A browser that sends no Origin (an old one): the text/plain body alone gives it away.
      const bare = await send(mock.url, { method, path, headers: { ...auth, 'content-type': 'text/plain' }, body })
      t.equal(bare.status, 415, `${method} ${path} with a text/plain body and no Origin: 415`)
      t.equal(bare.json?.code, codes.ADMIN_CONTENT_TYPE_UNSUPPORTED)
      t.match(bare.json?.detail, /application\/json/)
    }
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await send(mock.url, { method: 'POST', path: '/__doorman/faults', headers: { ...auth, 'content-type': type }, body: HTML_PLAN })
      t.equal(res.status, 415, `a ${type.split(';')[0]} body (a form on a page): 415`)
    }
    const untyped = await send(mock.url, { method: 'POST', path: '/__doorman/faults', headers: auth, body: HTML_PLAN })
    t.equal(untyped.status, 415, 'a body with no Content-Type (fetch with a Blob body): 415')
    await unchanged(t, mock, 'after every forgery')
    t.equal((await fetch(`${mock.url}/orders/o-1`)).headers.get('content-type')?.startsWith('text/html'), false, 'and the mock serves no HTML page')
  })
}

t.test("the mock's own clients keep working", async (t) => {
  const mock = await startMock(t)
  const json = { 'content-type': 'application/json' }
  const plan = await send(mock.url, { method: 'POST', path: '/__doorman/faults', headers: json, body: '{"id":"a","kind":"hang"}' })
  t.equal(plan.status, 201, 'curl with -H content-type: application/json: 201')
  const sameOrigin = await send(mock.url, {
    method: 'POST',
    path: '/__doorman/faults',
    headers: { ...json, origin: mock.url, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' },
    body: '{"id":"b","kind":"hang"}',
  })
  t.equal(sameOrigin.status, 201, 'a page served by the mock itself (same origin): 201')
  const charset = await send(mock.url, {
    method: 'POST',
    path: '/__doorman/faults',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: '{"id":"c","kind":"hang"}',
  })
  t.equal(charset.status, 201, 'application/json with a charset: 201')
  const reset = await send(mock.url, { method: 'POST', path: '/__doorman/reset' })
  t.ok(reset.status < 300, `POST /__doorman/reset with no body and no Content-Type (curl -X POST, requests.post): ${reset.status}`)
  const token = await send(mock.url, { method: 'POST', path: '/__doorman/tokens', headers: { 'content-type': 'application/problem+json' }, body: '{}' })
  t.equal(token.status, 200, 'a +json media type counts as JSON')
  const del = await send(mock.url, { method: 'DELETE', path: '/__doorman/journal' })
  t.equal(del.status, 204, 'DELETE without a body: 204')
  // A person who follows a link to the journal from another site sees it; the page that linked cannot read it.
  const navigation = await send(mock.url, {
    path: '/__doorman/health',
    headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
  })
  t.equal(navigation.status, 200, 'a top-level navigation from another site to a GET: 200')
  const read = await send(mock.url, {
    path: '/__doorman/journal',
    headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' },
  })
  t.equal(read.status, 403, 'a cross-site fetch of the journal: 403 (and no CORS grant either)')
  t.equal(read.json?.code, codes.ADMIN_CROSS_SITE)
})

t.test('everything the admin API writes says nosniff', async (t) => {
  const mock = await startMock(t)
  for (const path of [
    '/__doorman/health',
    '/__doorman/journal',
    '/__doorman/journal.har',
    '/__doorman/faults',
    '/__doorman/report',
    '/__doorman/problems',
    '/__doorman/problems/BODY_INVALID',
  ]) {
    const res = await fetch(`${mock.url}${path}`)
    await res.arrayBuffer()
    t.equal(res.headers.get('x-content-type-options'), 'nosniff', `GET ${path}`)
  }
  const problem = await fetch(`${mock.url}/nope`)
  await problem.arrayBuffer()
  t.equal(problem.headers.get('x-content-type-options'), 'nosniff', 'a problem from the mock API too')
})
