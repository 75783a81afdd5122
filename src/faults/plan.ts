/**
 * Fault plans as plain, serializable data: the one shape the config file,
 * `x-doorman.faults`, the admin API, the library and `Prefer` all share, and
 * the one JSON Schema that checks it. What each kind *does* lives in
 * `kinds.ts`; which request gets which plan, in `registry.ts`.
 */
import type { ErrorObject } from 'ajv'
import { inputValidator } from '../util/input-validator.js'
import { DEFAULT_JSON_DEPTH, nestedDeeperThan } from '../util/json-depth.js'
import { HTTP_METHODS } from '../spec/route-table.js'
import { closest } from '../util/closest.js'

export const FAULT_KINDS = ['delay', 'status', 'hang', 'reset', 'close', 'partial', 'garbage', 'drip'] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

/** Milliseconds: fixed, uniform in `[min, max]`, or lognormal around `median` (spread `sigma`). */
export type DelaySpec = number | { min: number; max: number } | { median: number; sigma: number }

/** Which requests a plan applies to; none of the three = every documented operation. */
export interface FaultSelector {
  /** An operationId, or `METHOD /path` as documented (`POST /orders`). */
  operation?: string
  /** With `path`, or alone: only this method. */
  method?: string
  /** A documented path template, without the base path: `/orders/{orderId}`. */
  path?: string
  /** Also fire on the CORS preflights a browser sends before these requests (docs/cors.md). Default false: a preflight is answered as the API would. */
  preflight?: boolean
}

export interface FaultLimits {
  /** Applies to the first N requests that reach the plan, then lets them through. Default: every one. */
  times?: number
  /** Applies to each request with this probability (0..1). Default 1. */
  probability?: number
  /** Seeds `probability` and random delays, so a run repeats exactly. Default: a random seed (shown by list()). */
  seed?: number
}

interface PlanBase extends FaultSelector, FaultLimits {
  /** A name for the plan; `f1`, `f2`, … when not given. */
  id?: string
}

interface Delayable extends PlanBase {
  /** Wait this long before the fault happens. */
  delay?: DelaySpec
}

export type DelayPlan = PlanBase & { kind: 'delay'; ms: DelaySpec }
export type StatusPlan = Delayable & {
  kind: 'status'
  /** 429, 500, 502, 503, 504, … (any 4xx/5xx). */
  status: number
  /** `Retry-After`: seconds, or an HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`). */
  retryAfter?: number | string
  /** The body instead of the documented one or the problem+json: a string as-is, anything else as JSON. */
  body?: unknown
  headers?: Record<string, string>
}
export type HangPlan = Delayable & { kind: 'hang' }
export type ResetPlan = Delayable & { kind: 'reset' }
export type ClosePlan = Delayable & { kind: 'close' }
/** `bytes`: how much of the body arrives before the connection dies (default: half). */
export type PartialPlan = Delayable & { kind: 'partial'; bytes?: number }
/** `text`: what is sent instead of an HTTP response (default: bytes no HTTP parser accepts). */
export type GarbagePlan = Delayable & { kind: 'garbage'; text?: string }
/** The body in `chunkBytes` pieces (default 16), one every `intervalMs` (default 200). */
export type DripPlan = Delayable & { kind: 'drip'; chunkBytes?: number; intervalMs?: number }

export type FaultPlan = DelayPlan | StatusPlan | HangPlan | ResetPlan | ClosePlan | PartialPlan | GarbagePlan | DripPlan

/** Longest delay a plan or `Prefer: delay=` may ask for: one hour. */
export const MAX_DELAY_MS = 3_600_000

const ms = { type: 'integer', minimum: 0, maximum: MAX_DELAY_MS }
const DELAY_SCHEMA = {
  anyOf: [
    ms,
    { type: 'object', additionalProperties: false, required: ['min', 'max'], properties: { min: ms, max: ms } },
    {
      type: 'object',
      additionalProperties: false,
      required: ['median', 'sigma'],
      properties: { median: ms, sigma: { type: 'number', minimum: 0, maximum: 5 } },
    },
  ],
}

export const HTTP_DATE_PATTERN =
  '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$'

// RFC 9110 §5.1: a field name is a token; §5.5: a field value is visible characters, spaces and tabs (and obs-text),
// never CR or LF, which would end the header and start another (response splitting).
const HEADER_NAME_PATTERN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"
const FIELD_VALUE_PATTERN = '^[\\t\\x20-\\x7E\\x80-\\xFF]*$'
const MAX_PLAN_HEADERS = 50
const MAX_HEADER_VALUE_LENGTH = 8192

