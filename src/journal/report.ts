/**
 * How the clients behaved, read from the journal: per operation, the
 * attempts, the waits between retries (is it backing off? by what factor?
 * with jitter?), whether `Retry-After` was honoured, how long the client
 * waits on a hung request before giving up, and whether it retries a POST
 * without an `Idempotency-Key`. `GET /__doorman/report` and `mock.report()`.
 */
import type { InFlightRequest } from '../faults/runtime.js'
import type { JournalEntry } from './journal.js'
import { buildTlsReport, formatTlsReport, type TlsReport } from '../tls/report.js'
import { buildProxyReport, formatProxyReport, type ProxyReport } from '../proxy/report.js'
import type { Operation } from '../spec/route-table.js'

export interface AttemptReport {
  requestId: string
  /** ISO time it arrived. */
  time: string
  connection: number
  /** 0 when no HTTP response was sent (hang, reset, close, garbage). */
  status: number
  /** What the client got, in a few words. */
  outcome: string
  /** A failure a client may retry: 5xx, 429, 408, a broken or hung connection, a body cut off. */
  failed: boolean
  fault: { kind: string; plan: string | undefined; attempt: number | undefined } | undefined
  /** For a retry (an attempt after a failed one): ms between the end of the failed attempt and this one's arrival. */
  waitedMs: number | undefined
  /** The Retry-After this attempt's response advertised, in ms. */
  retryAfterMs: number | undefined
  clientGaveUpMs: number | undefined
  idempotencyKey: string | undefined
}

export type BackoffShape = 'none' | 'single' | 'immediate' | 'constant' | 'growing' | 'exponential' | 'shrinking'

export interface OperationReport {
  operation: string
  method: string
  path: string
  attempts: AttemptReport[]
  /** Attempts that followed a failed one. */
  retries: number
  /** The wait before each retry, in ms (see AttemptReport.waitedMs). */
  gapsMs: number[]
  backoff: {
    shape: BackoffShape
    /** Geometric mean of successive gap ratios (2 = each wait doubles); undefined with fewer than two retries. */
    factor: number | undefined
    /** Gaps vary beyond 10% of what the shape predicts; undefined when too few retries to tell. */
    jitter: boolean | undefined
    explain: string
  }
  retryAfter: {
    verdict: 'honoured' | 'ignored' | 'partly' | 'not-retried' | 'not-advertised'
    checks: Array<{ requestId: string; advertisedMs: number; waitedMs: number; honoured: boolean }>
    explain: string
  }
  timeout: {
    verdict: 'gave-up' | 'no-timeout' | 'not-observed'
    /** How long the client waited on a hung request before closing (median over hangs, else over every give-up). */
    effectiveMs: number | undefined
    gaveUpMs: number[]
    explain: string
  }
  idempotency: {
    verdict: 'unsafe' | 'ok' | 'not-applicable'
    /** POST/PATCH retries sent without an Idempotency-Key header. */
    retriesWithoutKey: number
    /** Retries whose Idempotency-Key differs from the failed attempt's (a new key defeats the purpose). */
    keyChanged: number
    explain: string
  }
  inFlight: number
  /** The sentences above, for people. */
  verdicts: string[]
}

export interface ClientReport {
  generatedAt: string
  requests: number
  operations: OperationReport[]
  /** Requests a fault is still holding (hung, dripping, delayed). */
  inFlight: InFlightRequest[]
  /** Over HTTPS: per listener, the handshakes refused and the requests sent anyway (src/tls/report.ts). */
  tls?: TlsReport
  /** `doorman proxy`: per operation, requests forwarded, answers checked, violations by kind, statuses seen vs documented (src/proxy/report.ts). */
  proxy?: ProxyReport
}

/** Waits are measured on the server's clock, rounded to the millisecond at both ends. */
const TOLERANCE_MS = 10
const IMMEDIATE_MS = 50
const NOT_IDEMPOTENT = new Set(['POST', 'PATCH'])

