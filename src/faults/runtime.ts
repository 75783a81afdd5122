import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Recorder } from '../journal/record.js'
import { contextOf, type RequestContext } from '../pipeline/context.js'
import { applyCorsHeaders } from '../cors/policy.js'
import type { FaultAction, FaultState } from './action.js'
import { SOCKET_FAULTS, type FaultIO } from './kinds.js'
import { FaultPlanError, validateFaultPlans, type FaultPlan } from './plan.js'
import type { FaultPlans } from './plans.js'
import type { FaultPlanStatus } from './registry.js'

/** A request a fault is still holding (hung, dripping, delayed). */
export interface InFlightRequest {
  requestId: string
  operation: string | undefined
  method: string
  path: string
  /** ISO time it arrived. */
  time: string
  ageMs: number
  fault: string
  explain: string
}

/** What `startServer()` returns as `mock.faults`. */
export interface FaultsApi {
  /** Adds one plan or several (all or none); throws FaultPlanError naming the bad field. */
  add(plan: FaultPlan | FaultPlan[]): FaultPlanStatus[]
  /** The plans in force, in order, with their counters. */
  list(): FaultPlanStatus[]
  /** Removes one plan by id; false when there is none. */
  remove(id: string): boolean
  /** Removes every plan, the config's and the spec's too (until `reset()`). */
  clear(): void
}

/**
 * The fault machinery of one server, for its whole life: the fastify hooks
 * that delay answers, carry out socket-level faults and notice clients giving
 * up. The plans themselves are data in the mock's state (src/faults/plans.ts);
 * a reload swaps them, this runtime stays.
 */
export class FaultRuntime {
  readonly api: FaultsApi
  #closing = false
  #inFlight = new Map<string, { ctx: RequestContext; fault: FaultState }>()
  /** The connections of those requests: a closing mock ends them, as a broken network would (they would hold close() forever). */
  #held = new Set<Socket>()
  #record: Recorder | undefined

  constructor(private readonly plans: () => FaultPlans) {
    this.api = {
      add: (plan) => this.add(plan, 'library'),
      list: () => this.plans().registry.list(),
      remove: (id) => this.plans().registry.remove(id),
      clear: () => this.plans().registry.clear(),
    }
  }

  /**
   * Adds one plan, or a list (all or none), from the admin API or the library.
   * Error pointers name the field: `/retryAfter` for one plan, `/1/retryAfter` in a list.
   */
  add(input: unknown, source: 'admin' | 'library'): FaultPlanStatus[] {
    const single = !Array.isArray(input)
    try {
      return this.plans().registry.add(validateFaultPlans(single ? [input] : (input as unknown[])), source)
    } catch (error) {
      if (!single || !(error instanceof FaultPlanError)) throw error
      const pointer = error.pointer.replace(/^\/0/, '')
      throw new FaultPlanError(`${pointer || '/'}${error.message.slice(error.pointer.length || 1)}`, pointer)
    }
  }

