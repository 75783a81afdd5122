/**
 * Faults in front of a real API: plans are decided before forwarding (a
 * faulted request never reaches the upstream), a delay holds back the
 * upstream's own answer, and "fail N times, then pass through" is the retry
 * test against a staging API.
 */
import t from 'tap'
import { fixture, startMock } from '../helpers.js'
import { startUpstream } from './upstream.js'

const SPEC = fixture('specs', 'proxied.yaml')

t.test('fail twice, then pass through to the upstream', async (t) => {
  const upstream = await startUpstream(t)
  const mock = await startMock(t, { spec: SPEC, upstream: `${upstream.url}/api` })
  mock.faults.add({ operation: 'getOrder', kind: 'status', status: 503, retryAfter: 1, times: 2 })
  const statuses: number[] = []
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${mock.url}/v1/orders/5`)
    statuses.push(res.status)
    if (i < 2) t.equal(res.headers.get('retry-after'), '1')
    await res.text()
  }
  t.same(statuses, [503, 503, 200], 'two faults, then the real answer')
  t.equal(upstream.seen.length, 1, 'the faulted attempts never reached the upstream')
  const entries = await mock.journal.waitFor({ operation: 'getOrder', count: 3 })
  t.same(
    entries.map((e) => [e.step, e.proxy?.forwarded ?? false]),
    [
      ['fault', false],
      ['fault', false],
      ['respond', true],
    ],
  )
  const op = mock.report().operations.find((o) => o.operation === 'getOrder')
  t.equal(op?.retries, 2, "the client report judges the client's retries as in serve")
})

t.test('a delay plan holds back the upstream answer', async (t) => {
  const upstream = await startUpstream(t)
  const mock = await startMock(t, { spec: SPEC, upstream: `${upstream.url}/api` })
  mock.faults.add({ operation: 'getOrder', kind: 'delay', ms: 400 })
  const started = performance.now()
  const res = await fetch(`${mock.url}/v1/orders/5`)
  t.same(await res.json(), { id: 5, item: 'tea', token: 'abc' }, "the upstream's answer")
  t.ok(performance.now() - started >= 390, 'after the delay')
  t.equal(upstream.seen.length, 1)
  const [entry] = await mock.journal.waitFor({ operation: 'getOrder', count: 1 })
  t.match(entry, { fault: { kind: 'delay', delayMs: 400 }, proxy: { forwarded: true } })
})

t.test('Prefer and socket faults: answered by doorman, never forwarded', async (t) => {
  const upstream = await startUpstream(t)
  const mock = await startMock(t, { spec: SPEC, upstream: `${upstream.url}/api` })
  const preferred = await fetch(`${mock.url}/v1/orders/5`, { headers: { prefer: 'code=429' } })
  t.equal(preferred.status, 429)
  await preferred.text()
  mock.faults.add({ operation: 'getOrder', kind: 'reset', times: 1 })
  await t.rejects(fetch(`${mock.url}/v1/orders/5`), 'reset: the connection dies')
  const after = await fetch(`${mock.url}/v1/orders/5`)
  t.equal(after.status, 200, 'then the real answer')
  await after.text()
  t.equal(upstream.seen.length, 1, 'only the last one was forwarded')
})
