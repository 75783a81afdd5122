import type { Preferences } from '../pipeline/prefer.js'
import { Problem } from '../problems/problem.js'
import { closest } from '../util/closest.js'
import { SOCKET_FAULT_KINDS, type SocketFaultKind } from './action.js'
import { MAX_DELAY_MS, type FaultPlan } from './plan.js'

/** What a person asked for with `Prefer: fault=…, delay=…, code=…, retry-after=…`. */
export interface PreferredFault {
  /** The acting fault: a socket kind or a status; undefined for a delay alone. */
  plan: FaultPlan | undefined
  delayMs: number
  /** The tokens honoured, for `Preference-Applied`. */
  applied: string[]
}

/** Statuses `Prefer: code=` turns into a status fault; other codes are the respond step's (documented answers). */
const FAULT_STATUS = /^(429|5[0-9]{2})$/

/**
 * Reads the fault preferences. Undefined when there are none; a Problem
 * (400 FAULT_PREFER_INVALID) for a value doorman cannot honour, since a
 * person with curl would otherwise wonder why nothing happened.
 */
export function preferredFault(prefs: Preferences): PreferredFault | Problem | undefined {
  const fault = prefs.get('fault')
  const delay = prefs.get('delay')
  const code = prefs.get('code')
  const retryAfter = prefs.get('retry-after')
  const status = code !== undefined && FAULT_STATUS.test(code) ? Number(code) : undefined
  if (fault === undefined && delay === undefined && status === undefined) {
    if (retryAfter !== undefined)
      return invalid(`Prefer: retry-after=${retryAfter} goes with a status fault; add code=503 (or 429, 5xx).`, 'retry-after', retryAfter)
    return undefined
  }
  const applied: string[] = []
  let plan: FaultPlan | undefined

  if (fault !== undefined) {
    const kind = fault.toLowerCase()
    if (!SOCKET_FAULT_KINDS.includes(kind as SocketFaultKind)) {
      const instead = kind === 'delay' ? ' For a slow answer send delay=<ms>.' : kind === 'status' ? ' For an error status send code=503 (or 429, 5xx).' : ''
      const guess = instead ? undefined : closest(kind, SOCKET_FAULT_KINDS)
      return invalid(
        `Prefer: fault=${fault} is not a fault doorman knows${guess ? `; did you mean fault=${guess}?` : '.'}${instead} Faults: ${SOCKET_FAULT_KINDS.join(', ')}.`,
        'fault',
        fault,
      )
    }
    if (status !== undefined) {
      return invalid(`Prefer: fault=${fault} and code=${code} ask for two different failures; send one of them.`, 'fault', fault)
    }
    plan = { kind } as FaultPlan
    applied.push(`fault=${kind}`)
  }

  if (status !== undefined) {
    let after: number | undefined
    if (retryAfter !== undefined) {
      after = Number(retryAfter)
      if (!/^[0-9]{1,6}$/.test(retryAfter))
        return invalid(`Prefer: retry-after=${retryAfter} must be a whole number of seconds, e.g. retry-after=2.`, 'retry-after', retryAfter)
      applied.push(`retry-after=${after}`)
    }
    plan = { kind: 'status', status, ...(after === undefined ? {} : { retryAfter: after }) }
    applied.unshift(`code=${status}`)
  } else if (retryAfter !== undefined) {
    return invalid(`Prefer: retry-after=${retryAfter} goes with a status fault; add code=503 (or 429, 5xx).`, 'retry-after', retryAfter)
  }

  let delayMs = 0
  if (delay !== undefined) {
    delayMs = Number(delay)
    if (!/^[0-9]+$/.test(delay) || delayMs > MAX_DELAY_MS) {
      return invalid(`Prefer: delay=${delay} must be a whole number of milliseconds from 0 to ${MAX_DELAY_MS}, e.g. delay=3000.`, 'delay', delay)
    }
    applied.push(`delay=${delayMs}`)
  }
  return { plan, delayMs, applied }
}

function invalid(detail: string, preference: string, received: string): Problem {
  return new Problem('FAULT_PREFER_INVALID', {
    detail,
    extra: {
      preference,
      received,
      expected: ['fault=hang|reset|close|partial|garbage|drip', 'delay=<ms>', 'code=<429 or 5xx>', 'retry-after=<seconds>'],
    },
  })
}
