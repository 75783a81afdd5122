/**
 * Row 5 of issue 13: `hang`/`drip` under many clients. Held requests are
 * capped by limits.heldRequests (default 256: past it a 503 with
 * Retry-After, at once), open connections by limits.connections (past it
 * the connection is closed as it arrives), and POST /__doorman/reset ends
 * the held ones, says how many, and the journal records them as ended by it.
 */
import http from 'node:http'
import t from 'tap'
import { codes } from '../../src/index.js'
import { startMock } from '../helpers.js'

interface Outcome {
  status?: number
  retryAfter?: string
  code?: string
  error?: string
}

/** One GET on its own connection: resolves with the answer, or with the error once the connection dies. */
function get(url: string, requests?: http.ClientRequest[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => {
        let code: string | undefined
        try {
          code = (JSON.parse(text) as { code?: string }).code
        } catch {
          code = undefined
        }
        resolve({ status: res.statusCode, retryAfter: res.headers['retry-after'], code })
      })
      res.on('error', (error) => resolve({ error: error.message }))
    })
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }))
    requests?.push(request)
  })
}

/** Resolves with the first `n` outcomes to settle, in the order they did. */
function firstSettled(outcomes: Array<Promise<Outcome>>, n: number): Promise<Outcome[]> {
  const settled: Outcome[] = []
  return new Promise((resolve) => {
    for (const outcome of outcomes) {
      void outcome.then((o) => {
        settled.push(o)
        if (settled.length === n) resolve([...settled])
      })
    }
  })
}

/**
 * Asks health until the mock holds `n` requests (each ask a round trip to the mock, no timer). A connection
 * refused at limits.connections is asked again: the server notices a client that left a moment later.
 */
async function heldReaches(url: string, n: number): Promise<number> {
  for (;;) {
    const health = (await fetch(`${url}/__doorman/health`)
      .then((res) => res.json())
      .catch(() => ({ heldRequests: -1 }))) as { heldRequests: number }
    if (health.heldRequests >= n) return health.heldRequests
  }
}

t.test('a thousand clients on a hang fault: 256 held, the rest refused at once, health answering, reset ends the held ones', async (t) => {
  const mock = await startMock(t)
  mock.faults.add({ id: 'stuck', operation: 'getOrder', kind: 'hang' })
  const outcomes: Array<Promise<Outcome>> = []
  for (let i = 0; i < 1000; i++) outcomes.push(get(`${mock.url}/orders/o-${i}`))
  // The refused ones answer without waiting for the held ones.
  const settled = await firstSettled(outcomes, 744)
  t.equal(await heldReaches(mock.url, 256), 256, 'health says 256 are held')
  const refused = settled.filter((o) => o.status === 503)
  t.equal(refused.length, 744, '744 answered 503')
  t.ok(
    refused.every((o) => o.code === codes.HELD_REQUESTS_LIMIT && o.retryAfter === '1'),
    'each a HELD_REQUESTS_LIMIT problem with Retry-After: 1',
  )
  const started = performance.now()
  const health = await fetch(`${mock.url}/__doorman/health`)
  t.equal(health.status, 200, 'health answers while 256 requests are held')
  await health.arrayBuffer()
  t.ok(performance.now() - started < 2000, `in ${Math.round(performance.now() - started)} ms`)

  const reset = await fetch(`${mock.url}/__doorman/reset`, { method: 'POST' })
  const answer = await reset.json()
  t.equal(reset.status, 200)
  t.equal(answer.released, 256, 'the reset says it ended 256 held requests')
  const all = await Promise.all(outcomes)
  t.equal(all.filter((o) => o.error !== undefined).length, 256, "the held requests' connections were ended")
  const ended = await mock.journal.waitFor({ count: 256 })
  t.equal(ended.filter((e) => e.fault?.endedBy === 'reset').length, 256, 'the journal records each as ended by the reset')
  t.match(ended[0].detail, /ended by POST \/__doorman\/reset/)
  t.same(mock.faults.list(), [], 'and the run-time plan is gone')
  const after = await fetch(`${mock.url}/orders/o-1`)
  t.not(after.status, 503, `the mock answers normally after the reset (${after.status})`)
  t.not((await after.json()).code, codes.HELD_REQUESTS_LIMIT)
})

t.test('limits.heldRequests counts delays and drips too, and mock.reset() releases them', async (t) => {
  const mock = await startMock(t, { config: { limits: { heldRequests: 2 } } })
  mock.faults.add({ operation: 'getOrder', kind: 'delay', ms: 60_000 })
  const held = [get(`${mock.url}/orders/o-1`), get(`${mock.url}/orders/o-2`)]
  t.equal(await heldReaches(mock.url, 2), 2, 'two delayed requests are held')
  const third = await get(`${mock.url}/orders/o-3`)
  t.match(third, { status: 503, code: codes.HELD_REQUESTS_LIMIT, retryAfter: '1' }, 'a third is refused at once')
  t.same(mock.reset(), { released: 2 }, 'mock.reset() says it released two')
  for (const outcome of await Promise.all(held)) t.ok(outcome.error !== undefined, `held request ended (${outcome.error})`)
})

t.test('limits.connections: connections past it are closed as they arrive', async (t) => {
  const mock = await startMock(t, { config: { limits: { connections: 20 } } })
  mock.faults.add({ operation: 'getOrder', kind: 'hang' })
  const requests: http.ClientRequest[] = []
  const outcomes = Array.from({ length: 30 }, (_, i) => get(`${mock.url}/orders/o-${i}`, requests))
  const closed = await firstSettled(outcomes, 10)
  t.ok(
    closed.every((o) => o.error !== undefined),
    `the 10 connections past limits.connections were closed as they arrived (${[...new Set(closed.map((o) => o.error))].join(', ')})`,
  )
  // The admin API shares the limit: one client leaves, and health gets its place.
  const leaving = requests.find((request) => !request.destroyed)
  leaving?.destroy()
  t.equal(await heldReaches(mock.url, 19), 19, 'the 19 left under the limit are held')
  t.same(mock.reset(), { released: 19 }, 'and the reset releases them')
  await Promise.all(outcomes)
})
