import { performance } from 'node:perf_hooks'
import type { FastifyError, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { handleCors } from '../cors/preflight.js'
import type { FaultRuntime } from '../faults/runtime.js'
import type { Recorder } from '../journal/record.js'
import type { MockState } from '../mock-state.js'
import { translateForeignError } from '../problems/foreign-errors.js'
import { Problem, ProblemError } from '../problems/problem.js'
import { sendProblem } from '../problems/reply.js'
import { respond } from '../response/respond.js'
import { listenerRefusal } from '../tls/listener-rules.js'
import { ANSWERED, type AnsweredRequest, type Connections, EXPECTS_CONTINUE, type ExpectingRequest } from '../transport.js'
import { contextOf, type Outcome, type RequestContext, type Stage } from './context.js'
import { routeNotFound } from './match-route.js'
import { parsePrefer } from './prefer.js'
import { runStages } from './run.js'
import { refuseEarly, sendOutcome } from './send.js'
import { BODY_STAGES, HEADER_STAGES } from './stages.js'

export interface HookDeps {
  /** The state a new request starts with; a reload swaps it, a request in flight keeps its own (`ctx.state`). */
  current: () => MockState
  faults: FaultRuntime
  connections: Connections
  record: Recorder
  /** Step 8 instead of the documented answer: `doorman proxy` forwards (src/proxy/). */
  answer?: (request: FastifyRequest, reply: FastifyReply, ctx: RequestContext) => FastifyReply
  /** The pipeline's stages, header-only and body ones (`proxy --forward-invalid` wraps them). */
  stages?: { header: readonly Stage[]; body: readonly Stage[] }
}

/**
 * The fastify hooks a mock request goes through, in order (docs/lifecycle.md):
 * `onRequest` (route, then the header stages: fault, auth, content type,
 * size; `100 Continue` only when they pass), the content-type parser reads
 * the body (src/pipeline/read-body.ts), `handler` (parse, schema, respond),
 * then the fault runtime's `onSend` (delay), and the journal when the
 * response closes.
 */
export function requestHooks({ current, faults, connections, record, answer: respondTo, stages }: HookDeps) {
  const headerStages = stages?.header ?? HEADER_STAGES
  const bodyStages = stages?.body ?? BODY_STAGES
  const documented = (request: FastifyRequest, reply: FastifyReply, ctx: RequestContext) =>
    sendOutcome(reply, respond(ctx, request, ctx.state.spec.document), faults)
  const finalAnswer = respondTo ?? documented
  // Made once: the settle functions the stage runner hands each outcome to.
  const answer = (reply: FastifyReply, _ctx: RequestContext, outcome: NonNullable<Outcome>) => sendOutcome(reply, outcome, faults)
  const refuse = (reply: FastifyReply, ctx: RequestContext, outcome: NonNullable<Outcome>) =>
    outcome instanceof Problem ? refuseEarly(reply, ctx, outcome, connections) : sendOutcome(reply, outcome, faults)

  /**
   * One listener per request instead of an onResponse hook (fastify's costs
   * two listeners and a hook run on every answer): 'close' follows 'finish'
   * within a tick. A client that leaves before its answer (mid-body, say) is
   * journaled too, a tick later, so that the error handler has named the
   * verdict (recording twice is a no-op).
   */
  const journalOnClose = (request: FastifyRequest, reply: FastifyReply, ctx: RequestContext) => {
    reply.raw.on('close', () => {
      if (reply.raw.writableFinished) {
        ;(request.raw as AnsweredRequest)[ANSWERED] = true
        record(request, reply, ctx)
      } else if (!ctx.recorded) {
        setImmediate(() => record(request, reply, ctx))
      }
    })
  }

  /**
   * A callback hook: fastify waits on no promise. Once the hook has answered,
   * `done` is not called: fastify must not go on to read the body and run
   * the handler, even while a delay holds the answer back (an async hook
   * would wait for the answer to finish instead).
   */
  const onRequest = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const expectsContinue = (request.raw as ExpectingRequest)[EXPECTS_CONTINUE] === true
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1') {
      const ctx = (request.doorman = newContext(request, current()))
      journalOnClose(request, reply, ctx)
      refuseEarly(reply, ctx, hostMissing(), connections)
      return
    }
    if (request.routeOptions.config.mockRoute !== true && !request.is404) {
      // Admin routes stay out of the pipeline (and of the journal, unless the error handler answers them with a problem).
      reply.raw.once('finish', () => {
        ;(request.raw as AnsweredRequest)[ANSWERED] = true
        if (request.doorman) record(request, reply)
      })
      if (expectsContinue) reply.raw.writeContinue()
      return done()
    }
    const state = current()
    const ctx = (request.doorman = newContext(request, state))
    journalOnClose(request, reply, ctx)
    // The tls step: a listener that refuses requests whose connection lacks a good client certificate.
    const refusedByListener = listenerRefusal(request.raw.socket)
    if (refusedByListener !== undefined) {
      refuseEarly(reply, ctx, refusedByListener, connections)
      return
    }
    const found = state.findRoute(request.url)
    // CORS (src/cors/): a preflight is answered here, an actual request gets its headers as it is answered. Without Origin, one read.
    const origin = request.headers.origin
    if (origin !== undefined && state.cors !== undefined) {
      const preflight = handleCors(ctx, request, origin, found, state, state.cors)
      if (preflight !== undefined) {
        refuse(reply, ctx, preflight)
        return
      }
    }
    if (found.kind !== 'found') {
      refuseEarly(reply, ctx, unroutable(found.kind, ctx, state), connections)
      return
    }
    ctx.route = found.route
    // The catch-all route's params are the whole path; the route step reads the template's (p0, p1, …).
    request.params = found.params
    const expect = request.headers.expect
    if (expect !== undefined && !expectsContinue) {
      refuseEarly(reply, ctx, expectationFailed(expect), connections)
      return
    }
    const decided = runStages(headerStages, request, reply, ctx, refuse)
    if (decided === false) {
      if (expectsContinue) reply.raw.writeContinue()
      return done()
    }
    if (decided !== true) {
      decided.then((sent) => {
        if (sent) return
        if (expectsContinue) reply.raw.writeContinue()
        done()
      }, done)
    }
  }

  /** The catch-all route's handler: the body stages, then the documented answer (or, proxying, the upstream's). Not async: see runStages. */
  const handler = (request: FastifyRequest, reply: FastifyReply) => {
    const ctx = contextOf(request)
    ctx.body = Buffer.isBuffer(request.body) ? request.body : undefined
    const decided = runStages(bodyStages, request, reply, ctx, answer)
    if (decided === false) {
      finalAnswer(request, reply, ctx)
      return undefined
    }
    if (decided === true) return undefined
    return decided.then((sent) => (sent ? reply : finalAnswer(request, reply, ctx)))
  }

  const notFound = (request: FastifyRequest, reply: FastifyReply) => {
    const ctx = (request.doorman ??= newContext(request, current()))
    reply.problem(routeNotFound(ctx, ctx.state.table))
  }

  const onError = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    request.doorman ??= newContext(request, current())
    const problem = connections.answeredOnSocket.get(request.raw.socket) ?? (error instanceof ProblemError ? error.problem : translateForeignError(error))
    if (problem.code === 'INTERNAL_ERROR') {
      process.stderr.write(`doorman: internal error on ${request.method} ${request.url} (${request.id}):\n${error.stack}\n`)
    }
    reply.problem(problem)
  }

  /** fastify runs no hooks for these (a bad URL): the answer is journaled here. */
  const frameworkError = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const ctx = (request.doorman ??= newContext(request, current()))
    reply.raw.once('finish', () => record(request, reply, ctx))
    sendProblem(reply, translateForeignError(error))
  }

  return { onRequest, handler, notFound, onError, frameworkError }
}

