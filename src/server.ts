import http from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Socket } from 'node:net'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { registerAdminRoutes } from './admin/routes.js'
import { compileAuth } from './auth/runtime.js'
import { credentialQueryNames } from './auth/security.js'
import { FaultAction } from './faults/action.js'
import { FaultRuntime } from './faults/runtime.js'
import { DEFAULT_REDACT, type DoormanConfig, loadConfigFile, resolveConfig, type ResolvedConfig } from './config.js'
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
import { loadSpec } from './spec/load-spec.js'
import { compileRouteTable, type PathRoute, type RouteTable } from './spec/route-table.js'
import { compileRules } from './spec/compile-rules.js'
import { discardBody, lingerOnClose } from './pipeline/linger.js'
import { ProblemError, readBody } from './pipeline/read-body.js'
import { SetupError } from './setup-error.js'
import { closest } from './util/closest.js'

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
}

declare module 'fastify' {
  interface FastifyRequest {
    doorman: RequestContext | null
  }
  interface FastifyContextConfig {
    mockRoute?: PathRoute
  }
}

export interface BuiltMock {
  app: FastifyInstance
  journal: Journal
  state: MockState
  /** Clears the journal (and, as they arrive, faults and counters). */
  reset: () => void
}

/** Loads the spec and config and builds the fastify app; does not listen. */
export async function buildMock(options: ServerOptions): Promise<BuiltMock> {
  const config: ResolvedConfig =
    typeof options.config === 'string' ? await loadConfigFile(options.config) : resolveConfig(options.config)
  const spec = await loadSpec(options.spec)
  const table = compileRouteTable(spec)
  checkOperationIds(config, table, typeof options.config === 'string' ? options.config : '<config>')
  const rules = compileRules(spec, table, config)
  const faults = new FaultRuntime(config, spec, table)
  const state: MockState = { spec, table, rules, config, auth: compileAuth(spec, table, config), faults }
  const journal = new Journal(config.journal.size)
  // Header and query parameter names: API keys and RFC 6750 access_token can travel in the query too.
  const redact = new Set(
    config.journal.redact ?? [...DEFAULT_REDACT, ...apiKeyHeaders(spec.document), ...credentialQueryNames(spec.document).map((n) => n.toLowerCase())],
  )
  const log = options.log ?? 'silent'

  let sequence = 0
  const app = Fastify({
    logger: false,
    serverFactory: (handler) => {
      const server = http.createServer(handler)
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
    forceCloseConnections: true,
    return503OnClosing: false,
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors: (error, request, reply) => {
      const ctx = (request.doorman ??= newContext(request))
      // fastify runs no hooks for these (bad URL, overlong parameter): journal the answer here.
      reply.raw.once('finish', () => recordRequest({ ctx, request, reply, journal, redact, bodyBytes: config.journal.bodyBytes, log }))
      sendProblem(reply, ctx, translateForeignError(error))
    },
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => {
      // Node found no request to hand over (bad request line, header overflow, timeout).
      if (error.code === 'ECONNRESET' || socket.destroyed) return
      if (socket.writable) socket.write(rawProblemResponse(clientErrorProblem(error.code), socket))
      socket.destroy()
    },
  })

  app.decorateRequest('doorman', null)
  // Delays answers, and journals requests whose connection dies before a response finishes.
  faults.install(app, (request, reply) => recordRequest({ ctx: request.doorman!, request, reply, journal, redact, bodyBytes: config.journal.bodyBytes, log }))
  // Bodies arrive as raw bytes, counted against the operation's limit; the parse step reads them so that every syntax error is ours.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (request, payload, done) => readBody(request, payload, config, done))

  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.config.mockRoute
    const expectsContinue = (request.raw as ExpectingRequest)[EXPECTS_CONTINUE] === true
    if (route === undefined && !request.is404) {
      // admin routes stay out of the pipeline
      if (expectsContinue) reply.raw.writeContinue()
      return
    }
    const ctx = newContext(request)
    request.doorman = ctx
    if (route === undefined) return refuseEarly(reply, ctx, routeNotFound(ctx, table), state)
    ctx.route = route
    const expect = request.headers.expect
    if (expect !== undefined && !expectsContinue) {
      return refuseEarly(reply, ctx, expectationFailed(expect), state)
    }
    for (const stage of HEADER_STAGES) {
      const outcome = await stage.run(ctx, request, state)
      if (outcome !== undefined) {
        if (outcome instanceof Problem) return refuseEarly(reply, ctx, outcome, state)
        return sendOutcome(reply, ctx, outcome)
      }
    }
    if (expectsContinue) reply.raw.writeContinue()
  })

  app.addHook('onResponse', async (request, reply) => {
    const ctx = request.doorman
    if (ctx) recordRequest({ ctx, request, reply, journal, redact, bodyBytes: config.journal.bodyBytes, log })
  })

  app.setNotFoundHandler((request, reply) => {
    const ctx = (request.doorman ??= newContext(request))
    sendProblem(reply, ctx, routeNotFound(ctx, table))
  })

  app.setErrorHandler((error, request, reply) => {
    const ctx = (request.doorman ??= newContext(request))
    const problem = error instanceof ProblemError ? error.problem : translateForeignError(error as Error)
    if (problem.code === 'INTERNAL_ERROR') {
      process.stderr.write(`doorman: internal error on ${request.method} ${request.url} (${request.id}):\n${(error as Error).stack}\n`)
    }
    sendProblem(reply, ctx, problem)
  })

  for (const route of table.routes) {
    app.route({
      method: app.supportedMethods,
      url: route.routerPath,
      config: { mockRoute: route },
      handler: async (request, reply) => {
        const ctx = request.doorman!
        ctx.body = Buffer.isBuffer(request.body) ? request.body : undefined
        for (const stage of BODY_STAGES) {
          const outcome = await stage.run(ctx, request, state)
          if (outcome !== undefined) return sendOutcome(reply, ctx, outcome)
        }
        return sendOutcome(reply, ctx, respond(ctx, request, spec.document))
      },
    })
  }

  const reset = () => {
    journal.clear()
    faults.reset()
  }
  registerAdminRoutes(app, { journal, state, reset })
  return { app, journal, state, reset }
}

