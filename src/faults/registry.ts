import type { Operation, RouteTable } from '../spec/route-table.js'
import { closest } from '../util/closest.js'
import { explainPlan, FaultPlanError, type FaultPlan } from './plan.js'
import { mulberry32, randomSeed, sampleDelay } from './random.js'

/** Where a plan came from. */
export type FaultSource = 'config' | 'spec' | 'admin' | 'library' | 'prefer'

/** A plan as `list()` and `GET /__doorman/faults` show it: the plan, where it came from, and its counters. */
export interface FaultPlanStatus {
  id: string
  source: FaultSource
  plan: FaultPlan & { id: string }
  /** Requests that reached the plan (matched it and were not taken by an earlier plan). */
  attempts: number
  /** Requests it was applied to. */
  applied: number
  /** How many more it will apply to (`times` minus applied); null when unlimited. */
  remaining: number | null
  /** The seed of its random choices: put it in the plan to repeat this run. */
  seed: number
  explain: string
}

/** One plan in force, with its counters. */
export class ActivePlan {
  attempts = 0
  applied = 0
  #random: () => number

  constructor(
    readonly plan: FaultPlan & { id: string },
    readonly source: FaultSource,
    readonly seed: number,
  ) {
    this.#random = mulberry32(seed)
  }

  matches(operation: Operation): boolean {
    const { plan } = this
    if (
      plan.operation !== undefined &&
      plan.operation !== operation.id &&
      plan.operation !== `${operation.method} ${operation.path}` &&
      plan.operation !== operation.label
    ) {
      return false
    }
    if (plan.path !== undefined && plan.path !== operation.path) return false
    if (plan.method !== undefined && plan.method !== operation.method) return false
    return true
  }