/** A path the route table has no template for (404), or cannot match at all (414, 400). */
function unroutable(kind: 'not-found' | 'too-long' | 'bad-url', ctx: RequestContext, state: MockState): Problem {
  if (kind === 'not-found') return routeNotFound(ctx, state.table)
  // The answers fastify's router gave when it matched the paths itself.
  return translateForeignError(Object.assign(new Error(kind), { code: kind === 'too-long' ? 'FST_ERR_MAX_PARAM_LENGTH' : 'FST_ERR_BAD_URL' }))
}

function newContext(request: FastifyRequest, state: MockState): RequestContext {
  const url = request.url
  const q = url.indexOf('?')
  return {
    id: request.id,
    state,
    receivedAt: new Date(),
    startedAt: performance.now(),
    method: request.method,
    path: q === -1 ? url : url.slice(0, q),
    route: undefined,
    operation: undefined,
    pathParams: {},
    prefer: parsePrefer(request.headers.prefer),
    rules: undefined,
    hasBody: hasBody(request),
    media: undefined,
    encodings: [],
    body: undefined,
    bodyText: undefined,
    parsedBody: undefined,
    verdict: undefined,
    // Set later by some requests: present from the start, so every context has one shape.
    fault: undefined,
    cors: undefined,
    proxy: undefined,
    responseStartedAt: undefined,
    responsePayload: undefined,
    recorded: false,
  }
}

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length']
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

// RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1 request message that lacks a Host header field".
function hostMissing(): Problem {
  return new Problem('REQUEST_MALFORMED', {
    detail: 'An HTTP/1.1 request must carry a Host header (RFC 9112 §3.2); send Host: <host>:<port> of the mock.',
    extra: { expected: 'Host' },
  })
}

function expectationFailed(expect: string): Problem {
  return new Problem('EXPECTATION_FAILED', {
    detail: `doorman meets only Expect: 100-continue, not '${expect}'; drop the header or send 100-continue.`,
    extra: { expected: '100-continue', received: expect },
  })
}
