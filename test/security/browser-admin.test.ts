/**
 * Row 1 of issue 13 in a real browser (Debian's Chromium, as test/browser/
 * drives it): a page on another origin sends `fetch(…, { mode: 'no-cors',
 * method: 'POST' })` to each state-changing admin route, the requests a
 * CORS "simple request" lets through without a preflight, with every body
 * type a page can send that way. None changes anything.
 */
import t from 'tap'
import { startMock } from '../helpers.js'
import { launchChromium, pageServer } from '../browser/chromium.js'

const browser = await launchChromium(t)

t.test('a page on another origin cannot drive the admin API with no-cors POSTs', { skip: !browser }, async (t) => {
  if (!browser) return
  const mock = await startMock(t)
  mock.faults.add({ id: 'keep', operation: 'getOrder', kind: 'status', status: 503 })
  await fetch(`${mock.url}/health`).then((res) => res.text())
  await mock.journal.waitFor({ count: 1 })
  const page = await browser.newPage()
  await page.goto(await pageServer(t, '<!doctype html><title>elsewhere</title>'))
  const plan = JSON.stringify({ kind: 'status', status: 200, headers: { 'content-type': 'text/html' }, body: '<script>alert(document.domain)</script>' })
  const sent = await page.evaluate(
    async ({ base, plan }) => {
      const bodies: Array<[string, () => BodyInit]> = [
        ['text/plain', () => plan],
        ['a form', () => new URLSearchParams({ plan })],
        [
          'multipart',
          () => {
            const form = new FormData()
            form.append('plan', plan)
            return form
          },
        ],
        ['a Blob without a type', () => new Blob([plan])],
      ]
      const outcomes: string[] = []
      for (const path of ['/__doorman/faults', '/__doorman/reset', '/__doorman/tokens']) {
        for (const [what, body] of bodies) {
          const outcome = await fetch(`${base}${path}`, { method: 'POST', mode: 'no-cors', body: body() }).then(
            (res) => `${res.type}`,
            (error: unknown) => String(error),
          )
          outcomes.push(`${path} ${what}: ${outcome}`)
        }
      }
      return outcomes
    },
    { base: mock.url, plan },
  )
  t.equal(sent.length, 12, 'twelve forged requests were sent')
  t.ok(
    sent.every((line) => line.endsWith('opaque')),
    'each got an opaque answer: the page learns nothing',
  )
  t.same(
    mock.faults.list().map((p) => p.id),
    ['keep'],
    'no plan was added, none removed (no reset)',
  )
  t.equal(mock.journal.size, 1, 'the journal was not reset')
  const order = await fetch(`${mock.url}/orders/o-1`)
  t.equal(order.status, 503, 'the mock answers as its own plans say')
  t.not(order.headers.get('content-type'), 'text/html', 'and serves no page of the attacker')
  await order.arrayBuffer()
})