  /** Counts the attempt; true when the plan applies to it (`times` not used up, `probability` drawn). */
  take(): boolean {
    this.attempts++
    if (this.plan.times !== undefined && this.applied >= this.plan.times) return false
    if (this.plan.probability !== undefined && this.#random() >= this.plan.probability) return false
    this.applied++
    return true
  }

  /** The delay this plan adds to one request: `ms` of a delay plan, `delay` of the others. */
  sampleDelayMs(): number {
    const spec = this.plan.kind === 'delay' ? this.plan.ms : this.plan.delay
    return spec === undefined ? 0 : sampleDelay(spec, this.#random)
  }

  reset(): void {
    this.attempts = 0
    this.applied = 0
    this.#random = mulberry32(this.seed)
  }

  status(): FaultPlanStatus {
    const { plan } = this
    return {
      id: plan.id,
      source: this.source,
      plan,
      attempts: this.attempts,
      applied: this.applied,
      remaining: plan.times === undefined ? null : Math.max(0, plan.times - this.applied),
      seed: this.seed,
      explain: explainPlan(plan),
    }
  }
}

export interface PlanHit {
  plan: ActivePlan
  /** The n-th request that reached the plan (1-based). */
  attempt: number
}

/** The fault for one request: at most one acting plan (status, hang, …), at most one delay plan. */
export interface FaultDecision {
  action: PlanHit | undefined
  delay: PlanHit | undefined
  delayMs: number
}

/**
 * The plans in force, in order. A request takes the first plan of each sort
 * (acting, delay) that matches it and applies; a plan used up by `times` lets
 * the request through to the next one, so plans queue: "503 twice, then a
 * reset, then normal answers".
 */
export class FaultRegistry {
  readonly #table: RouteTable
  #initial: ActivePlan[] = []
  #plans: ActivePlan[] = []
  #nextId = 1

  constructor(table: RouteTable) {
    this.#table = table
  }

  get size(): number {
    return this.#plans.length
  }

  /**
   * Adds checked plans (see `validateFaultPlans`) after checking what they
   * name exists in the spec. All or nothing: throws `FaultPlanError` with the
   * pointer `at/i/field` of the first bad one. `initial` plans come back on `reset()`.
   */
  add(plans: FaultPlan[], source: FaultSource, at = '', initial = false): FaultPlanStatus[] {
    const taken = new Set(this.#plans.map((p) => p.plan.id))
    const named = plans.map((plan, i) => {
      this.#checkReferences(plan, `${at}/${i}`)
      if (plan.id !== undefined && taken.has(plan.id)) {
        throw new FaultPlanError(`${at}/${i}/id: a fault plan named '${plan.id}' exists already; pick another id or delete it first`, `${at}/${i}/id`)
      }
      const id = plan.id ?? this.#freshId(taken)
      taken.add(id)
      return new ActivePlan({ ...plan, id }, source, plan.seed ?? randomSeed())
    })
    this.#plans.push(...named)
    if (initial) this.#initial.push(...named)
    return named.map((p) => p.status())
  }

  list(): FaultPlanStatus[] {
    return this.#plans.map((p) => p.status())
  }

  remove(id: string): boolean {
    const before = this.#plans.length
    this.#plans = this.#plans.filter((p) => p.plan.id !== id)
    return this.#plans.length !== before
  }

  /** Removes every plan, those from the config and the spec too (until `reset()`). */
  clear(): void {
    this.#plans = []
  }

  /** Back to the plans of the config and the spec, with fresh counters and seeds replayed; run-time plans go. */
  reset(): void {
    for (const plan of this.#initial) plan.reset()
    this.#plans = [...this.#initial]
  }

  /** With `preflight`, for a CORS preflight asking about `operation`: only plans that say `preflight: true` take it. */
  decide(operation: Operation, { preflight = false } = {}): FaultDecision | undefined {
    let action: PlanHit | undefined
    let delay: PlanHit | undefined
    for (const plan of this.#plans) {
      if (preflight && plan.plan.preflight !== true) continue
      const isDelay = plan.plan.kind === 'delay'
      if (isDelay ? delay : action) continue
      if (!plan.matches(operation) || !plan.take()) continue
      const hit = { plan, attempt: plan.attempts }
      if (isDelay) delay = hit
      else action = hit
      if (action && delay) break
    }
    if (!action && !delay) return undefined
    const delayMs = (action?.plan.sampleDelayMs() ?? 0) + (delay?.plan.sampleDelayMs() ?? 0)
    return { action, delay, delayMs }
  }

  #freshId(taken: Set<string>): string {
    let id: string
    do id = `f${this.#nextId++}`
    while (taken.has(id))
    return id
  }

  #checkReferences(plan: FaultPlan, at: string): void {
    const operations = this.#table.operations
    if (plan.operation !== undefined) {
      if (plan.path !== undefined || plan.method !== undefined) {
        const key = plan.path !== undefined ? 'path' : 'method'
        throw new FaultPlanError(`${at}/${key}: give either 'operation' or 'method'/'path', not both`, `${at}/${key}`)
      }
      // `POST /orders` as documented, or `POST /v2/orders` as called: both name the operation.
      const names = operations.flatMap((op) => [op.id, `${op.method} ${op.path}`, op.label])
      if (!names.includes(plan.operation)) {
        const guess = closest(plan.operation, names)
        throw new FaultPlanError(
          `${at}/operation: the spec has no operation '${plan.operation}'${guess ? `; did you mean '${guess}'?` : ''} (operationIds: ${operations.map((op) => op.id).join(', ')})`,
          `${at}/operation`,
        )
      }
    }
    if (plan.path !== undefined) {
      const paths = [...new Set(operations.map((op) => op.path))]
      if (!paths.includes(plan.path)) {
        const guess = closest(plan.path, paths)
        const base = this.#table.basePath && plan.path.startsWith(this.#table.basePath + '/') ? ` (write it without the base path ${this.#table.basePath})` : ''
        throw new FaultPlanError(
          `${at}/path: the spec documents no path '${plan.path}'${base}${guess ? `; did you mean '${guess}'?` : ''} (use the template as documented, e.g. /orders/{orderId})`,
          `${at}/path`,
        )
      }
      const method = plan.method?.toUpperCase()
      if (method !== undefined && !operations.some((op) => op.path === plan.path && op.method === method)) {
        const methods = operations.filter((op) => op.path === plan.path).map((op) => op.method)
        throw new FaultPlanError(`${at}/method: ${plan.path} documents ${methods.join(', ')}, not ${method}`, `${at}/method`)
      }
    }
  }
}
