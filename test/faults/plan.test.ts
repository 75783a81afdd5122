import t from 'tap'
import { resolveConfig } from '../../src/config.js'
import { FaultPlanError, validateFaultPlans } from '../../src/faults/plan.js'
import { preferredFault } from '../../src/faults/prefer.js'
import { mulberry32, sampleDelay } from '../../src/faults/random.js'
import { FaultRegistry } from '../../src/faults/registry.js'
import { parsePrefer } from '../../src/pipeline/prefer.js'
import { Problem } from '../../src/problems/problem.js'
import { loadSpec } from '../../src/spec/load-spec.js'
import { compileRouteTable } from '../../src/spec/route-table.js'
import { SetupError } from '../../src/index.js'
import { DEFAULT_SPEC } from '../helpers.js'

function planError(input: unknown[]): FaultPlanError {
  try {
    validateFaultPlans(input)
  } catch (error) {
    if (error instanceof FaultPlanError) return error
    throw error
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`)
}

t.test('the validator names the bad field and how to fix it', async (t) => {
  const cases: Array<[unknown, string, RegExp]> = [
    [{ kind: 'hnag' }, '/0/kind', /unknown fault kind "hnag" \(did you mean 'hang'\?\); kinds: delay, status, hang/],
    [{ kind: 'timeout' }, '/0/kind', /a timeout is 'hang'/],
    [{ operation: 'createOrder' }, '/0', /needs 'kind'/],
    [{ kind: 'status' }, '/0/status', /a status fault needs 'status'/],
    [{ kind: 'status', status: 503, retry_after: 1 }, '/0/retry_after', /unknown key 'retry_after' for a status fault \(did you mean 'retryAfter'\?\)/],
    [{ kind: 'status', status: 503, retryAfter: 'soon' }, '/0/retryAfter', /seconds \(an integer >= 0\) or an HTTP date/],
    [{ kind: 'status', status: 200 }, '/0/status', /must be >= 400/],
    [{ kind: 'delay', ms: { min: 5 } }, '/0/ms', /milliseconds .*\{ min, max \} or \{ median, sigma \}/],
    [{ kind: 'delay', ms: { min: 500, max: 5 } }, '/0/ms', /min \(500\) is larger than max \(5\)/],
    [{ kind: 'hang', delay: -1 }, '/0/delay', /milliseconds/],
    [{ kind: 'reset', times: 0 }, '/0/times', /must be >= 1/],
    [{ kind: 'reset', probability: 2 }, '/0/probability', /must be <= 1/],
    [{ kind: 'drip', chunkBytes: 0 }, '/0/chunkBytes', /must be >= 1/],
    [{ kind: 'close', method: 'FETCH' }, '/0/method', /must be one of GET, PUT, POST/],
    [{ kind: 'status', status: 503, retryAfter: 'Wed, 31 Feb 2025 07:28:00 GMT' }, '/0/retryAfter', /not a real date/],
  ]
  for (const [plan, pointer, message] of cases) {
    const error = planError([plan])
    t.equal(error.pointer, pointer, JSON.stringify(plan))
    t.match(error.message, message, JSON.stringify(plan))
    t.ok(error.message.startsWith(`${pointer}: `), 'the message starts with the pointer')
  }
  t.equal(planError([{ kind: 'hang' }, { kind: 'status' }]).pointer, '/1/status', 'the second plan of a list')
})

t.test('valid plans of every kind pass, methods upper-cased', async (t) => {
  const plans = validateFaultPlans([
    { kind: 'delay', ms: 100 },
    { kind: 'delay', ms: { min: 1, max: 2 } },
    { kind: 'delay', ms: { median: 100, sigma: 0.5 }, seed: 1 },
    { kind: 'status', status: 429, retryAfter: 'Wed, 21 Oct 2015 07:28:00 GMT', body: { slow: 'down' }, headers: { 'X-RateLimit-Remaining': '0' } },
    { kind: 'hang', path: '/orders/{orderId}', method: 'get' },
    { kind: 'reset', times: 1, delay: 5 },
    { kind: 'close', probability: 0.5, seed: 7 },
    { kind: 'partial', bytes: 10 },
    { kind: 'garbage', text: 'SSH-2.0-OpenSSH\r\n' },
    { kind: 'drip', chunkBytes: 4, intervalMs: 10, id: 'slow-drip' },
  ])
  t.equal(plans.length, 10)
  t.equal(plans[4].method, 'GET')
})

t.test('the config file takes a list of plans, or { preferHeader, plans }', async (t) => {
  const list = resolveConfig({ faults: [{ operation: 'createOrder', kind: 'status', status: 503, times: 2 }] })
  t.same(list.faults.preferHeader, true)
  t.equal(list.faults.plans.length, 1)
  const object = resolveConfig({ faults: { preferHeader: false, plans: [{ kind: 'hang' }] } })
  t.equal(object.faults.preferHeader, false)
  t.equal(object.faults.pointer, '/faults/plans')
  t.same(resolveConfig({}).faults, { preferHeader: true, plans: [], file: undefined, pointer: '/faults/plans' })

  const bad = (config: unknown) => t.throws(() => resolveConfig(config, 'my.yaml'), SetupError)
  t.throws(() => resolveConfig({ faults: [{ kind: 'status', status: 503, retry_after: 1 }] }, 'my.yaml'), {
    message:
      "my.yaml: /faults/0/retry_after: unknown key 'retry_after' for a status fault (did you mean 'retryAfter'?); allowed: kind, id, operation, method, path, preflight, times, probability, seed, delay, status, retryAfter, body, headers",
  })
  t.throws(() => resolveConfig({ faults: { plans: [{ kind: 'delay', ms: 'slow' }] } }), { message: /\/faults\/plans\/0\/ms: must be milliseconds/ })
  t.throws(() => resolveConfig({ faults: 'hang' }), { message: /\/faults: must be a list of fault plans, or \{ preferHeader, plans \}/ })
  t.throws(() => resolveConfig({ faults: { preferHeader: 'no' } }), { message: /\/faults\/preferHeader: must be boolean/ })
  t.throws(() => resolveConfig({ faults: [{ kind: 'delay', ms: { min: 9, max: 1 } }] }, 'my.yaml'), {
    message: 'my.yaml: /faults/0/ms: min (9) is larger than max (1)',
  })
  bad({ faults: [{ kind: 'explode' }] })
})

t.test('the registry', async (t) => {
  const spec = await loadSpec(DEFAULT_SPEC)
  const table = compileRouteTable(spec)
  const op = (id: string) => table.operations.find((o) => o.id === id)!
  const add = (registry: FaultRegistry, plans: unknown[]) => registry.add(validateFaultPlans(plans), 'library')

  t.test('checks that what a plan names exists', async (t) => {
    const registry = new FaultRegistry(table)
    t.throws(() => add(registry, [{ operation: 'creatOrder', kind: 'hang' }]), {
      pointer: '/0/operation',
      message: /no operation 'creatOrder'; did you mean 'createOrder'\?/,
    })
    t.throws(() => add(registry, [{ path: '/order', kind: 'hang' }]), { pointer: '/0/path', message: /no path '\/order'; did you mean '\/orders'\?/ })
    t.throws(() => add(registry, [{ path: '/health', method: 'POST', kind: 'hang' }]), { message: '/0/method: /health documents GET, not POST' })
    t.throws(() => add(registry, [{ operation: 'getHealth', path: '/health', kind: 'hang' }]), { message: /either 'operation' or 'method'\/'path'/ })
    add(registry, [{ operation: 'POST /orders', kind: 'hang', id: 'mine' }])
    t.throws(() => add(registry, [{ kind: 'reset', id: 'mine' }]), { pointer: '/0/id', message: /named 'mine' exists already/ })
    t.equal(registry.size, 1, 'a refused batch adds nothing')
  })

  t.test('matches by operation, METHOD /path, path, method, or everything', async (t) => {
    const registry = new FaultRegistry(table)
    add(registry, [{ operation: 'POST /orders', kind: 'hang' }])
    t.ok(registry.decide(op('createOrder'))?.action)
    t.notOk(registry.decide(op('listOrders')))
    registry.clear()
    add(registry, [{ path: '/orders/{orderId}', kind: 'reset' }])
    t.ok(registry.decide(op('getOrder'))?.action)
    t.ok(registry.decide(op('deleteOrder'))?.action)
    t.notOk(registry.decide(op('listOrders')))
    registry.clear()
    add(registry, [{ method: 'delete', kind: 'close' }])
    t.ok(registry.decide(op('deleteOrder'))?.action)
    t.notOk(registry.decide(op('getOrder')))
    registry.clear()
    add(registry, [{ kind: 'garbage' }])
    t.ok(registry.decide(op('getHealth'))?.action)
  })

  t.test('times: plans queue, each for its first N attempts, then normal answers', async (t) => {
    const registry = new FaultRegistry(table)
    add(registry, [
      { operation: 'createOrder', kind: 'status', status: 503, times: 2, id: 'twice' },
      { operation: 'createOrder', kind: 'reset', times: 1, id: 'then-reset' },
      { kind: 'delay', ms: 5, id: 'always-slow' },
    ])
    const seen = Array.from({ length: 4 }, () => registry.decide(op('createOrder')))
    t.same(
      seen.map((d) => d?.action && `${d.action.plan.plan.id}#${d.action.attempt}`),
      ['twice#1', 'twice#2', 'then-reset#1', undefined],
    )
    t.same(
      seen.map((d) => d?.delay?.attempt),
      [1, 2, 3, 4],
      'a delay plan combines with the acting one',
    )
    t.same(
      seen.map((d) => d?.delayMs),
      [5, 5, 5, 5],
    )
    const [twice] = registry.list()
    t.match(twice, { id: 'twice', attempts: 4, applied: 2, remaining: 0, source: 'library' })
    registry.reset()
    t.equal(registry.size, 0, 'reset drops run-time plans')
  })

  t.test('reset brings back the initial plans with fresh counters', async (t) => {
    const registry = new FaultRegistry(table)
    registry.add(validateFaultPlans([{ kind: 'hang', times: 1 }]), 'config', '/faults', true)
    t.ok(registry.decide(op('getHealth')))
    t.notOk(registry.decide(op('getHealth')))
    registry.clear()
    t.equal(registry.size, 0)
    registry.reset()
    t.ok(registry.decide(op('getHealth')), 'counting starts over')
  })

  t.test('probability with a seed repeats exactly', async (t) => {
    const run = (seed: number) => {
      const registry = new FaultRegistry(table)
      add(registry, [{ kind: 'status', status: 500, probability: 0.3, seed }])
      return Array.from({ length: 200 }, () => (registry.decide(op('getHealth')) ? 1 : 0)).join('')
    }
    t.equal(run(42), run(42))
    t.not(run(42), run(43))
    const hits = [...run(42)].filter((c) => c === '1').length
    t.ok(hits > 30 && hits < 90, `about 30% of 200 (${hits})`)
    const registry = new FaultRegistry(table)
    const [status] = add(registry, [{ kind: 'status', status: 500, probability: 0.5 }])
    t.type(status.seed, 'number', 'an unseeded plan shows the seed it drew, to repeat the run')
  })
})

