import { performance } from 'node:perf_hooks'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { RequestContext } from '../pipeline/context.js'
import type { Step } from '../problems/catalog.js'
import type { FaultKind } from '../faults/plan.js'
import type { FaultSource } from '../faults/registry.js'
import { tlsFactsOf, type TlsFacts } from '../tls/facts.js'
import type { JournalCors } from '../cors/preflight.js'
import type { ProxyFacts, Violation } from '../proxy/violations.js'

/** The fault a journal entry went through. */
export interface JournalFault {
  /** The acting kind, or 'delay' when the answer was only slowed down. */
  kind: FaultKind
  source: FaultSource
  /** The plans applied, each with the attempt it was for that plan (1 = the first request it took). */
  plans: Array<{ id: string; kind: FaultKind; attempt: number }>
  delayMs: number
  explain: string
}

/** The connection-level facts of one request: what the report reads to judge the client. */
export interface ClientFacts {
  /** Which connection carried the request: 1, 2, … one number per socket (keep-alive reuses it). */
  connection: number
  fault: JournalFault | undefined
  /** ms after arrival when the status line went out; undefined when it never did. */
  responseStartMs: number | undefined
  /** ms after arrival when the last byte went out; undefined when the response never finished. */
  responseEndMs: number | undefined
  /** ms after arrival when the client closed the connection before the response finished. */
  clientGaveUpMs: number | undefined
  /** The Retry-After the response carried. */
  retryAfter: string | undefined
  /** Over HTTPS: the listener's mode, the protocol, SNI and the client certificate (src/tls/facts.ts). */
  tls?: TlsFacts
  /** For a request that sent `Origin`: whether the origin may read the answer, and for a preflight what it asked (docs/cors.md). */
  cors?: JournalCors
  /** `doorman proxy`: whether the request reached the upstream, its status, and what was not checked (docs/proxy.md). */
  proxy?: Omit<ProxyFacts, 'violations'>
  /** `doorman proxy`: how the request (with --forward-invalid) and the upstream's answer broke the contract. */
  violations?: Violation[]
}

const connections = new WeakMap<object, number>()
let nextConnection = 1

export function connectionId(socket: object | undefined): number {
  if (!socket) return 0
  let id = connections.get(socket)
  if (id === undefined) connections.set(socket, (id = nextConnection++))
  return id
}

/**
 * The journal fields about the connection and the fault, plus what a fault
 * changes in the entry: status 0 when no HTTP response was ever sent, step
 * 'fault', and a detail saying what happened on the wire.
 */
export function clientFacts(
  ctx: RequestContext,
  request: FastifyRequest,
  reply: FastifyReply,
): { status: number; step: Step | undefined; detail: string | undefined; fields: ClientFacts } {
  const now = performance.now()
  const since = (t: number | undefined) => (t === undefined ? undefined : Math.round((t - ctx.startedAt) * 100) / 100)
  const fault = ctx.fault
  const gaveUpMs = since(fault?.clientGaveUpAt)
  const retryAfter = reply.getHeader('retry-after')
  const fields: ClientFacts = {
    connection: connectionId(request.raw.socket),
    fault: fault && { kind: fault.kind, source: fault.source, plans: fault.plans, delayMs: fault.delayMs, explain: fault.explain },
    responseStartMs: since(ctx.responseStartedAt),
    responseEndMs: reply.raw.writableFinished ? since(now) : undefined,
    clientGaveUpMs: gaveUpMs,
    retryAfter: retryAfter === undefined ? undefined : String(retryAfter),
    tls: tlsFactsOf(request.raw.socket),
  }
  if (ctx.cors !== undefined) fields.cors = ctx.cors.journal
  if (ctx.proxy !== undefined) {
    const { violations, ...proxy } = ctx.proxy
    fields.proxy = proxy
    fields.violations = violations
  }
  if (!fault) return { status: reply.statusCode, step: undefined, detail: undefined, fields }
  const ending =
    gaveUpMs !== undefined
      ? `; the client gave up after ${Math.round(gaveUpMs)} ms`
      : fault.serverEnded && (fault.kind === 'hang' || fault.kind === 'drip' || fault.kind === 'delay')
        ? '; the server closed the connection first'
        : ''
  return {
    status: fault.noResponse ? 0 : reply.statusCode,
    step: fault.kind === 'delay' ? undefined : 'fault',
    detail: `${fault.explain}${ending}`,
    fields,
  }
}
