import http from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Socket } from 'node:net'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { registerAdminRoutes } from './admin/routes.js'
import { FaultAction } from './faults/action.js'
import type { DoormanConfig } from './config.js'
import { Journal } from './journal/journal.js'
import { recordRequest, type LogMode, type LogSink } from './journal/record.js'
import type { MockState, Outcome, RequestContext } from './pipeline/context.js'
import { routeNotFound } from './pipeline/match-route.js'
import { parsePrefer } from './pipeline/prefer.js'
import { BODY_STAGES, HEADER_STAGES } from './pipeline/stages.js'
import { clientErrorProblem, translateForeignError } from './problems/foreign-errors.js'
import { PROBLEM_MEDIA_TYPE, Problem, statusTitle } from './problems/problem.js'
import { Answer } from './response/answer.js'
import { respond } from './response/respond.js'
import { liveView, loadMockState } from './mock-state.js'
import type { ReloadEvent } from './watch.js'
import { discardBody, lingerOnClose } from './pipeline/linger.js'
import { gracefulClose } from './graceful-close.js'
import { ProblemError, readBody } from './pipeline/read-body.js'
import { formatNote } from './spec/notes.js'

export interface ServerOptions {
  /** Path to an OpenAPI 3.0/3.1 document (YAML or JSON), or the document itself. */
  spec: string | object
  /** The config object, or a path to a YAML/JSON config file. */
  config?: DoormanConfig | string
  /** Default 0: a free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** One line per request to stdout: 'pretty', 'json', 'silent' (default for the library), or a function. */
  log?: LogMode | LogSink
  /** Reload the spec and config when their files change, without dropping the port (`serve --watch`); told of each attempt. */
  watch?: (event: ReloadEvent) => void
}

declare module 'fastify' {
  interface FastifyRequest {
    doorman: RequestContext | null
  }
  interface FastifyContextConfig {
    /** The catch-all route every API request takes (admin routes have their own). */
    mockRoute?: true
  }
}

export interface BuiltMock {
  app: FastifyInstance
  journal: Journal
  /** The current state (each field reads the latest one after a reload). */
  state: MockState
  /** Clears the journal (and, as they arrive, faults and counters). */
  reset: () => void
  /**
   * Reads the spec and config again and swaps the result in; requests already
   * in flight finish with the state they started with. Throws SetupError and
   * keeps the current state when the new one does not load.
   */
  reload: () => Promise<{ state: MockState; notes: string[] }>
  /** Lets requests in flight finish, then closes every connection (src/graceful-close.ts). */
  close: () => Promise<void>
}

