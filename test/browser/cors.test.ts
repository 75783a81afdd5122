// CORS in a real browser: a page on another origin (a second local port) calls the mock with fetch().
import t from 'tap'
import type { Page } from 'playwright-core'
import { codes } from '../../src/index.js'
import { startMock } from '../helpers.js'
import { launchChromium, pageServer } from './chromium.js'

/** What a page's fetch() saw: the status and the headers a script may read, or the TypeError a blocked request is. */
interface Seen {
  ok: boolean
  status?: number
  headers?: Record<string, string>
  body?: string
  error?: string
}

function pageFetch(page: Page, url: string, init: RequestInit & { readHeaders?: string[] } = {}): Promise<Seen> {
  return page.evaluate(
    async ({ url, init }) => {
      try {
        const res = await fetch(url, init)
        const headers: Record<string, string> = {}
        // A script sees only the CORS-safelisted headers and those exposed: read what the test asks for.
        for (const name of init.readHeaders ?? []) {
          const value = res.headers.get(name)
          if (value !== null) headers[name] = value
        }
        return { ok: true, status: res.status, headers, body: await res.text() }
      } catch (error) {
        return { ok: false, error: String(error) }
      }
    },
    { url, init: init },
  )
}

// One browser for the file (a launch takes a second or two); none, and every test here is skipped with the reason.
const browser = await launchChromium(t)

t.test('a page on another origin uses the mock, and reads its refusals', { skip: !browser }, async (t) => {
  if (!browser) return
  const mock = await startMock(t)
  const origin = await pageServer(t, '<!doctype html><title>app</title><p>the app under test</p>')
  const page = await browser.newPage()
  await page.goto(origin)
  t.equal(await page.evaluate(() => location.origin), origin)

  t.test('a simple GET, without and with credentials', async (t) => {
    const plain = await pageFetch(page, `${mock.url}/health`)
    t.same([plain.ok, plain.status, plain.body], [true, 200, '{"status":"ok"}'])
    const credentialed = await pageFetch(page, `${mock.url}/health`, { credentials: 'include' })
    t.same([credentialed.ok, credentialed.status], [true, 200], 'Access-Control-Allow-Origin echoes the origin (never *) with Allow-Credentials')
  })

  t.test('a 401 challenge and a 503 Retry-After are readable', async (t) => {
    const refused = await pageFetch(page, `${mock.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      readHeaders: ['www-authenticate'],
    })
    t.equal(refused.status, 401)
    t.equal(refused.headers!['www-authenticate'], 'Bearer realm="Orders API"')
    t.equal(JSON.parse(refused.body!).code, codes.AUTH_MISSING, 'and the problem body')

    mock.faults.add({ operation: 'getHealth', kind: 'status', status: 503, retryAfter: 7, times: 1 })
    const unavailable = await pageFetch(page, `${mock.url}/health`, { readHeaders: ['retry-after'] })
    t.equal(unavailable.status, 503)
    t.equal(unavailable.headers!['retry-after'], '7')
  })

  t.test('a PUT with Authorization and a JSON body: the browser asks first, then sends it', async (t) => {
    const token = mock.tokens.sign({ sub: 'alice', scope: 'orders:write' })
    const body = JSON.stringify({ customerId: 'c-123', items: [{ sku: 'ABC-1234', qty: 1 }] })
    const put = await pageFetch(page, `${mock.url}/orders/o-1001`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
      readHeaders: ['content-type'],
    })
    t.equal(put.status, 200, put.body ?? '')
    const [preflight] = mock.journal.entries({ method: 'OPTIONS', path: '/orders/o-1001' })
    t.same(
      preflight?.cors?.preflight,
      { method: 'PUT', headers: ['authorization', 'content-type'], operation: 'replaceOrder' },
      'the preflight the browser sent',
    )
    t.equal(preflight?.status, 204)
    t.equal(mock.journal.last({ method: 'PUT' })?.operation, 'replaceOrder', 'then the PUT itself')
  })

  t.test('a method the path does not document is blocked by the browser', async (t) => {
    const before = mock.journal.size
    const blocked = await pageFetch(page, `${mock.url}/health`, { method: 'DELETE' })
    t.equal(blocked.ok, false)
    t.match(blocked.error, /TypeError: Failed to fetch/)
    const entries = mock.journal.entries().slice(before - mock.journal.size)
    t.same(
      entries.map((e) => [e.method, e.status, e.code]),
      [['OPTIONS', 403, codes.CORS_PREFLIGHT_REFUSED]],
      'only the refused preflight came: never the DELETE',
    )
  })
})

t.test('credentials: false lets plain requests through and blocks credentialed ones', { skip: !browser }, async (t) => {
  if (!browser) return
  const mock = await startMock(t, { config: { cors: { credentials: false } } })
  const page = await browser.newPage()
  await page.goto(await pageServer(t, '<!doctype html><title>app</title>'))
  t.equal((await pageFetch(page, `${mock.url}/health`)).status, 200)
  const credentialed = await pageFetch(page, `${mock.url}/health`, { credentials: 'include' })
  t.equal(credentialed.ok, false, 'no Access-Control-Allow-Credentials: the browser keeps the answer from the page')
})

t.test("a page on another origin cannot drive the admin API with no-cors requests (issue 13's check)", { skip: !browser }, async (t) => {
  if (!browser) return
  const mock = await startMock(t)
  await fetch(`${mock.url}/health`).then((res) => res.text())
  const page = await browser.newPage()
  await page.goto(await pageServer(t, '<!doctype html><title>elsewhere</title>'))
  // "Simple" requests: no preflight, and the page cannot read the answer; what matters is whether the mock acts on them.
  const post = (path: string, body: string) =>
    page.evaluate(
      ({ url, body }) =>
        fetch(url, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body }).then(
          () => 'sent',
          (error) => String(error),
        ),
      { url: `${mock.url}${path}`, body },
    )
  const plan = { operation: 'getHealth', kind: 'status', status: 418, body: '<script>alert(1)</script>', headers: { 'content-type': 'text/html' } }
  await post('/__doorman/faults', JSON.stringify(plan))
  t.same(mock.faults.list(), [], 'no fault plan was added')
  await post('/__doorman/reset', '')
  t.equal(mock.journal.size, 1, 'the journal was not reset')
  await post('/__doorman/tokens', '{"sub":"mallory"}')
  const health = await fetch(`${mock.url}/health`)
  t.same([health.status, health.headers.get('content-type')], [200, 'application/json; charset=utf-8'], 'the mock answers as before')
})