  /**
   * Hooks into the app: delays every answer that has a fault, keeps the
   * payload that finally goes out for the journal's `response.body` (one
   * onSend hook for both: each hook costs every answer), and notices the
   * server closing (src/graceful-close.ts): answers sent from then on close
   * their connection, and the connections faults hold are ended.
   */
  install(app: FastifyInstance, record: Recorder): void {
    this.#record = record
    app.addHook('onSend', (request, reply, payload, done) => {
      if (this.#closing) reply.header('connection', 'close')
      const ctx = request.doorman
      if (!ctx) return done(null, payload)
      // A page on another origin may read the answer (src/cors/): here, where every answer passes, refusals included.
      if (ctx.cors?.headers !== undefined)
        applyCorsHeaders(
          (name, value) => reply.header(name, value),
          (name) => reply.getHeader(name),
          ctx.cors.headers,
        )
      // Streams are not read (doorman sends none).
      if (typeof payload === 'string' || Buffer.isBuffer(payload)) ctx.responsePayload = payload
      const fault = ctx.fault
      if (fault) {
        if (fault.applied.length > 0) appendPreferenceApplied(reply, fault.applied)
        if (fault.delayMs > 0) {
          this.watch(request, reply, ctx, fault)
          // wait() never rejects.
          void wait(fault.delayMs, fault.abort.signal).then(() => {
            ctx.responseStartedAt = performance.now()
            done(null, payload)
          })
          return
        }
      }
      ctx.responseStartedAt = performance.now()
      done(null, payload)
    })
    app.addHook('preClose', (done) => {
      // Connections still open now are closed by the server, not given up on by their clients.
      this.#closing = true
      for (const socket of this.#held) socket.destroy()
      done()
    })
  }

  /** Takes the reply away from fastify and breaks the connection the way the plan says. */
  carryOut(reply: FastifyReply, action: FaultAction): FastifyReply {
    const request = reply.request
    const ctx = contextOf(request)
    const fault = ctx.fault
    if (fault === undefined) throw new Error(`doorman bug: a ${action.kind} fault on ${ctx.method} ${ctx.path} without the fault step's decision`)
    reply.hijack()
    // A partial or dripping answer is still one a page on another origin may read: its CORS headers go first.
    if (ctx.cors?.headers !== undefined)
      applyCorsHeaders(
        (name, value) => reply.raw.setHeader(name, value),
        (name) => reply.raw.getHeader(name),
        ctx.cors.headers,
      )
    this.watch(request, reply, ctx, fault)
    // A broken server reads nothing more: discard the body as it comes, so the client is not stuck uploading.
    request.raw.resume()
    const io: FaultIO = {
      socket: request.raw.socket,
      res: reply.raw,
      signal: fault.abort.signal,
      started: () => (ctx.responseStartedAt = performance.now()),
      endedByServer: () => (fault.serverEnded = true),
    }
    // wait() never rejects.
    void wait(fault.delayMs, fault.abort.signal).then(() => {
      if (fault.abort.signal.aborted || io.socket.destroyed) return
      SOCKET_FAULTS[action.kind](io, action)
    })
    return reply
  }

  /**
   * Follows a request whose answer takes time or never comes: while open it
   * is in flight; if the connection closes before the response finished, the
   * client gave up (unless the mock ended it), and the journal records it
   * here, since fastify's onResponse only fires on a finished response.
   */
  watch(request: FastifyRequest, reply: FastifyReply, ctx: RequestContext, fault: FaultState): void {
    if (fault.watched) return
    fault.watched = true
    this.#inFlight.set(ctx.id, { ctx, fault })
    const socket = request.raw.socket
    this.#held.add(socket)
    reply.raw.once('close', () => {
      this.#inFlight.delete(ctx.id)
      this.#held.delete(socket)
      fault.abort.abort()
      if (reply.raw.writableFinished) return
      if (this.#closing) fault.serverEnded = true
      if (!fault.serverEnded) fault.clientGaveUpAt = performance.now()
      this.#record?.(request, reply)
    })
  }

  inFlight(): InFlightRequest[] {
    const now = performance.now()
    return [...this.#inFlight.values()].map(({ ctx, fault }) => ({
      requestId: ctx.id,
      operation: ctx.operation?.id,
      method: ctx.method,
      path: ctx.path,
      time: ctx.receivedAt.toISOString(),
      ageMs: Math.round(now - ctx.startedAt),
      fault: fault.kind,
      explain: fault.explain,
    }))
  }

  reset(): void {
    this.plans().registry.reset()
  }
}

/** Resolves after `ms`, or as soon as `signal` aborts (the connection went: nobody is waiting). */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', finish)
      resolve()
    }
    const timer = setTimeout(finish, ms)
    signal.addEventListener('abort', finish, { once: true })
  })
}

function appendPreferenceApplied(reply: FastifyReply, applied: string[]): void {
  const existing = String(reply.getHeader('preference-applied') ?? '')
  const have = new Set(
    existing
      .split(',')
      .map((token) => token.trim())
      .filter(Boolean),
  )
  const merged = [...have, ...applied.filter((token) => !have.has(token))]
  reply.header('preference-applied', merged.join(', '))
}