/** Loads the spec and config and builds the fastify app; does not listen. */
export async function buildMock(options: ServerOptions): Promise<BuiltMock> {
  // Requests read the state they arrived with (ctx.state); `reload()` swaps in a new one.
  let current = await loadMockState(options)
  const state = liveView(() => current)
  // One fault runtime for the server's life: its hooks are installed once, and a reload hands it the new plans.
  const faults = current.faults!
  const config = current.config
  const journal = new Journal(config.journal.size)
  const log = options.log ?? 'silent'
  const record = (request: FastifyRequest, reply: FastifyReply, ctx = request.doorman!) =>
    recordRequest({ ctx, request, reply, journal, redact: ctx.state.redact, bodyBytes: ctx.state.config.journal.bodyBytes, log })

  // Sockets that only drain what a client still sends after its answer went out (refused tunnels, which
  // leave Node's HTTP bookkeeping, and early refusals): a closing mock ends them instead of sitting out the drain.
  const draining = new Set<Socket>()
  const answeredOnSocket = new WeakMap<Socket, Problem>()
  let sequence = 0
  const app = Fastify({
    logger: false,
    serverFactory: (handler) => {
      const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = config.server
      const server = http.createServer(
        {
          // A slowloris client (headers a byte at a time) gets a 408 instead of holding a socket forever.
          headersTimeout: headersTimeoutMs,
          requestTimeout: requestTimeoutMs,
          keepAliveTimeout: keepAliveTimeoutMs,
          // Node checks those timeouts every 30 s by default: a 1 s headers timeout would really be up to 31 s.
          connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeoutMs / 4))),
          // Node answers a request without Host with a bare 400; the onRequest hook answers it with a problem.
          requireHostHeader: false,
        },
        handler,
      )
      server.on('connect', (_request: http.IncomingMessage, socket: Socket) => refuseTunnel(socket, config.limits.lingerMs, draining))
      // Header-only steps decide before the body is sent: answer 100 Continue only when they pass.
      server.on('checkContinue', (req, res) => {
        ;(req as ExpectingRequest)[EXPECTS_CONTINUE] = true
        handler(req, res)
      })
      // Any other expectation is refused with a problem (Node alone would send a bare 417).
      server.on('checkExpectation', handler)
      return server
    },
    genReqId: () => `r-${String(++sequence).padStart(6, '0')}`,
    bodyLimit: config.limits.bodySizeBytes,
    exposeHeadRoutes: false,
    // Idle ones only: requests in flight finish first (src/graceful-close.ts).
    forceCloseConnections: 'idle',
    return503OnClosing: false,
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors: (error, request, reply) => {
      const ctx = (request.doorman ??= newContext(request, current))
      // fastify runs no hooks for these (bad URL): journal the answer here.
      reply.raw.once('finish', () => record(request, reply, ctx))
      sendProblem(reply, ctx, translateForeignError(error))
    },
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => {
      // Node could not parse the request (bad request line, header overflow, a bad chunk mid-body, a timeout).
      if (error.code === 'ECONNRESET' || socket.destroyed) return
      // A response already on its way (a 413 while the rest of the body is discarded, say) must not get a second one glued on.
      const inFlight = (socket as Socket & { _httpMessage?: http.ServerResponse })._httpMessage
      // …nor may a request still being read that was answered already (a 401 while its body trickles in past requestTimeout).
      const reading = (socket as Socket & { parser?: { incoming?: http.IncomingMessage | null } }).parser?.incoming
      if (socket.writable && !inFlight?.headersSent && !(reading && (reading as AnsweredRequest)[ANSWERED] === true)) {
        const problem = clientErrorProblem(error.code)
        socket.write(rawProblemResponse(problem, socket))
        // A request already handed over (its body broke) is journaled with the answer the client got.
        if (inFlight) answeredOnSocket.set(socket, problem)
      }
      socket.destroy()
    },
  })

  app.decorateRequest('doorman', null)
  // fastify reads no body on GET, HEAD or TRACE; OpenAPI 3.1 lets an operation document one there, and a body
  // that came is read, checked and counted like any other (one an operation does not take is refused at step 4).
  for (const method of ['GET', 'HEAD', 'TRACE']) app.addHttpMethod(method, { hasBody: true, overrideExisting: true })
  app.addHook('preClose', (done) => {
    for (const socket of draining) socket.destroy()
    done()
  })
  // Delays answers, and journals requests whose connection dies before a response finishes.
  faults.install(app, (request, reply) => record(request, reply))
  // Bodies arrive as raw bytes, counted against the operation's limit; the parse step reads them so that every syntax error is ours.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (request, payload, done) => readBody(request, payload, request.doorman?.state.config ?? current.config, done))

  /**
   * The header steps, in order. Not async, like the stages: a promise costs
   * every request a microtask hop. Returns true when a step answered (or
   * broke the connection), false when all passed, or a promise of either
   * when a step decides later.
   */
  const runHeaderStages = (request: FastifyRequest, reply: FastifyReply, ctx: RequestContext, state: MockState, expectsContinue: boolean, from: number): boolean | Promise<boolean> => {
    for (let i = from; i < HEADER_STAGES.length; i++) {
      const outcome = HEADER_STAGES[i]!.run(ctx, request, state)
      if (outcome instanceof Promise) {
        return outcome.then((settled) => {
          if (settled === undefined) return runHeaderStages(request, reply, ctx, state, expectsContinue, i + 1)
          headerOutcome(reply, ctx, settled, state, draining)
          return true
        })
      }
      if (outcome !== undefined) {
        headerOutcome(reply, ctx, outcome, state, draining)
        return true
      }
    }
    if (expectsContinue) reply.raw.writeContinue()
    return false
  }

  /**
   * A callback hook: fastify waits on no promise. Once the hook has answered,
   * `done` is not called: fastify must not go on to read the body and run
   * the handler, even while a delay holds the answer back (an async hook
   * would wait for the answer to finish instead).
   */
  app.addHook('onRequest', (request, reply, done) => {
    const expectsContinue = (request.raw as ExpectingRequest)[EXPECTS_CONTINUE] === true
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1') {
      const ctx = (request.doorman = newContext(request, current))
      journalOnClose(request, reply, ctx)
      refuseEarly(reply, ctx, hostMissing(), ctx.state, draining)
      return
    }
    if (request.routeOptions.config.mockRoute !== true && !request.is404) {
      // admin routes stay out of the pipeline (and of the journal, unless the error handler answers them with a problem)
      reply.raw.once('finish', () => {
        ;(request.raw as AnsweredRequest)[ANSWERED] = true
        if (request.doorman) record(request, reply)
      })
      if (expectsContinue) reply.raw.writeContinue()
      return done()
    }
    const state = current
    const ctx = newContext(request, state)
    request.doorman = ctx
    journalOnClose(request, reply, ctx)
    const found = state.findRoute(request.url)
    if (found.kind !== 'found') {
      refuseEarly(reply, ctx, unroutable(found.kind, ctx, state), state, draining)
      return
    }
    ctx.route = found.route
    // The catch-all route's params are the whole path; the route step reads the template's (p0, p1, …).
    request.params = found.params
    const expect = request.headers.expect
    if (expect !== undefined && !expectsContinue) {
      refuseEarly(reply, ctx, expectationFailed(expect), state, draining)
      return
    }
    const decided = runHeaderStages(request, reply, ctx, state, expectsContinue, 0)
    if (decided === false) return done()
    if (decided !== true) decided.then((sent) => sent || done(), done)
  })

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

  app.setNotFoundHandler((request, reply) => {
    const ctx = (request.doorman ??= newContext(request, current))
    sendProblem(reply, ctx, routeNotFound(ctx, ctx.state.table))
  })

  app.setErrorHandler((error, request, reply) => {
    const ctx = (request.doorman ??= newContext(request, current))
    const problem = answeredOnSocket.get(request.raw.socket) ?? (error instanceof ProblemError ? error.problem : translateForeignError(error as Error))
    if (problem.code === 'INTERNAL_ERROR') {
      process.stderr.write(`doorman: internal error on ${request.method} ${request.url} (${request.id}):\n${(error as Error).stack}\n`)
    }
    sendProblem(reply, ctx, problem)
  })

  // One route for every path and method: fastify cannot drop routes, and a reload may; the path is matched in onRequest.
  app.route({
    method: app.supportedMethods,
    url: '/*',
    config: { mockRoute: true },
    // Not async: fastify wraps a returned promise (a microtask hop per request); only a stage that answers later makes one.
    handler: (request, reply) => {
      const ctx = request.doorman!
      ctx.body = Buffer.isBuffer(request.body) ? request.body : undefined
      return runBodyStages(request, reply, ctx, 0)
    },
  })

  const runBodyStages = (request: FastifyRequest, reply: FastifyReply, ctx: RequestContext, from: number): Promise<FastifyReply> | undefined => {
    for (let i = from; i < BODY_STAGES.length; i++) {
      const outcome = BODY_STAGES[i]!.run(ctx, request, ctx.state)
      if (outcome instanceof Promise) {
        return outcome.then((settled) => (settled === undefined ? (runBodyStages(request, reply, ctx, i + 1) ?? reply) : sendOutcome(reply, ctx, settled)))
      }
      if (outcome !== undefined) {
        sendOutcome(reply, ctx, outcome)
        return undefined
      }
    }
    sendOutcome(reply, ctx, respond(ctx, request, ctx.state.spec.document))
    return undefined
  }

  const reset = () => {
    journal.clear()
    faults.reset()
  }
  const reload = async () => {
    const next = await loadMockState(options)
    const dropped = faults.adopt(next.faults!)
    current = { ...next, faults }
    // The document's notes again (a reload may have fixed some, or made new ones), then the fault plans it dropped.
    return { state: current, notes: [...next.notes.map(formatNote), ...dropped] }
  }
  registerAdminRoutes(app, { journal, state, reset })
  return { app, journal, state, reset, reload, close: gracefulClose(app) }
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
    responseStartedAt: undefined,
    responsePayload: undefined,
    recorded: false,
  }
}

