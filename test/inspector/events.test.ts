// GET /__doorman/events: the journal as Server-Sent Events, as a script reads it.
import t from 'tap'
import { startMock } from '../helpers.js'

interface SseEvent {
  event: string
  id: string | undefined
  data: string
}

/** Reads a text/event-stream as the HTML standard parses it (event, id, data; a blank line dispatches). */
async function openStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController()
  const res = await fetch(url, { headers, signal: controller.signal })
  const events: SseEvent[] = []
  const waiters: Array<() => void> = []
  const done = (async () => {
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of res.body!) {
        buffer += decoder.decode(chunk, { stream: true })
        let end: number
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const fields: Record<string, string> = {}
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue
            const colon = line.indexOf(':')
            fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '')
          }
          if (fields.data === undefined) continue
          events.push({ event: fields.event ?? 'message', id: fields.id, data: fields.data })
          waiters.splice(0).forEach((wake) => wake())
        }
      }
    } catch {
      // aborted by the test, or ended by the server
    }
    waiters.splice(0).forEach((wake) => wake())
  })()
  const until = async (predicate: (events: SseEvent[]) => boolean) => {
    while (!predicate(events)) await new Promise<void>((resolve) => waiters.push(resolve))
    return events
  }
  return { res, events, until, close: () => controller.abort(), done }
}

const entries = (events: SseEvent[]) => events.filter((e) => e.event === 'entry').map((e) => JSON.parse(e.data))

t.test('the backlog, then each new entry, then clear', async (t) => {
  const mock = await startMock(t)
  await fetch(`${mock.url}/health`).then((r) => r.text())
  const stream = await openStream(`${mock.url}/__doorman/events`)
  t.teardown(stream.close)
  t.equal(stream.res.status, 200)
  t.match(stream.res.headers.get('content-type'), /^text\/event-stream/)
  t.equal(stream.res.headers.get('cache-control'), 'no-store')
  await stream.until((events) => entries(events).length === 1)
  t.equal(stream.events[0].id, 'r-000001', 'the id is the requestId (what Last-Event-ID resumes from)')

  await fetch(`${mock.url}/orders`, { method: 'POST' }).then((r) => r.text())
  const [, refused] = entries(await stream.until((events) => entries(events).length === 2))
  t.equal(refused.path, '/orders')
  t.equal(refused.code, 'AUTH_MISSING')
  t.same(refused, JSON.parse(JSON.stringify(mock.journal.last())), 'the entry as GET /__doorman/journal gives it')

  await fetch(`${mock.url}/__doorman/journal`, { method: 'DELETE' })
  await stream.until((events) => events.some((e) => e.event === 'clear'))
  t.pass('DELETE /__doorman/journal is a clear event')
})

t.test('the journal filters apply; Last-Event-ID resumes after that entry', async (t) => {
  const mock = await startMock(t)
  for (const path of ['/health', '/nowhere', '/health']) await fetch(`${mock.url}${path}`).then((r) => r.text())
  const filtered = await openStream(`${mock.url}/__doorman/events?code=ROUTE_NOT_FOUND`)
  t.teardown(filtered.close)
  const [only] = entries(await filtered.until((events) => entries(events).length === 1))
  t.equal(only.path, '/nowhere')

  const resumed = await openStream(`${mock.url}/__doorman/events`, { 'last-event-id': 'r-000002' })
  t.teardown(resumed.close)
  const after = entries(await resumed.until((events) => entries(events).length >= 1))
  t.same(
    after.map((e) => e.requestId),
    ['r-000003'],
    'only what came after r-000002',
  )
  t.notOk(resumed.events.some((e) => e.event === 'clear'))

  const lost = await openStream(`${mock.url}/__doorman/events`, { 'last-event-id': 'r-999999' })
  t.teardown(lost.close)
  await lost.until((events) => entries(events).length === 3)
  t.equal(lost.events[0].event, 'clear', 'an id the journal no longer has: clear, then everything')

  const bad = await fetch(`${mock.url}/__doorman/events?stauts=200`)
  t.equal(bad.status, 400, 'a filter that could match nothing is refused, as for the journal')
  t.equal((await bad.json()).code, 'ADMIN_QUERY_INVALID')
})

t.test('close() ends open streams at once', async (t) => {
  const { startServer, DEFAULT_SPEC } = { ...(await import('../../src/index.js')), ...(await import('../helpers.js')) }
  const mock = await startServer({ spec: DEFAULT_SPEC, port: 0 })
  const stream = await openStream(`${mock.url}/__doorman/events`)
  const started = performance.now()
  await mock.close()
  await stream.done
  t.ok(performance.now() - started < 1500, 'not held for the 2 s grace period')
})
