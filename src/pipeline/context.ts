import type { FastifyRequest } from 'fastify'
import type { ResolvedConfig } from '../config.js'
import type { Step, ProblemCode } from '../problems/catalog.js'
import type { Problem } from '../problems/problem.js'
import type { Answer } from '../response/answer.js'
import type { LoadedSpec } from '../spec/load-spec.js'
import type { Operation, PathRoute, RouteTable } from '../spec/route-table.js'
import type { Preferences } from './prefer.js'

/** What one request has gathered on its way through the pipeline. */
export interface RequestContext {
  id: string
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
  body: Buffer | undefined
  verdict: { step: Step; code: ProblemCode; detail: string } | undefined
}

/** The mock's state that every stage may read. */
export interface MockState {
  spec: LoadedSpec
  table: RouteTable
  config: ResolvedConfig
}

/** A stage passes (undefined), refuses (Problem) or answers early (Answer, e.g. OPTIONS). */
export type Outcome = Problem | Answer | undefined

export interface Stage {
  name: Step
  /** Header-only stages run before a byte of the body is read (and before `100 Continue`). */
  needsBody: boolean
  run(ctx: RequestContext, request: FastifyRequest, mock: MockState): Outcome | Promise<Outcome>
}