export function buildReport(entries: JournalEntry[], inFlight: InFlightRequest[], now = new Date(), documented: Operation[] = []): ClientReport {
  const byOperation = new Map<string, JournalEntry[]>()
  for (const entry of entries) {
    if (entry.operation === undefined) continue
    const list = byOperation.get(entry.operation) ?? []
    list.push(entry)
    byOperation.set(entry.operation, list)
  }
  const operations = [...byOperation.entries()].map(([operation, list]) =>
    judgeOperation(
      operation,
      list,
      inFlight.filter((r) => r.operation === operation),
    ),
  )
  const tls = buildTlsReport(entries)
  // A failed handshake (no method) carried no request.
  const requests = tls ? entries.filter((entry) => entry.method !== '').length : entries.length
  const proxy = buildProxyReport(entries, documented)
  return { generatedAt: now.toISOString(), requests, operations, inFlight, ...(tls && { tls }), ...(proxy && { proxy }) }
}

function judgeOperation(operation: string, entries: JournalEntry[], inFlight: InFlightRequest[]): OperationReport {
  const sorted = [...entries].sort((a, b) => Date.parse(a.time) - Date.parse(b.time))
  const attempts: AttemptReport[] = []
  sorted.forEach((entry, i) => {
    const previous = i > 0 ? attempts[i - 1] : undefined
    const waitedMs = previous?.failed ? Math.round(Date.parse(entry.time) - endOf(sorted[i - 1])) : undefined
    attempts.push({
      requestId: entry.requestId,
      time: entry.time,
      connection: entry.connection,
      status: entry.status,
      outcome: outcomeOf(entry),
      failed: isFailure(entry),
      fault: entry.fault && { kind: entry.fault.kind, plan: entry.fault.plans[0]?.id, attempt: entry.fault.plans[0]?.attempt },
      waitedMs,
      retryAfterMs: retryAfterMs(entry.retryAfter, endOf(entry)),
      clientGaveUpMs: entry.clientGaveUpMs,
      idempotencyKey: header(entry, 'idempotency-key'),
    })
  })
  const retries = attempts.filter((a) => a.waitedMs !== undefined)
  const gapsMs = retries.flatMap((a) => (a.waitedMs === undefined ? [] : [a.waitedMs]))
  const report: OperationReport = {
    operation,
    method: sorted[0].method,
    path: sorted[0].path,
    attempts,
    retries: retries.length,
    gapsMs,
    backoff: judgeBackoff(gapsMs),
    retryAfter: judgeRetryAfter(attempts),
    timeout: judgeTimeout(sorted),
    idempotency: judgeIdempotency(sorted[0].method, attempts),
    inFlight: inFlight.length,
    verdicts: [],
  }
  report.verdicts = [report.backoff.explain, report.retryAfter.explain, report.timeout.explain, report.idempotency.explain]
  if (inFlight.length > 0) report.verdicts.push(`${inFlight.length} request${inFlight.length === 1 ? ' is' : 's are'} still in flight (held by a fault)`)
  return report
}

function judgeBackoff(gaps: number[]): OperationReport['backoff'] {
  const shown = gaps.map(ms).join(', ')
  if (gaps.length === 0) return { shape: 'none', factor: undefined, jitter: undefined, explain: 'never retried after a failure' }
  if (gaps.every((g) => g < IMMEDIATE_MS)) {
    return {
      shape: 'immediate',
      factor: undefined,
      jitter: undefined,
      explain: `retried ${times(gaps.length)} without waiting (${shown}): no backoff, a struggling server gets hammered`,
    }
  }
  if (gaps.length === 1) {
    return { shape: 'single', factor: undefined, jitter: undefined, explain: `retried once, after ${shown}; a second retry would show the backoff's shape` }
  }
  const ratios = gaps.slice(1).map((g, i) => g / Math.max(gaps[i], 1))
  const factor = Math.round(Math.exp(ratios.reduce((sum, r) => sum + Math.log(Math.max(r, 1e-6)), 0) / ratios.length) * 100) / 100
  const shape: BackoffShape = factor >= 1.5 ? 'exponential' : factor >= 1.15 ? 'growing' : factor <= 0.87 ? 'shrinking' : 'constant'
  // Jitter: the spread of what should be steady (the ratios of a growing backoff, the gaps of a constant one).
  const steady = shape === 'constant' ? gaps : ratios
  const jitter = steady.length < 2 ? undefined : spread(steady) > 0.1
  const jitterText = jitter === undefined ? 'jitter cannot be told from two retries' : jitter ? 'with jitter' : 'without jitter'
  const explain =
    shape === 'exponential' || shape === 'growing'
      ? `backs off ${shape === 'exponential' ? 'exponentially' : 'with growing waits'}, factor ${factor} (${shown}), ${jitterText}`
      : shape === 'constant'
        ? `retries at a constant interval (${shown}), ${jitterText}`
        : `waits less and less between retries (${shown}, factor ${factor})`
  return { shape, factor, jitter, explain }
}

