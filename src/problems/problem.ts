import { STATUS_CODES } from 'node:http'
import { CATALOG, type ProblemCode, type Step } from './catalog.js'

export const PROBLEM_MEDIA_TYPE = 'application/problem+json'

/** Everything a refusal says beyond what the catalog fixes (status, title, step). */
export interface ProblemInit {
  detail: string
  /** Overrides the catalog status where the spec documents another one (e.g. 400 instead of 422). */
  status?: number
  headers?: Record<string, string>
  /** Extension members (RFC 9457 §3.2): expected, received, errors, allowed, ... */
  extra?: Record<string, unknown>
}

/** A refusal on its way to the client: the verdict of one pipeline step. */
export class Problem {
  readonly code: ProblemCode
  readonly status: number
  readonly step: Step
  readonly detail: string
  readonly headers: Record<string, string>
  readonly extra: Record<string, unknown>

  constructor(code: ProblemCode, init: ProblemInit) {
    const entry = CATALOG[code]
    this.code = code
    this.status = init.status ?? entry.status
    this.step = entry.step
    this.detail = init.detail
    this.headers = init.headers ?? {}
    this.extra = init.extra ?? {}
  }

  /** The JSON of `toJSON(origin, instance, requestId)`, from the parts that do not change per request, made once. */
  serialize(origin: string, instance: string, requestId: string): string {
    if (this.#parts === undefined) {
      // An extension named like a standard member would take that member's place (object spread keeps the first key's
      // place), and one named like an array index would go first (as in any object): those are built whole.
      if (Object.keys(this.extra).some((key) => STANDARD_MEMBERS.has(key) || ARRAY_INDEX.test(key))) {
        return JSON.stringify(this.toJSON(origin, instance, requestId))
      }
      const middle = JSON.stringify({ title: statusTitle(this.status), status: this.status, detail: this.detail })
      const tail = JSON.stringify({ code: this.code, step: this.step, ...this.extra })
      this.#parts = { middle: `,${middle.slice(1, -1)},"instance":`, tail: `,${tail.slice(1, -1)},"requestId":` }
    }
    const { middle, tail } = this.#parts
    return `{"type":${JSON.stringify(problemTypeUri(origin, this.code))}${middle}${JSON.stringify(instance)}${tail}${JSON.stringify(requestId)}}`
  }

  // A refusal a step reuses (a 401, a 403, a 415) is sent thousands of times: its JSON is assembled, not stringified anew.
  #parts: { middle: string; tail: string } | undefined

  /** The RFC 9457 body. `origin` is the scheme://host the client used, so `type` resolves on this mock. */
  toJSON(origin: string, instance: string, requestId: string): Record<string, unknown> {
    return {
      type: problemTypeUri(origin, this.code),
      title: statusTitle(this.status),
      status: this.status,
      detail: this.detail,
      instance,
      code: this.code,
      step: this.step,
      ...this.extra,
      requestId,
    }
  }
}

const STANDARD_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'instance', 'code', 'step', 'requestId'])
const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/

/** A Problem thrown through code that expects an Error (fastify's content-type parser, the admin routes). */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail)
  }
}

export function problemTypeUri(origin: string, code: ProblemCode): string {
  return `${origin}/__doorman/problems/${code}`
}

/** RFC 9110 reason phrases; Node still knows a few by their older names. */
const TITLES: Record<number, string> = {
  413: 'Content Too Large',
  422: 'Unprocessable Content',
}

export function statusTitle(status: number): string {
  return TITLES[status] ?? STATUS_CODES[status] ?? `Status ${status}`
}