function newContext(request: FastifyRequest): RequestContext {
  const url = request.url
  const q = url.indexOf('?')
  return {
    id: request.id,
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
    parsedBody: undefined,
    verdict: undefined,
  }
}

const EXPECTS_CONTINUE = Symbol('doorman.expectsContinue')
type ExpectingRequest = http.IncomingMessage & { [EXPECTS_CONTINUE]?: boolean }

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
function refuseEarly(reply: FastifyReply, ctx: RequestContext, problem: Problem, state: MockState): FastifyReply {
  if (ctx.hasBody) {
    const request = reply.request.raw as ExpectingRequest
    if (request[EXPECTS_CONTINUE] || problem.headers.connection === 'close') {
      reply.header('connection', 'close')
      lingerOnClose(request, state.config.limits.lingerMs)
    } else {
      discardBody(request)
    }
  }
  return sendProblem(reply, ctx, problem)
}

function expectationFailed(expect: string): Problem {
  return new Problem('EXPECTATION_FAILED', {
    detail: `doorman meets only Expect: 100-continue, not '${expect}'; drop the header or send 100-continue.`,
    extra: { expected: '100-continue', received: expect },
  })
}

/** `operations:` in the config names operations by id: a typo there would silently do nothing. */
function checkOperationIds(config: ResolvedConfig, table: RouteTable, file: string): void {
  const ids = table.operations.map((op) => op.id)
  for (const id of Object.keys(config.operations)) {
    if (!ids.includes(id)) {
      const guess = closest(id, ids)
      throw new SetupError(`/operations/${id}: no operation has the id '${id}'${guess ? ` (did you mean '${guess}'?)` : ''}`, { file })
    }
  }
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

/** API keys sent in headers are credentials too: the journal redacts them by default. */
function apiKeyHeaders(document: { components?: Record<string, Record<string, unknown>> }): string[] {
  const schemes = Object.values(document.components?.securitySchemes ?? {}) as Array<{ type?: string; in?: string; name?: string }>
  return schemes.filter((s) => s.type === 'apiKey' && s.in === 'header' && s.name).map((s) => s.name!.toLowerCase())
}