function judgeRetryAfter(attempts: AttemptReport[]): OperationReport['retryAfter'] {
  const checks: OperationReport['retryAfter']['checks'] = []
  let advertised = 0
  attempts.forEach((attempt, i) => {
    if (attempt.retryAfterMs === undefined || !attempt.failed) return
    advertised++
    const next = attempts[i + 1]
    if (next?.waitedMs === undefined) return
    checks.push({
      requestId: next.requestId,
      advertisedMs: attempt.retryAfterMs,
      waitedMs: next.waitedMs,
      honoured: next.waitedMs >= attempt.retryAfterMs - TOLERANCE_MS,
    })
  })
  if (checks.length === 0) {
    return advertised === 0
      ? { verdict: 'not-advertised', checks, explain: 'no failed answer advertised Retry-After' }
      : { verdict: 'not-retried', checks, explain: `Retry-After was advertised ${times(advertised)} but the client did not retry after it` }
  }
  const honoured = checks.filter((c) => c.honoured).length
  const list = checks.map((c) => `waited ${ms(c.waitedMs)} ${c.honoured ? '>=' : '<'} ${ms(c.advertisedMs)}`).join(', ')
  if (honoured === checks.length) return { verdict: 'honoured', checks, explain: `honoured Retry-After ${times(checks.length)} (${list})` }
  if (honoured === 0) return { verdict: 'ignored', checks, explain: `ignored Retry-After: retried too early ${times(checks.length)} (${list})` }
  return { verdict: 'partly', checks, explain: `honoured Retry-After ${honoured} of ${checks.length} times (${list})` }
}

function judgeTimeout(entries: JournalEntry[]): OperationReport['timeout'] {
  const gaveUp = entries.filter((e): e is JournalEntry & { clientGaveUpMs: number } => e.clientGaveUpMs !== undefined)
  const hangs = entries.filter((e) => e.fault?.kind === 'hang')
  const onHangs = gaveUp.filter((e) => e.fault?.kind === 'hang')
  const gaveUpMs = gaveUp.map((e) => Math.round(e.clientGaveUpMs))
  if (gaveUp.length === 0) {
    return hangs.length > 0
      ? {
          verdict: 'no-timeout',
          effectiveMs: undefined,
          gaveUpMs,
          explain: `never gave up on ${times(hangs.length, 'hung request')}: the client seems to have no read timeout`,
        }
      : { verdict: 'not-observed', effectiveMs: undefined, gaveUpMs, explain: 'never gave up on a request' }
  }
  const basis = onHangs.length > 0 ? onHangs : gaveUp
  const effectiveMs = Math.round(median(basis.map((e) => e.clientGaveUpMs)))
  const what = onHangs.length > 0 ? `a hung request` : 'a slow answer'
  return {
    verdict: 'gave-up',
    effectiveMs,
    gaveUpMs,
    explain: `gave up on ${what} after about ${(effectiveMs / 1000).toFixed(1)} s (${gaveUpMs.map(ms).join(', ')}): its effective timeout`,
  }
}

function judgeIdempotency(method: string, attempts: AttemptReport[]): OperationReport['idempotency'] {
  const retries = attempts.map((a, i) => ({ a, previous: attempts[i - 1] })).filter(({ a }) => a.waitedMs !== undefined)
  if (!NOT_IDEMPOTENT.has(method) || retries.length === 0) {
    return { verdict: 'not-applicable', retriesWithoutKey: 0, keyChanged: 0, explain: `${method} retries need no Idempotency-Key` }
  }
  const withoutKey = retries.filter(({ a }) => a.idempotencyKey === undefined).length
  const keyChanged = retries.filter(
    ({ a, previous }) => a.idempotencyKey !== undefined && previous?.idempotencyKey !== undefined && a.idempotencyKey !== previous.idempotencyKey,
  ).length
  if (withoutKey > 0) {
    return {
      verdict: 'unsafe',
      retriesWithoutKey: withoutKey,
      keyChanged,
      explain: `retried ${method} ${times(withoutKey)} without an Idempotency-Key: a retry after a lost answer can do the work twice`,
    }
  }
  if (keyChanged > 0) {
    return {
      verdict: 'unsafe',
      retriesWithoutKey: 0,
      keyChanged,
      explain: `changed the Idempotency-Key on ${times(keyChanged, 'retry', 'retries')}: the server cannot tell it is the same request`,
    }
  }
  return { verdict: 'ok', retriesWithoutKey: 0, keyChanged: 0, explain: `every ${method} retry kept its Idempotency-Key` }
}