/** Plans one request (POST /__doorman/faults, mock.faults.add) may add, and plans the mock holds in all (FAULT_PLAN_LIMIT). */
export const MAX_PLANS_PER_REQUEST = 100
export const MAX_PLANS = 1000

const COMMON = {
  id: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
  operation: { type: 'string', minLength: 1, maxLength: 1000 },
  method: { type: 'string', enum: [...HTTP_METHODS, ...HTTP_METHODS.map((m) => m.toLowerCase())] },
  path: { type: 'string', pattern: '^/', maxLength: 4000 },
  preflight: { type: 'boolean' },
  times: { type: 'integer', minimum: 1 },
  probability: { type: 'number', minimum: 0, maximum: 1 },
  seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
}

const KIND_PROPERTIES: Record<FaultKind, { required: string[]; properties: Record<string, unknown> }> = {
  delay: { required: ['ms'], properties: { ms: DELAY_SCHEMA } },
  status: {
    required: ['status'],
    properties: {
      status: { type: 'integer', minimum: 400, maximum: 599 },
      retryAfter: {
        anyOf: [
          { type: 'integer', minimum: 0 },
          { type: 'string', pattern: HTTP_DATE_PATTERN },
        ],
      },
      body: {},
      headers: {
        type: 'object',
        maxProperties: MAX_PLAN_HEADERS,
        propertyNames: { pattern: HEADER_NAME_PATTERN },
        additionalProperties: { type: 'string', maxLength: MAX_HEADER_VALUE_LENGTH, pattern: FIELD_VALUE_PATTERN },
      },
    },
  },
  hang: { required: [], properties: {} },
  reset: { required: [], properties: {} },
  close: { required: [], properties: {} },
  partial: { required: [], properties: { bytes: { type: 'integer', minimum: 0 } } },
  garbage: { required: [], properties: { text: { type: 'string', minLength: 1, maxLength: 65_536 } } },
  drip: {
    required: [],
    properties: {
      chunkBytes: { type: 'integer', minimum: 1 },
      intervalMs: { type: 'integer', minimum: 0, maximum: 60_000 },
    },
  },
}

/** The JSON Schema of one fault plan (a discriminated union on `kind`; ajv needs `discriminator: true`). */
export const FAULT_PLAN_SCHEMA = {
  type: 'object',
  required: ['kind'],
  properties: { kind: { type: 'string', enum: [...FAULT_KINDS] } },
  discriminator: { propertyName: 'kind' },
  oneOf: FAULT_KINDS.map((kind) => ({
    type: 'object',
    additionalProperties: false,
    required: ['kind', ...KIND_PROPERTIES[kind].required],
    properties: {
      kind: { const: kind },
      ...COMMON,
      ...(kind === 'delay' ? {} : { delay: DELAY_SCHEMA }),
      ...KIND_PROPERTIES[kind].properties,
    },
  })),
}

/** `faults:` in the config file: the list of plans, or `{ preferHeader, plans }`. */
export const FAULTS_CONFIG_SCHEMA = {
  if: { type: 'array' },
  then: { type: 'array', items: FAULT_PLAN_SCHEMA },
  else: {
    type: 'object',
    additionalProperties: false,
    properties: {
      preferHeader: { type: 'boolean' },
      plans: { type: 'array', items: FAULT_PLAN_SCHEMA },
    },
  },
}

/** A bad plan: `pointer` is the JSON pointer of the offending field, `message` says what is wrong and how to fix it. */
export class FaultPlanError extends Error {
  override readonly name: string = 'FaultPlanError'
  constructor(
    message: string,
    readonly pointer: string,
  ) {
    super(message)
  }
}

/** Too many plans at once, or in all: FAULT_PLAN_LIMIT over the admin API. */
export class FaultPlanLimitError extends FaultPlanError {
  override readonly name = 'FaultPlanLimitError'
}

// Compiled on the first non-empty list: most starts have no plans.
const validatePlans = inputValidator({ type: 'array', items: FAULT_PLAN_SCHEMA })

/**
 * Checks plans from the admin API or the library (the config file is checked
 * with the whole config schema, then `checkPlanValues`). Returns them with
 * `method` upper-cased; throws `FaultPlanError` for the first bad one,
 * `at` is prefixed to its pointer.
 */
