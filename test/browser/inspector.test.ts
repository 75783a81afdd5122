// The inspector page in a real browser: rows appear live, one opens by keyboard, its curl command runs with the
// same answer, a fault plan comes from the form, and a retrying client's attempts show on the report's timeline.
import { mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { codes } from '../../src/index.js'
import { ROOT, run, startMock } from '../helpers.js'
import { launchChromium } from './chromium.js'

/** `UPDATE_SCREENSHOTS=1` writes the README's picture; otherwise it goes to a temporary folder (it shows times and ports). */
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? path.join(ROOT, 'docs', 'img') : path.join(os.tmpdir(), 'doorman-screenshots')

t.test('the inspector', async (t) => {
  const browser = await launchChromium(t)
  if (!browser) return
  const mock = await startMock(t)
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 } })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: mock.url })
  const page = await context.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', (error) => pageErrors.push(error.message))
  await page.goto(`${mock.url}/__doorman/`)
  await page.waitForSelector('#live[data-state="live"]')
  const rows = page.locator('#requests tbody tr')
  const token = mock.tokens.sign({ sub: 'alice', scope: 'orders:write' })

  t.test('requests appear live, newest first, with their status in words', async (t) => {
    await fetch(`${mock.url}/health`).then((res) => res.text())
    await fetch(`${mock.url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"great"}' }).then((res) => res.text())
    await fetch(`${mock.url}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"customerId":1,"items":[]}',
    }).then((res) => res.text())
    await page.waitForFunction(() => document.querySelectorAll('#requests tbody tr').length === 3)
    t.same(await rows.locator('td:nth-child(2)').allTextContents(), ['POST', 'POST', 'GET'])
    t.same(await rows.locator('.status').allTextContents(), ['422 client error', '415 client error', '200 success'], 'a colour and a label')
    t.match(await rows.nth(1).textContent(), /CONTENT_TYPE_UNSUPPORTED/)
    t.equal(await page.textContent('#count'), '3')
  })

  t.test('the keyboard opens a request and closes it again', async (t) => {
    await rows.first().focus()
    await page.keyboard.press('ArrowDown')
    t.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-id')), await rows.nth(1).getAttribute('data-id'))
    await page.keyboard.press('Enter')
    const detail = page.locator('#detail')
    await detail.locator('pre.curl').waitFor()
    t.match(await detail.textContent(), /Decided bycontent-type: the media type/)
    t.match(await detail.locator('[data-field="why"]').textContent(), /POST \/feedback accepts text\/plain, but the request says 'application\/json'/)
    await page.keyboard.press('Escape')
    t.equal(await detail.isHidden(), true)
    t.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-id')), await rows.nth(1).getAttribute('data-id'), 'focus goes back to the row')
  })

  t.test('a refused request: its reason, its curl command (run: same answer), its HAR', async (t) => {
    await rows.nth(1).click()
    const detail = page.locator('#detail')
    await detail.locator('#copy-curl').click()
    await detail.getByText('curl command copied').waitFor()
    const curl = await page.evaluate(() => navigator.clipboard.readText())
    t.equal(curl, await detail.locator('pre.curl').textContent(), 'what the page shows is what is copied')
    mkdirSync(SHOTS, { recursive: true })
    await page.screenshot({ path: path.join(SHOTS, 'inspector.png') })

    const before = mock.journal.size
    const again = await run('bash', ['-c', `${curl} -s`])
    t.match(again.stdout, /^HTTP\/1\.1 415 Unsupported Media Type/)
    await page.waitForFunction((n) => document.querySelectorAll('#requests tbody tr').length === n, before + 1)
    const [original, replayed] = [mock.journal.entries()[1], mock.journal.last()!]
    t.same([replayed.status, replayed.code, replayed.path], [original.status, original.code, original.path], 'the same answer')
    t.equal(replayed.code, codes.CONTENT_TYPE_UNSUPPORTED)

    await rows.first().click()
    await detail.locator('[data-field="why"]', { hasText: 'POST /feedback accepts text/plain' }).waitFor()
    await detail.locator('#copy-har').click()
    await detail.getByText('HAR copied').waitFor()
    const har = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()))
    t.equal(har.log.entries.length, 1)
    t.equal(har.log.entries[0].response.status, 415)
  })

  t.test('a schema refusal lists its errors by JSON pointer', async (t) => {
    await rows.filter({ hasText: 'BODY_INVALID' }).click()
    const errors = page.locator('#detail table.errors tbody tr')
    await errors.first().waitFor()
    t.match(await errors.first().textContent(), /^\/customerIdbody/)
    t.match(await page.locator('#detail pre.curl').textContent(), /DOORMAN_AUTHORIZATION/, 'the redacted token is a variable to set')
    await page.keyboard.press('Escape')
  })

  t.test('filters: by status class and by code', async (t) => {
    await page.selectOption('#filters [name="status"]', '2')
    t.equal(await rows.count(), 1)
    await page.selectOption('#filters [name="status"]', '')
    await page.selectOption('#filters [name="code"]', 'CONTENT_TYPE_UNSUPPORTED')
    t.equal(await rows.count(), 2)
    await page.selectOption('#filters [name="code"]', '')
  })

  t.test('a fault plan from the form: a bad field is marked, a good plan goes in force', async (t) => {
    await page.click('#tab-faults')
    await page.locator('#plan-status').waitFor()
    await page.selectOption('#plan-operation', 'listOrders')
    await page.fill('#plan-status', '200')
    await page.click('#fault-form button[type="submit"]')
    await page.locator('#plan-status[aria-invalid="true"]').waitFor()
    t.match(await page.textContent('#fault-result'), /\/status: must be >= 400/, "the API's own message")
    t.same(mock.faults.list(), [])

    await page.fill('#plan-status', '503')
    await page.fill('#plan-retryAfter', '1')
    await page.fill('#plan-times', '2')
    await page.click('#fault-form button[type="submit"]')
    await page.locator('#plans tr[data-plan="f1"]').waitFor()
    t.match(await page.textContent('#plans'), /status 503 with Retry-After 1 on listOrders, 2 times/)
    await page.screenshot({ path: path.join(SHOTS, 'faults.png') })
    t.same(
      mock.faults.list().map((p) => p.plan),
      [{ kind: 'status', operation: 'listOrders', status: 503, retryAfter: 1, times: 2, id: 'f1' }],
    )
  })

  t.test('the report: a retrying client on a timeline', async (t) => {
    // A client that honours Retry-After: 503, wait 1 s, 503, wait 1 s, 200.
    for (let attempt = 0; attempt < 4; attempt++) {
      const res = await fetch(`${mock.url}/orders`, { headers: { authorization: `Bearer ${token}` } })
      await res.text()
      if (res.status !== 503) break
      await new Promise((resolve) => setTimeout(resolve, Number(res.headers.get('retry-after')) * 1000))
    }
    await page.click('#tab-report')
    const op = page.locator('section.report-op[data-operation="listOrders"]')
    await op.waitFor()
    t.equal(await op.locator('svg.timeline rect').count(), 3, 'three attempts')
    t.equal(await op.locator('svg.timeline line.retry-after').count(), 2, 'two Retry-After marks')
    t.match(await op.locator('.verdicts').textContent(), /honoured Retry-After twice/, (await op.locator('.verdicts').textContent()) ?? '')
    t.match(await op.locator('svg.timeline').getAttribute('aria-label'), /^3 attempts over/)
    await op.screenshot({ path: path.join(SHOTS, 'report.png') })
  })

  t.test('controls: clear the journal, reset the mock', async (t) => {
    await page.click('#tab-requests')
    await page.click('#clear-journal')
    await page.waitForFunction(() => document.querySelectorAll('#requests tbody tr').length === 0)
    t.equal(mock.journal.size, 0)
    await page.click('#reset-mock')
    await page.waitForFunction(() => document.querySelector('#fault-list')?.textContent?.startsWith('None.'))
    t.same(mock.faults.list(), [], 'the run-time plan is gone')
  })
  t.test('the page threw nothing', async (t) => {
    t.same(pageErrors, [])
  })
})
