import type { Problem } from '../problems/problem.js'
import type { SchemaError } from '../pipeline/validate-schema.js'

/**
 * One way an exchange broke the contract. `location` says whose fault it is:
 * the client's request (forwarded anyway with --forward-invalid) or the
 * upstream's response. `pointer` is into the body for `part: 'body'`, the
 * header's name for `part: 'header'`, and into the spec otherwise.
 */
export interface Violation {
  location: 'request' | 'response'
  part: 'status' | 'header' | 'content-type' | 'body' | 'path' | 'query' | 'cookie' | 'credentials' | 'route'
  pointer: string
  keyword: string
  message: string
  expected?: unknown
  received?: unknown
}

/** What the proxy learnt about one exchange (`ctx.proxy`, and the journal entry's `proxy`). */
export interface ProxyFacts {
  /** The request went to the upstream (false: refused or faulted before). */
  forwarded: boolean
  /** The upstream's status, when it answered. */
  upstreamStatus: number | undefined
  /** The answer was checked against the documented responses. */
  checked: boolean
  violations: Violation[]
  /** What was not checked, and why (a body too large to validate, XML). */
  notes: string[]
}

export function newProxyFacts(): ProxyFacts {
  return { forwarded: false, upstreamStatus: undefined, checked: false, violations: [], notes: [] }
}

const PART_OF_STEP: Record<string, Violation['part']> = {
  route: 'route',
  auth: 'credentials',
  'content-type': 'content-type',
  'body-size': 'body',
  parse: 'body',
  schema: 'body',
}

/** A refusal the client was spared (--forward-invalid): its schema errors one by one, else the refusal itself. */
export function requestViolations(problem: Problem): Violation[] {
  const errors = problem.extra.errors as SchemaError[] | undefined
  if (Array.isArray(errors) && errors.length > 0) {
    return errors.map((e) => ({
      location: 'request',
      part: e.location,
      pointer: e.pointer,
      keyword: e.keyword,
      message: e.message,
      expected: e.expected,
      received: e.received,
    }))
  }
  return [
    {
      location: 'request',
      part: PART_OF_STEP[problem.step] ?? 'header',
      pointer: '',
      keyword: problem.code,
      message: problem.detail,
      expected: problem.extra.expected,
      received: problem.extra.received,
    },
  ]
}

/** `response body /items/0/id: must be integer, got "x"` — the log line's and the summary's words for one violation. */
export function describeViolation(v: Violation): string {
  const where = v.part === 'body' ? `body ${v.pointer || '(root)'}` : v.part === 'header' ? `header ${v.pointer}` : v.part
  const got = v.received === undefined ? '' : `, got ${short(v.received)}`
  return `${v.location} ${where}: ${v.message}${got}`
}

function short(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}
