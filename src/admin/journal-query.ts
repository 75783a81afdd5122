import type { JournalFilter } from '../journal/journal.js'
import { CATALOG, isProblemCode, STEPS } from '../problems/catalog.js'
import { Problem, ProblemError } from '../problems/problem.js'
import { closest } from '../util/closest.js'

/** The longest a `GET /__doorman/journal?count=` may wait: a forgotten wait must not hold a test run (or `close()`) for long. */
export const MAX_WAIT_MS = 60_000
const DEFAULT_WAIT_MS = 5_000

export interface JournalQuery {
  filter: JournalFilter
  /** Keep only the newest `limit` entries. */
  limit?: number
  /** Wait until at least this many entries match (long poll). */
  count?: number
  timeoutMs: number
}

const FILTERS = ['operation', 'method', 'path', 'code', 'step', 'status', 'since', 'limit', 'requestId'] as const
const WAIT = ['count', 'timeoutMs'] as const

/**
 * `?operation=&method=&path=&code=&step=&status=&since=&limit=&requestId=` (and, for the
 * JSON journal, `count=&timeoutMs=`). A filter nobody can match (`status=2OO`,
 * `code=BODY_INVALD`, `stauts=201`) would answer an empty list that reads like
 * "the client sent nothing": it is refused with the reason instead.
 */
export function parseJournalQuery(raw: unknown, { wait, capacity }: { wait: boolean; capacity: number }): JournalQuery {
  const known: readonly string[] = wait ? [...FILTERS, ...WAIT] : FILTERS
  const query = (raw ?? {}) as Record<string, string | string[] | undefined>
  const out: JournalQuery = { filter: {}, timeoutMs: DEFAULT_WAIT_MS }
  for (const [key, value] of Object.entries(query)) {
    if (!known.includes(key)) {
      const guess = closest(key, known)
      const waitOnly = !wait && (WAIT as readonly string[]).includes(key) ? ` (${key} waits for requests: use GET /__doorman/journal)` : ''
      invalid(`unknown query parameter '${key}'${waitOnly}${guess && !waitOnly ? `; did you mean '${guess}'?` : ''} Known: ${known.join(', ')}.`)
    }
    if (typeof value !== 'string')
      invalid(`the query parameter '${key}' is given ${Array.isArray(value) ? `${value.length} times` : 'without a value'}; give it once.`)
    switch (key) {
      case 'operation':
      case 'path':
      case 'requestId':
        out.filter[key] = value
        break
      case 'method':
        // A method is an RFC 9110 token (M-SEARCH, PROPFIND, …).
        if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value)) invalid(`method must be an HTTP method such as GET or POST, got '${value}'.`)
        out.filter.method = value
        break
      case 'code':
        if (!isProblemCode(value)) {
          const guess = closest(value.toUpperCase(), Object.keys(CATALOG))
          invalid(`code must be a problem code from docs/errors.md, got '${value}'${guess ? `; did you mean '${guess}'?` : '.'}`)
        }
        out.filter.code = value
        break
      case 'step':
        if (!(STEPS as readonly string[]).includes(value)) invalid(`step must be one of ${STEPS.join(', ')}, got '${value}'.`)
        out.filter.step = value
        break
      case 'status':
        out.filter.status = integer(key, value, 100, 599)
        break
      case 'since': {
        // An ISO date, or epoch milliseconds as Date.now() gives them.
        const time = /^\d+$/.test(value) ? Number(value) : Date.parse(value)
        if (!Number.isFinite(time)) invalid(`since must be an ISO 8601 time (2026-05-01T12:00:00Z) or epoch milliseconds, got '${value}'.`)
        out.filter.since = time
        break
      }
      case 'limit':
        out.limit = integer(key, value, 0, Number.MAX_SAFE_INTEGER)
        break
      case 'count':
        out.count = integer(key, value, 1, Number.MAX_SAFE_INTEGER)
        // The ring keeps only the newest `capacity` entries: more can never be there at once.
        if (out.count > capacity)
          invalid(`count ${out.count} can never be reached: the journal keeps the newest ${capacity} entries (journal.size in the config).`)
        break
      case 'timeoutMs':
        out.timeoutMs = integer(key, value, 0, MAX_WAIT_MS)
        break
    }
  }
  if (query.timeoutMs !== undefined && out.count === undefined)
    invalid('timeoutMs says how long to wait for count entries: give count too (GET /__doorman/journal?count=3&timeoutMs=2000).')
  return out
}

function integer(key: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    invalid(`${key} must be a whole number ${max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`}, got '${value}'.`)
  }
  return n
}

function invalid(detail: string): never {
  throw new ProblemError(new Problem('ADMIN_QUERY_INVALID', { detail }))
}