/** When the attempt ended for the client: its answer finished, it gave up, or the connection died. */
function endOf(entry: JournalEntry): number {
  return Date.parse(entry.time) + (entry.clientGaveUpMs ?? entry.durationMs)
}

function isFailure(entry: JournalEntry): boolean {
  if (entry.clientGaveUpMs !== undefined) return true
  if (entry.fault?.kind === 'partial') return true
  return entry.status === 0 || entry.status >= 500 || entry.status === 429 || entry.status === 408
}

function outcomeOf(entry: JournalEntry): string {
  const gaveUp = entry.clientGaveUpMs === undefined ? '' : `; the client gave up after ${ms(entry.clientGaveUpMs)}`
  const delayed = entry.fault && entry.fault.delayMs > 0 ? ` after a ${ms(entry.fault.delayMs)} delay` : ''
  switch (entry.fault?.kind) {
    case 'hang':
      return `hang${gaveUp || '; the server closed it'}`
    case 'reset':
      return `reset (TCP RST)${delayed}`
    case 'close':
      return `closed without an answer${delayed}`
    case 'garbage':
      return `garbage bytes, then closed${delayed}`
    case 'partial':
      return `${entry.status}, body cut off${delayed}`
    case 'drip':
      return `${entry.status}, body dripped${gaveUp}`
    case 'status':
      return `${entry.status} status fault${entry.retryAfter ? ` (Retry-After ${entry.retryAfter})` : ''}${delayed}`
    default:
      return `${entry.status}${entry.code ? ` ${entry.code}` : ''}${delayed}${gaveUp}`
  }
}

/** Retry-After in ms: delay-seconds, or an HTTP date counted from when the answer went out. */
function retryAfterMs(value: string | undefined, sentAt: number): number | undefined {
  if (value === undefined) return undefined
  if (/^\s*[0-9]+\s*$/.test(value)) return Number(value) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - sentAt)
}

function header(entry: JournalEntry, name: string): string | undefined {
  const value = entry.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Coefficient of variation: standard deviation over mean. */
function spread(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  if (mean === 0) return 0
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length
  return Math.sqrt(variance) / mean
}

function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`
}

function times(n: number, one = 'time', many = `${one}s`): string {
  if (one === 'time') return n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`
  return `${n} ${n === 1 ? one : many}`
}

/** The report for people: `Accept: text/plain`. */
export function formatReport(report: ClientReport): string {
  const lines = [
    `doorman client report, ${report.generatedAt}: ${report.requests} requests, ${report.operations.length} operations, ${report.inFlight.length} in flight`,
  ]
  for (const op of report.operations) {
    lines.push('', `${op.operation} (${op.method} ${op.path}): ${op.attempts.length} attempts, ${op.retries} retries`)
    op.attempts.forEach((a, i) => {
      const wait = a.waitedMs === undefined ? '' : `  waited ${ms(a.waitedMs)}`
      const plan = a.fault?.plan ? `  [plan ${a.fault.plan}, attempt ${a.fault.attempt}]` : a.fault ? '  [Prefer]' : ''
      lines.push(`  #${i + 1} ${a.time.slice(11, 23)} conn ${a.connection}  ${a.outcome}${wait}${plan}`)
    })
    for (const verdict of op.verdicts) lines.push(`  - ${verdict}`)
  }
  if (report.inFlight.length > 0) {
    lines.push('', 'in flight:')
    for (const r of report.inFlight) lines.push(`  ${r.requestId} ${r.method} ${r.path} for ${ms(r.ageMs)}: ${r.explain}`)
  }
  if (report.tls) lines.push(...formatTlsReport(report.tls))
  if (report.proxy) lines.push(...formatProxyReport(report.proxy))
  return lines.join('\n') + '\n'
}