export function validateFaultPlans(input: unknown[], at = ''): FaultPlan[] {
  const validate = input.length === 0 ? undefined : validatePlans()
  if (validate && !validate(input)) {
    const error = describeFaultErrors(validate.errors ?? [], input)
    throw new FaultPlanError(`${at}${error.message}`, `${at}${error.pointer}`)
  }
  const plans = input as FaultPlan[]
  plans.forEach((plan, i) => checkPlanValues(plan, `${at}/${i}`))
  return plans.map(normalizePlan)
}

/** What a schema cannot say: `min <= max`, a real date. */
export function checkPlanValues(plan: FaultPlan, at: string): void {
  // The body goes out as JSON on every request the plan takes: one too deep to write would turn each into a 500.
  if (plan.kind === 'status' && nestedDeeperThan(plan.body, DEFAULT_JSON_DEPTH)) {
    throw new FaultPlanError(`${at}/body: nests deeper than ${DEFAULT_JSON_DEPTH} levels; send a flatter body`, `${at}/body`)
  }
  const delays: Array<[string, DelaySpec | undefined]> = [[plan.kind === 'delay' ? 'ms' : 'delay', plan.kind === 'delay' ? plan.ms : plan.delay]]
  for (const [key, delay] of delays) {
    if (typeof delay === 'object' && 'min' in delay && delay.min > delay.max) {
      throw new FaultPlanError(`${at}/${key}: min (${delay.min}) is larger than max (${delay.max})`, `${at}/${key}`)
    }
  }
  if (plan.kind === 'status' && typeof plan.retryAfter === 'string') {
    // Date.parse is lenient (31 Feb becomes 3 Mar, any weekday goes): the date must read back the same.
    const date = new Date(Date.parse(plan.retryAfter))
    if (Number.isNaN(date.getTime()) || date.toUTCString() !== plan.retryAfter) {
      const near = Number.isNaN(date.getTime()) ? '' : ` (did you mean '${date.toUTCString()}'?)`
      throw new FaultPlanError(`${at}/retryAfter: '${plan.retryAfter}' is not a real date${near}`, `${at}/retryAfter`)
    }
  }
}

export function normalizePlan(plan: FaultPlan): FaultPlan {
  return plan.method === undefined ? plan : { ...plan, method: plan.method.toUpperCase() }
}

/**
 * One message for ajv's errors on fault plans, naming the field and how to
 * fix it. `data` is the validated value, to name the kind in messages.
 * Works for any schema that embeds FAULT_PLAN_SCHEMA (the config schema too).
 */
export function describeFaultErrors(errors: ErrorObject[], data: unknown): { message: string; pointer: string } {
  const missingKind = errors.find((e) => e.keyword === 'required' && (e.params as { missingProperty: string }).missingProperty === 'kind')
  if (missingKind) {
    return at(missingKind.instancePath, `a fault plan needs 'kind': one of ${FAULT_KINDS.join(', ')}`)
  }
  const badKind = errors.find((e) => e.instancePath.endsWith('/kind') && e.keyword === 'enum')
  if (badKind) {
    const value = valueAt(data, badKind.instancePath)
    const hint = typeof value === 'string' ? hintFor(value) : ''
    return at(badKind.instancePath, `unknown fault kind ${JSON.stringify(value)}${hint}; kinds: ${FAULT_KINDS.join(', ')}`)
  }
  // The union's bookkeeping errors say nothing a person can act on once a branch was picked.
  const useful = errors.filter((e) => e.keyword !== 'discriminator' && e.keyword !== 'oneOf' && e.keyword !== 'if')
  const deepest = [...(useful.length ? useful : errors)].sort((a, b) => b.instancePath.length - a.instancePath.length)[0]
  const path = deepest.instancePath
  const key = path.split('/').at(-1) ?? ''
  if (useful.some((e) => e.instancePath === path && e.keyword === 'anyOf')) {
    if (key === 'retryAfter') return at(path, `must be seconds (an integer >= 0) or an HTTP date such as 'Wed, 21 Oct 2015 07:28:00 GMT'`)
    return at(path, `must be milliseconds (an integer from 0 to ${MAX_DELAY_MS}), { min, max } or { median, sigma }`)
  }
  if (deepest.keyword === 'additionalProperties') {
    const extra = (deepest.params as { additionalProperty: string }).additionalProperty
    const plan = valueAt(data, path) as { kind?: string } | undefined
    const kind = plan && FAULT_KINDS.includes(plan.kind as FaultKind) ? (plan.kind as FaultKind) : undefined
    if (kind === undefined) return at(`${path}/${extra}`, `unknown key '${extra}'`)
    const allowed = allowedKeys(kind)
    const guess = closest(extra, allowed)
    return at(`${path}/${extra}`, `unknown key '${extra}' for a ${kind} fault${guess ? ` (did you mean '${guess}'?)` : ''}; allowed: ${allowed.join(', ')}`)
  }
  if (deepest.keyword === 'required') {
    const missing = (deepest.params as { missingProperty: string }).missingProperty
    const plan = valueAt(data, path) as { kind?: string } | undefined
    return at(`${path}/${missing}`, `a ${plan?.kind ?? ''} fault needs '${missing}'`.replace('  ', ' '))
  }
  if (deepest.keyword === 'type' && path === '/faults') return at(path, 'must be a list of fault plans, or { preferHeader, plans }')
  if (deepest.keyword === 'pattern' && key === 'id') return at(path, 'must be 1 to 64 letters, digits, dots, dashes or underscores')
  if (/\/headers\/[^/]+$/.test(path) && deepest.keyword === 'pattern') {
    return at(path, 'a header value must be an RFC 9110 field value: visible characters, spaces and tabs, no CR, LF or other control characters')
  }
  const badName = useful.find((e) => e.keyword === 'propertyNames' && e.instancePath.endsWith('/headers'))
  if (badName) {
    const name = String((badName.params as { propertyName?: unknown }).propertyName)
    return at(
      `${badName.instancePath}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`,
      `'${name}' is not a header name (RFC 9110 token: letters, digits and !#$%&'*+.^_\`|~-)`,
    )
  }
  if (deepest.keyword === 'enum') {
    return at(path, `must be one of ${((deepest.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}`)
  }
  return at(path, deepest.message ?? 'is not valid')
}