const EXPECTS_CONTINUE = Symbol('doorman.expectsContinue')
type ExpectingRequest = http.IncomingMessage & { [EXPECTS_CONTINUE]?: boolean }
// A mark on the request rather than a WeakSet: adding to a WeakSet costs each answer more, here and in the collector.
const ANSWERED = Symbol('doorman.answered')
type AnsweredRequest = http.IncomingMessage & { [ANSWERED]?: boolean }

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length']
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

/**
 * A refusal decided from the headers, while the body may still be on its way.
 * After Expect: 100-continue the client will not send it, and a body too
 * large to read is not worth waiting for: those answers say
 * `Connection: close` and the socket lingers so the client can read them.
 * Otherwise the body is read and dropped, and the connection stays usable.
 */
function refuseEarly(reply: FastifyReply, ctx: RequestContext, problem: Problem, state: MockState, draining: Set<Socket>): FastifyReply {
  if (ctx.hasBody) {
    const request = reply.request.raw as ExpectingRequest
    const socket = request.socket
    if (socket && !socket.destroyed) {
      draining.add(socket)
      // Drained (the body ended) or gone: the connection is the server's ordinary business again. Both
      // listeners go then: a keep-alive socket outlives its requests, and one left per refusal piles up.
      const drained = () => {
        draining.delete(socket)
        request.removeListener('end', drained)
        socket.removeListener('close', drained)
      }
      request.once('end', drained)
      socket.once('close', drained)
    }
    if (request[EXPECTS_CONTINUE] || problem.headers.connection === 'close') {
      reply.header('connection', 'close')
      lingerOnClose(request, state.config.limits.lingerMs)
    } else {
      discardBody(request)
    }
  }
  return sendProblem(reply, ctx, problem)
}

// RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1 request message that lacks a Host header field".
function hostMissing(): Problem {
  return new Problem('REQUEST_MALFORMED', {
    detail: 'An HTTP/1.1 request must carry a Host header (RFC 9112 §3.2); send Host: <host>:<port> of the mock.',
    extra: { expected: 'Host' },
  })
}

/**
 * CONNECT asks for a tunnel, which a mock is not; Node would just drop the
 * connection. The answer goes out, and what the client still sends is read
 * and dropped (closing on unread bytes would reset the answer away) until it
 * closes or `lingerMs` passes.
 */
function refuseTunnel(socket: Socket, lingerMs: number, draining: Set<Socket>): void {
  const problem = new Problem('REQUEST_MALFORMED', {
    detail: 'CONNECT asks for a tunnel, and doorman is a mock, not a proxy; send the request itself to the mock.',
    extra: { received: 'CONNECT' },
  })
  draining.add(socket)
  const timer = setTimeout(() => socket.destroy(), lingerMs)
  timer.unref()
  socket.once('close', () => {
    clearTimeout(timer)
    draining.delete(socket)
  })
  socket.on('error', () => socket.destroy())
  socket.once('end', () => socket.destroy())
  socket.resume()
  socket.end(rawProblemResponse(problem, socket))
}

function expectationFailed(expect: string): Problem {
  return new Problem('EXPECTATION_FAILED', {
    detail: `doorman meets only Expect: 100-continue, not '${expect}'; drop the header or send 100-continue.`,
    extra: { expected: '100-continue', received: expect },
  })
}

/** A header stage's answer: a refusal may have to deal with the body still on its way. */
function headerOutcome(reply: FastifyReply, ctx: RequestContext, outcome: NonNullable<Outcome>, state: MockState, draining: Set<Socket>): FastifyReply {
  if (outcome instanceof Problem) return refuseEarly(reply, ctx, outcome, state, draining)
  return sendOutcome(reply, ctx, outcome)
}

function sendOutcome(reply: FastifyReply, ctx: RequestContext, outcome: NonNullable<Outcome>): FastifyReply {
  if (outcome instanceof Problem) return sendProblem(reply, ctx, outcome)
  if (outcome instanceof FaultAction) return outcome.carryOut(reply)
  return sendAnswer(reply, outcome)
}

function sendAnswer(reply: FastifyReply, answer: Answer): FastifyReply {
  reply.raw.statusMessage = statusTitle(answer.status)
  reply.code(answer.status).headers(answer.headers)
  return answer.body === undefined ? reply.send() : reply.send(answer.body)
}

export function sendProblem(reply: FastifyReply, ctx: RequestContext, problem: Problem): FastifyReply {
  ctx.verdict = { step: problem.step, code: problem.code, detail: problem.detail }
  const request = reply.request
  const origin = `${request.protocol}://${request.host || 'localhost'}`
  const body = JSON.stringify(problem.toJSON(origin, ctx.path, ctx.id))
  // Node still says "Payload Too Large" and "Unprocessable Entity"; RFC 9110 renamed them.
  reply.raw.statusMessage = statusTitle(problem.status)
  return reply.code(problem.status).headers(problem.headers).type(PROBLEM_MEDIA_TYPE).send(body)
}

/** For errors Node reports before there is a request to answer: written straight to the socket. */
function rawProblemResponse(problem: Problem, socket: Socket): string {
  const host = socket.localAddress?.includes(':') ? `[${socket.localAddress}]` : socket.localAddress
  const body = JSON.stringify(problem.toJSON(`http://${host}:${socket.localPort}`, '/', '-'))
  return (
    `HTTP/1.1 ${problem.status} ${statusTitle(problem.status)}\r\n` +
    `Content-Type: ${PROBLEM_MEDIA_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  )
}
