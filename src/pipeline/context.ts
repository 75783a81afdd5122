import type { FastifyRequest } from 'fastify'
import type { CorsState } from '../cors/preflight.js'
import type { FaultAction, FaultState } from '../faults/action.js'
import type { Step, ProblemCode } from '../problems/catalog.js'
import type { Problem } from '../problems/problem.js'
import type { Answer } from '../response/answer.js'
import type { BodyKind, MediaRule, OperationRules } from '../spec/compile-rules.js'
import type { Operation, PathRoute } from '../spec/route-table.js'
import type { MockState } from '../mock-state.js'
import type { Preferences } from './prefer.js'
import type { ProxyFacts } from '../proxy/violations.js'

/** What one request has gathered on its way through the pipeline. */
export interface RequestContext {
  id: string
  /** The mock's state when the request arrived; a reload (`serve --watch`) swaps in a new one, this request keeps its own. */
  state: MockState
  receivedAt: Date
  /** performance.now() when the request arrived. */
  startedAt: number
  method: string
  /** The request path without the query string, as sent. */
  path: string
  route: PathRoute | undefined
  operation: Operation | undefined
  /** Path parameters by their OpenAPI names, percent-decoded. */
  pathParams: Record<string, string>
  prefer: Preferences
  /** The operation's compiled rules (steps 4–7). */
  rules: OperationRules | undefined
  /** True when the headers announce a body (Content-Length > 0 or Transfer-Encoding). */
  hasBody: boolean
  /** The documented media type the request's Content-Type matched, and the request's own. */
  media: { rule: MediaRule; essence: string; charset: string | undefined; kind: BodyKind } | undefined
  /** Content-Encoding codings, in the order they were applied. */
  encodings: string[]
  /** The raw body bytes as received (after decoding). */
  body: Buffer | undefined
  /** `body` decoded as UTF-8, when the JSON step did it (the journal reuses it rather than decoding again). */
  bodyText?: string
  /** The body parsed for its media type (JSON value, form object, text). */
  parsedBody: unknown
  verdict: { step: Step; code: ProblemCode; detail: string } | undefined
  /** The fault step's decision, when a plan or `Prefer` chose one (src/faults/). */
  fault?: FaultState
  /** performance.now() when the response's status line went out. */
  responseStartedAt?: number
  /** The response body as sent (kept for the journal, which cuts it at `journal.bodyBytes`). */
  responsePayload?: string | Buffer
  /** CORS, for a request that sent `Origin` while `cors` is on (src/cors/preflight.ts). */
  cors?: CorsState
  /** Set once the journal has the entry (a hung request is recorded when its connection closes). */
  recorded?: boolean
  /** `doorman proxy`: forwarded or not, the upstream's status, the violations found (src/proxy/). */
  proxy?: ProxyFacts
  /** `doorman proxy`: the body as it came on the wire when it came compressed (`body` is decoded), to forward as it was. */
  proxyWireBody?: Buffer
  /** `doorman proxy`: the body streams on to the upstream as it arrives (types checked for content type and size only). */
  streamed?: boolean
}

/** A stage passes (undefined), refuses (Problem), answers early (Answer, e.g. OPTIONS) or breaks the connection (FaultAction). */
export type Outcome = Problem | Answer | FaultAction | undefined

export interface Stage {
  name: Step
  /** Header-only stages run before a byte of the body is read (and before `100 Continue`). */
  needsBody: boolean
  run(ctx: RequestContext, request: FastifyRequest, mock: MockState): Outcome | Promise<Outcome>
}

/** The context a mock request carries from its onRequest hook on; a request without one never reached the pipeline. */
export function contextOf(request: FastifyRequest): RequestContext {
  if (request.doorman === null) throw new Error(`doorman bug: ${request.method} ${request.url} has no request context`)
  return request.doorman
}

/** The operation the route step matched: the stages after it run only once there is one. */
export function matchedOperation(ctx: RequestContext): Operation {
  if (ctx.operation === undefined) throw new Error(`doorman bug: a stage after the route step ran on ${ctx.method} ${ctx.path} with no operation`)
  return ctx.operation
}

/** The matched operation's compiled rules: compileRules makes them for every operation the route step can match. */
export function matchedRules(ctx: RequestContext): OperationRules {
  if (ctx.rules === undefined) throw new Error(`doorman bug: a stage after the route step ran on ${ctx.method} ${ctx.path} with no compiled rules`)
  return ctx.rules
}

/** The route the router found: the hooks set it before the first stage runs. */
export function matchedRoute(ctx: RequestContext): PathRoute {
  if (ctx.route === undefined) throw new Error(`doorman bug: the route step ran on ${ctx.method} ${ctx.path} before the router found a route`)
  return ctx.route
}
