/** The report finds a client's effective timeout from when it closed a hung connection. */
import t from 'tap'
import { startMock } from '../helpers.js'

t.test('a client with a 2 s timeout against hang is reported as giving up after ~2 s', async (t) => {
  const mock = await startMock(t)
  mock.faults.add({ operation: 'getOrder', kind: 'hang' })
  const sentAt = Date.now()
  const failure = await fetch(`${mock.url}/orders/o-1001`, { signal: AbortSignal.timeout(2000) }).then(
    () => undefined,
    (error: Error) => error,
  )
  t.equal(failure?.name, 'TimeoutError', 'the client’s own timeout fired')
  const [entry] = await mock.journal.waitFor({ operation: 'getOrder' })
  t.equal(entry.status, 0)
  t.equal(entry.fault?.kind, 'hang')

  const op = mock.report().operations[0]
  t.equal(op.timeout.verdict, 'gave-up')
  // The client's clock starts before the request reaches the mock: on a loaded machine the connection and the
  // request take a while, and the mock can only count from the request's arrival.
  const lagMs = Date.parse(entry.time) - sentAt
  t.ok(
    op.timeout.effectiveMs! >= 1800 - lagMs && op.timeout.effectiveMs! <= 2300,
    `effective timeout ~2000 ms (${op.timeout.effectiveMs}; the request took ${lagMs} ms to arrive)`,
  )
  t.match(op.attempts[0], { status: 0, failed: true, outcome: /^hang; the client gave up after \d+ ms$/ })
  const text = await (await fetch(`${mock.url}/__doorman/report`, { headers: { accept: 'text/plain' } })).text()
  const said = /gave up on a hung request after about (\d+\.\d) s/.exec(text)
  t.ok(said, 'the text report says when the client gave up')
  t.ok(Math.abs(Number(said?.[1]) * 1000 - op.timeout.effectiveMs!) <= 50, `and says the effective timeout (${said?.[1]} s)`)
})
