/**
 * Where fault plans come from, other than the library: the admin API, the
 * config file (and `faults.preferHeader: false`), and the CLI's errors.
 */
import t from 'tap'
import { codes } from '../../src/index.js'
import { fetchJson, fixture, runCli, startCli, startMock } from '../helpers.js'

const json = { 'content-type': 'application/json' }

t.test('admin API: GET/POST/DELETE /__doorman/faults', async (t) => {
  const mock = await startMock(t)
  const admin = `${mock.url}/__doorman/faults`

  const added = await fetchJson(admin, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ operation: 'getHealth', kind: 'status', status: 503, times: 1, id: 'flaky' }),
  })
  t.equal(added.status, 201)
  t.match(added.body.plans, [{ id: 'flaky', source: 'admin', attempts: 0, remaining: 1, explain: 'status 503 on getHealth, 1 time' }])
  t.equal((await fetchJson(`${mock.url}/health`)).status, 503)
  t.equal((await fetchJson(`${mock.url}/health`)).status, 200)

  const listed = await fetchJson(admin)
  t.equal(listed.body.preferHeader, true)
  t.match(listed.body.plans, [{ id: 'flaky', attempts: 2, applied: 1, remaining: 0 }])

  const several = await fetchJson(admin, {
    method: 'POST',
    headers: json,
    body: JSON.stringify([
      { kind: 'hang', path: '/orders/{orderId}' },
      { kind: 'reset', method: 'DELETE' },
    ]),
  })
  t.equal(several.status, 201)
  t.same(
    several.body.plans.map((p: { id: string }) => p.id),
    ['f1', 'f2'],
  )

  t.equal((await fetch(`${admin}/f1`, { method: 'DELETE' })).status, 204)
  const missing = await fetchJson(`${admin}/f1`, { method: 'DELETE' })
  t.equal(missing.status, 404)
  t.match(missing.body.detail, /No fault plan has the id 'f1'; plans in force: flaky, f2\./)

  t.equal((await fetch(admin, { method: 'DELETE' })).status, 204)
  t.same((await fetchJson(admin)).body.plans, [])
})

t.test('admin API: a bad plan is a 400 problem naming the field', async (t) => {
  const mock = await startMock(t)
  const post = (body: string) => fetchJson(`${mock.url}/__doorman/faults`, { method: 'POST', headers: json, body })

  const typo = await post(JSON.stringify({ operation: 'createOrder', kind: 'status', status: 503, retryAfter: 'soon' }))
  t.equal(typo.status, 400)
  t.match(typo.headers.get('content-type'), /^application\/problem\+json/)
  t.match(typo.body, { code: codes.FAULT_PLAN_INVALID, step: 'fault', pointer: '/retryAfter' })
  t.match(typo.body.detail, /^Bad fault plan: \/retryAfter: must be seconds \(an integer >= 0\) or an HTTP date/)

  const second = await post(JSON.stringify([{ kind: 'hang' }, { kind: 'status' }]))
  t.match(second.body, { code: codes.FAULT_PLAN_INVALID, pointer: '/1/status' })
  const unknown = await post(JSON.stringify({ operation: 'creatOrder', kind: 'hang' }))
  t.match(unknown.body, { pointer: '/operation', detail: /did you mean 'createOrder'\?/ })
  const notJson = await post('{ kind: hang }')
  t.match(notJson.body, { code: codes.FAULT_PLAN_INVALID, detail: /The body is not JSON/ })
  t.same((await fetchJson(`${mock.url}/__doorman/faults`)).body.plans, [], 'nothing was added')
})

t.test('config file: a list of plans; reset() restores them with fresh counters', async (t) => {
  const mock = await startMock(t, { config: fixture('configs', 'faults-flaky.yaml') })
  const post = () => fetchJson(`${mock.url}/orders`, { method: 'POST' })
  t.same([(await post()).status, (await post()).status], [503, 503])
  t.not((await post()).status, 503, 'then normal answers (here: the auth step)')
  mock.faults.add({ kind: 'hang', id: 'extra' })
  mock.reset()
  t.same(
    mock.faults.list().map((p) => [p.id, p.source, p.attempts]),
    [
      ['f1', 'config', 0],
      ['f2', 'config', 0],
    ],
    'run-time plans gone, config plans back at zero',
  )
  t.equal((await post()).status, 503)
  t.equal(mock.journal.entries().length, 1, 'and the journal cleared')
})

t.test('config file: faults.preferHeader false turns Prefer faults off', async (t) => {
  const mock = await startMock(t, { config: fixture('configs', 'faults-no-prefer.yaml') })
  const hang = await fetchJson(`${mock.url}/health`, { headers: { prefer: 'fault=hang' } })
  t.equal(hang.status, 200, 'answered normally')
  const code = await fetchJson(`${mock.url}/health`, { headers: { prefer: 'code=503' } })
  t.equal(code.status, 400)
  t.equal(code.body.code, codes.PREFER_UNSATISFIABLE, 'a code the operation does not document, as before faults')
  t.equal((await fetchJson(`${mock.url}/__doorman/faults`)).body.preferHeader, false)
  const [entry] = await mock.journal.waitFor({ operation: 'getHealth' })
  t.match(entry.fault, { kind: 'delay', source: 'config', delayMs: 10 }, 'the plans still apply')
})

t.test('the CLI stops on a bad plan, naming the file, the pointer and the fix', async (t) => {
  const typo = await runCli(['check', '--config', fixture('configs', 'faults-bad-plan.yaml')])
  t.equal(typo.code, 2)
  t.match(typo.stderr, /faults-bad-plan\.yaml: \/faults\/0\/retry_after: unknown key 'retry_after' for a status fault \(did you mean 'retryAfter'\?\)/)
  // Checked once the spec is loaded: the library throws the same SetupError the CLI prints.
  await t.rejects(startMock(t, { config: fixture('configs', 'faults-unknown-operation.yaml') }), {
    name: 'SetupError',
    message: /faults-unknown-operation\.yaml: \/faults\/0\/operation: the spec has no operation 'creatOrder'; did you mean 'createOrder'\?/,
  })
})

t.test('the CLI serves faults from its config and logs them', async (t) => {
  const cli = await startCli(t, ['--config', fixture('configs', 'faults-flaky.yaml')])
  const res = await fetchJson(`${cli.url}/orders`, { method: 'POST' })
  t.equal(res.status, 503)
  const line = await cli.nextLine(/FAULT_STATUS/)
  t.match(line, /POST \/orders 503 FAULT_STATUS .*fault plan f1, attempt 1/)
})