function at(pointer: string, problem: string): { message: string; pointer: string } {
  return { message: `${pointer || '/'}: ${problem}`, pointer }
}

function allowedKeys(kind: FaultKind): string[] {
  return ['kind', ...Object.keys(COMMON), ...(kind === 'delay' ? [] : ['delay']), ...Object.keys(KIND_PROPERTIES[kind].properties)]
}

function hintFor(value: string): string {
  if (/^(timeout|slow|latency)$/i.test(value)) return " (a slow answer is 'delay'; a timeout is 'hang')"
  if (/^(error|fail|http|code)$/i.test(value)) return " (an error status is 'status')"
  const guess = closest(value, FAULT_KINDS)
  return guess ? ` (did you mean '${guess}'?)` : ''
}

function valueAt(data: unknown, pointer: string): unknown {
  let node = data
  for (const token of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string, unknown>)[token.replace(/~1/g, '/').replace(/~0/g, '~')]
  }
  return node
}

/** One line describing a plan, for lists, logs and the report: `status 503 with Retry-After 1 on createOrder, 2 times`. */
export function explainPlan(plan: FaultPlan): string {
  return `${explainKind(plan)} on ${explainSelector(plan)}${plan.preflight ? ' (CORS preflights too)' : ''}${plan.times !== undefined ? `, ${plan.times} time${plan.times === 1 ? '' : 's'}` : ''}${
    plan.probability !== undefined ? `, with probability ${plan.probability}` : ''
  }`
}

export function explainKind(plan: FaultPlan): string {
  const delay = plan.kind !== 'delay' && plan.delay !== undefined ? ` after ${explainDelay(plan.delay)}` : ''
  switch (plan.kind) {
    case 'delay':
      return `delay ${explainDelay(plan.ms)}`
    case 'status':
      return `status ${plan.status}${plan.retryAfter !== undefined ? ` with Retry-After ${plan.retryAfter}` : ''}${delay}`
    case 'partial':
      return `partial body${plan.bytes !== undefined ? ` (${plan.bytes} bytes)` : ''}${delay}`
    case 'drip':
      return `drip (${plan.chunkBytes ?? 16} bytes every ${plan.intervalMs ?? 200} ms)${delay}`
    default:
      return `${plan.kind}${delay}`
  }
}

export function explainDelay(delay: DelaySpec): string {
  if (typeof delay === 'number') return `${delay} ms`
  if ('min' in delay) return `${delay.min}–${delay.max} ms`
  return `~${delay.median} ms (lognormal, sigma ${delay.sigma})`
}

function explainSelector(plan: FaultSelector): string {
  if (plan.operation !== undefined) return plan.operation
  if (plan.path !== undefined) return `${plan.method ?? 'any method'} ${plan.path}`
  if (plan.method !== undefined) return `every ${plan.method.toUpperCase()}`
  return 'every operation'
}
