/** The report finds a client's effective timeout from when it closed a hung connection. */
import t from 'tap'
import { startMock } from '../helpers.js'

t.test('a client with a 2 s timeout against hang is reported as giving up after ~2 s', async (t) => {
  const mock = await startMock(t)
  mock.faults.add({ operation: 'getOrder', kind: 'hang' })
  const failure = await fetch(`${mock.url}/orders/o-1001`, { signal: AbortSignal.timeout(2000) }).then(
    () => undefined,
    (error: Error) => error,
  )
  t.equal(failure?.name, 'TimeoutError', 'the client’s own timeout fired')
  const [entry] = await mock.journal.waitFor({ operation: 'getOrder' })
  t.equal(entry!.status, 0)
  t.equal(entry!.fault?.kind, 'hang')

  const op = mock.report().operations[0]!
  t.equal(op.timeout.verdict, 'gave-up')
  t.ok(op.timeout.effectiveMs! >= 1800 && op.timeout.effectiveMs! <= 2300, `effective timeout ~2000 ms (${op.timeout.effectiveMs})`)
  t.match(op.attempts[0], { status: 0, failed: true, outcome: /^hang; the client gave up after \d+ ms$/ })
  const text = await (await fetch(`${mock.url}/__doorman/report`, { headers: { accept: 'text/plain' } })).text()
  t.match(text, /gave up on a hung request after about (1\.9|2\.0|2\.1) s/)
})
