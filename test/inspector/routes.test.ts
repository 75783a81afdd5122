// The inspector's routes: the page and its files, one journal entry with its curl command and HAR, the admin guard.
import t from 'tap'
import { curlForEntry } from '../../src/admin/entry-curl.js'
import type { JournalEntry } from '../../src/index.js'
import { fetchJson, run, startMock } from '../helpers.js'

t.test('the page and its files: shipped, same-origin only, nothing else from the disk', async (t) => {
  const mock = await startMock(t)
  const page = await fetch(`${mock.url}/__doorman/`)
  t.equal(page.status, 200)
  t.match(page.headers.get('content-type'), /^text\/html/)
  t.match(page.headers.get('content-security-policy'), /default-src 'none'; script-src 'self'/)
  t.match(page.headers.get('content-security-policy'), /frame-ancestors 'none'/)
  const html = await page.text()
  t.match(html, /<script type="module" src="assets\/inspector.js">/)
  t.notMatch(html, /https?:\/\//, 'no CDN: nothing loads from another origin')

  for (const file of ['inspector.js', 'dom.js', 'detail.js', 'report.js', 'faults.js', 'inspector.css']) {
    const res = await fetch(`${mock.url}/__doorman/assets/${file}`)
    t.equal(res.status, 200, file)
    t.notMatch(await res.text(), /https?:\/\/(?!www\.w3\.org)/, `${file} loads nothing from elsewhere`)
  }
  const missing = await fetchJson(`${mock.url}/__doorman/assets/nothing.js`)
  t.equal(missing.status, 404)
  t.match(missing.body.detail, /The inspector has no file 'nothing.js'/)
  for (const sneaky of ['..%2Fpackage.json', '%2E%2E%2Fsrc%2Findex.ts', 'index.html']) {
    t.equal((await fetch(`${mock.url}/__doorman/assets/${sneaky}`)).status, 404, sneaky)
  }
  const redirect = await fetch(`${mock.url}/__doorman`, { redirect: 'manual' })
  t.equal(redirect.status, 302)
  t.equal(redirect.headers.get('location'), '/__doorman/')
  t.equal(mock.journal.size, 0, 'the page and its files are not journaled')
})

t.test('inspector.json: the operations and the fault plan schema the form is built from', async (t) => {
  const mock = await startMock(t)
  const meta = await fetchJson(`${mock.url}/__doorman/inspector.json`)
  t.equal(meta.body.title, 'Orders API')
  t.ok(meta.body.operations.some((op: { id: string; label: string }) => op.id === 'createOrder' && op.label === 'POST /orders'))
  const { FAULT_PLAN_SCHEMA } = await import('../../src/index.js')
  t.same(meta.body.faultPlanSchema, JSON.parse(JSON.stringify(FAULT_PLAN_SCHEMA)), 'the very schema POST /__doorman/faults validates with')
})

t.test('one entry, its curl command (which reproduces it) and its HAR', async (t) => {
  const mock = await startMock(t)
  await fetch(`${mock.url}/feedback?via=test`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-trace': "it's" },
    body: '{"text":"great"}',
  }).then((r) => r.text())
  const [entry] = await mock.journal.waitFor({ path: '/feedback' })
  const found = await fetchJson(`${mock.url}/__doorman/journal/${entry.requestId}`)
  t.equal(found.status, 200)
  t.equal(found.body.entry.code, 'CONTENT_TYPE_UNSUPPORTED')
  t.equal(found.body.har.log.entries.length, 1)
  t.equal(found.body.har.log.entries[0].request.url, `${mock.url}/feedback?via=test`)
  const curl: string = found.body.curl
  t.match(curl, /^# The mock refused this request before reading its body, so the journal has none: 16 zero bytes stand in for it\.\n/)
  t.match(curl, /\nhead -c 16 \/dev\/zero \| curl -i 'http:\/\/127\.0\.0\.1:\d+\/feedback\?via=test' \\\n/)
  t.match(curl, /-H 'X-Trace: it'\\''s'/, 'quoted for the shell')
  t.notMatch(curl, /-H 'Host:|Content-Length|Connection:/i, 'curl sets those itself')

  const again = await run('bash', ['-c', `${curl} -s`])
  t.match(again.stdout, /^HTTP\/1\.1 415 Unsupported Media Type/)
  t.match(again.stdout, /"code":"CONTENT_TYPE_UNSUPPORTED"/)
  const replayed = mock.journal.last()!
  t.equal(replayed.status, entry.status)
  t.equal(replayed.code, entry.code)
  t.equal(replayed.headers['content-length'], '16', 'a body of the same size')
  t.equal(replayed.query, entry.query)

  const none = await fetchJson(`${mock.url}/__doorman/journal/r-999999`)
  t.equal(none.status, 404)
  t.match(none.body.detail, /The journal has no request 'r-999999'/)
})

t.test('curl commands: credentials come from variables, a cut body says so, HEAD and other methods', async (t) => {
  const base: JournalEntry = {
    requestId: 'r-1',
    time: new Date(0).toISOString(),
    method: 'PUT',
    path: '/orders/o-1',
    query: 'api_key=[redacted]',
    operation: 'replaceOrder',
    headers: { host: '127.0.0.1:4010', authorization: '[redacted]', 'content-type': 'application/json', 'sec-fetch-mode': 'cors', 'user-agent': 'x' },
    body: { text: '{"a":', bytes: 4000, truncated: true },
    status: 422,
    step: 'schema',
    code: undefined,
    detail: undefined,
    durationMs: 1,
    connection: 1,
    fault: undefined,
    responseStartMs: undefined,
    responseEndMs: undefined,
    clientGaveUpMs: undefined,
    retryAfter: undefined,
  }
  const curl = curlForEntry(base, 'http://127.0.0.1:4010')
  t.match(curl, /^# The journal keeps no credentials: set DOORMAN_AUTHORIZATION \(authorization\) first/)
  t.match(curl, /-H "Authorization: \$DOORMAN_AUTHORIZATION"/)
  t.match(curl, /put the real values in place of \[redacted\] in the query/)
  t.match(curl, /# The journal kept 5 of the body's 4000 bytes \(journal.bodyBytes\)/)
  t.match(curl, /-X PUT/)
  t.notMatch(curl, /Sec-Fetch|User-Agent/, "a browser's own headers are left out")
  t.match(curlForEntry({ ...base, method: 'HEAD', body: undefined, headers: {}, query: '' }, 'http://h'), /^curl -i 'http:\/\/h\/orders\/o-1' \\\n {2}--head$/)
  t.equal(curlForEntry({ ...base, method: 'GET', body: undefined, headers: {}, query: '' }, 'http://h'), "curl -i 'http://h/orders/o-1'")
  t.notMatch(
    curlForEntry({ ...base, method: 'POST', headers: {}, query: '', body: { text: 'x', bytes: 1, truncated: false } }, 'http://h'),
    /-X/,
    'POST is what --data-binary sends',
  )
  const overTls = curlForEntry({ ...base, method: 'GET', body: undefined, headers: {}, query: '', tls: { protocol: 'TLSv1.3' } }, 'http://127.0.0.1:4010')
  t.equal(overTls, `curl -i 'https://127.0.0.1:4010/orders/o-1' \\\n  --cacert "$(doorman tls ca)"`, "over HTTPS, with doorman's CA")
  t.match(
    curlForEntry({ ...base, method: '', path: '', headers: {}, query: '', body: undefined, tls: { alert: 'unknown ca' } }, 'http://h'),
    /^# A TLS handshake that failed \(unknown ca\): no HTTP request came/,
  )
})

t.test('the admin guard covers the inspector', async (t) => {
  const mock = await startMock(t, { config: { admin: { token: 's3cret' } } })
  for (const path of ['/__doorman/', '/__doorman/events', '/__doorman/inspector.json', '/__doorman/journal/r-000001', '/__doorman/assets/inspector.js']) {
    const res = await fetch(`${mock.url}${path}`)
    t.equal(res.status, 401, `${path} without the token`)
    await res.text()
  }
  const page = await fetch(`${mock.url}/__doorman/`, { headers: { authorization: 'Bearer s3cret' } })
  t.equal(page.status, 200, 'with it')
})
