import type { FaultKind, FaultPlan } from './plan.js'
import type { FaultSource } from './registry.js'

/** The kinds carried out on the socket itself, outside fastify's reply. */
export type SocketFaultKind = 'hang' | 'reset' | 'close' | 'partial' | 'garbage' | 'drip'
export const SOCKET_FAULT_KINDS: readonly SocketFaultKind[] = ['hang', 'reset', 'close', 'partial', 'garbage', 'drip']

/** What the fault step decided for one request (`ctx.fault`), and what happened to it on the wire. */
export interface FaultState {
  /** The acting kind, or 'delay' when the request is only slowed down. */
  kind: FaultKind
  source: FaultSource
  /** The plans applied (an acting one and/or a delay one), each with the attempt it was for that plan. */
  plans: Array<{ id: string; kind: FaultKind; attempt: number }>
  /** Waited before the answer (or the fault) goes out. */
  delayMs: number
  /** `Prefer` tokens honoured, for `Preference-Applied`. */
  applied: string[]
  /** One sentence for the journal, the log line and the report. */
  explain: string
  /** No HTTP response is ever sent (hang, reset, close, garbage): the journal records status 0. */
  noResponse: boolean
  /** The mock ended the connection itself (reset, close, garbage, partial) or was shutting down. */
  serverEnded: boolean
  /** Set when POST /__doorman/reset (mock.reset()) ended the held request. */
  endedByReset?: boolean
  /** performance.now() when the client closed the connection before the response finished. */
  clientGaveUpAt: number | undefined
  /** Aborted when the connection goes: cancels pending delays and drips. */
  abort: AbortController
  watched: boolean
}

/** A response computed up front for the kinds that send part of one (partial, drip). */
export interface RenderedResponse {
  status: number
  headers: Record<string, string>
  body: Buffer
}

/** A pipeline outcome, like Answer and Problem: a socket-level fault that the fault runtime (src/faults/runtime.ts) carries out. */
export class FaultAction {
  constructor(
    readonly kind: SocketFaultKind,
    /** The plan's parameters (`bytes`, `chunkBytes`, `text`, …). */
    readonly plan: FaultPlan,
    readonly response: RenderedResponse | undefined,
  ) {}
}