t.test('delays: fixed, uniform, lognormal', async (t) => {
  const random = mulberry32(1)
  t.equal(sampleDelay(250, random), 250)
  const uniform = Array.from({ length: 500 }, () => sampleDelay({ min: 100, max: 200 }, random))
  t.ok(uniform.every((ms) => ms >= 100 && ms <= 200))
  const lognormal = Array.from({ length: 2001 }, () => sampleDelay({ median: 100, sigma: 0.5 }, random)).sort((a, b) => a - b)
  const median = lognormal[1000]
  t.ok(median > 85 && median < 115, `the median is near 100 (${median})`)
  t.ok(lognormal.at(-1)! > 200, 'with a long tail')
  const a = mulberry32(9)
  const b = mulberry32(9)
  t.same([a(), a(), a()], [b(), b(), b()])
})

t.test('Prefer: the tokens a person can send', async (t) => {
  const prefer = (header: string) => preferredFault(parsePrefer(header))
  t.equal(prefer('code=404'), undefined, 'a documented-answer code is the respond step’s')
  t.equal(prefer('example=x'), undefined)
  t.match(prefer('fault=hang'), { plan: { kind: 'hang' }, delayMs: 0, applied: ['fault=hang'] })
  t.match(prefer('delay=3000'), { plan: undefined, delayMs: 3000 })
  t.match(prefer('code=503, delay=500'), { plan: { kind: 'status', status: 503 }, delayMs: 500, applied: ['code=503', 'delay=500'] })
  t.match(prefer('code=429, retry-after=2'), { plan: { kind: 'status', status: 429, retryAfter: 2 } })
  t.match(prefer('fault=DRIP, delay=10'), { plan: { kind: 'drip' }, delayMs: 10 })
  const refusals: Array<[string, RegExp]> = [
    ['fault=hnag', /did you mean fault=hang\?/],
    ['fault=delay', /For a slow answer send delay=<ms>/],
    ['fault=status', /send code=503/],
    ['delay=soon', /whole number of milliseconds/],
    ['delay=99999999', /from 0 to 3600000/],
    ['fault=hang, code=503', /two different failures/],
    ['retry-after=2', /add code=503/],
    ['code=503, retry-after=later', /whole number of seconds/],
  ]
  for (const [header, detail] of refusals) {
    const problem = prefer(header)
    t.ok(problem instanceof Problem, header)
    t.match(problem, { code: 'FAULT_PREFER_INVALID', status: 400, step: 'fault', detail }, header)
  }
})
