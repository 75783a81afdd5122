import { performance } from 'node:perf_hooks'
import type { Socket } from 'node:net'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { registerAdminRoutes } from './admin/routes.js'
import { DEFAULT_REDACT, type DoormanConfig, loadConfigFile, resolveConfig, type ResolvedConfig } from './config.js'
import { Journal } from './journal/journal.js'
import { recordRequest, type LogMode, type LogSink } from './journal/record.js'
import type { MockState, Outcome, RequestContext } from './pipeline/context.js'
import { routeNotFound } from './pipeline/match-route.js'
import { parsePrefer } from './pipeline/prefer.js'
import { BODY_STAGES, HEADER_STAGES } from './pipeline/stages.js'
import { clientErrorProblem, translateForeignError } from './problems/foreign-errors.js'
import { PROBLEM_MEDIA_TYPE, Problem } from './problems/problem.js'
import { Answer } from './response/answer.js'
import { respond } from './response/respond.js'
import { loadSpec } from './spec/load-spec.js'
import { compileRouteTable, type PathRoute } from './spec/route-table.js'

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
  const state: MockState = { spec, table, config }
  const journal = new Journal(config.journal.size)
  const redact = new Set(config.journal.redact ?? [...DEFAULT_REDACT, ...apiKeyHeaders(spec.document)])
  const log = options.log ?? 'silent'

  let sequence = 0
  const app = Fastify({
    logger: false,
    genReqId: () => `r-${String(++sequence).padStart(6, '0')}`,
    bodyLimit: config.limits.bodySizeBytes,
    exposeHeadRoutes: false,
    forceCloseConnections: true,
    return503OnClosing: false,
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors: (error, request, reply) => {
      request.doorman ??= newContext(request)
      sendProblem(reply, request.doorman, translateForeignError(error))
    },
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => {
      // Node found no request to hand over (bad request line, header overflow, timeout).
      if (error.code === 'ECONNRESET' || socket.destroyed) return
      if (socket.writable) socket.write(rawProblemResponse(clientErrorProblem(error.code)))
      socket.destroy()
    },
  })

  app.decorateRequest('doorman', null)
  // Bodies arrive as raw bytes; the parse step reads them so that every syntax error is ours.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))

  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.config.mockRoute
    if (route === undefined && !request.is404) return // admin routes stay out of the pipeline
    const ctx = newContext(request)
    request.doorman = ctx
    if (route === undefined) return
    ctx.route = route
    for (const stage of HEADER_STAGES) {
      const outcome = await stage.run(ctx, request, state)
      if (outcome !== undefined) return sendOutcome(reply, ctx, outcome)
    }
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
    const problem = translateForeignError(error as Error)
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
    body: undefined,
    verdict: undefined,
  }
}

function sendOutcome(reply: FastifyReply, ctx: RequestContext, outcome: NonNullable<Outcome>): FastifyReply {
  if (outcome instanceof Problem) return sendProblem(reply, ctx, outcome)
  return sendAnswer(reply, outcome)
}

function sendAnswer(reply: FastifyReply, answer: Answer): FastifyReply {
  reply.code(answer.status).headers(answer.headers)
  return answer.body === undefined ? reply.send() : reply.send(answer.body)
}

export function sendProblem(reply: FastifyReply, ctx: RequestContext, problem: Problem): FastifyReply {
  ctx.verdict = { step: problem.step, code: problem.code, detail: problem.detail }
  const request = reply.request
  const origin = `${request.protocol}://${request.host || 'localhost'}`
  const body = JSON.stringify(problem.toJSON(origin, ctx.path, ctx.id))
  return reply.code(problem.status).headers(problem.headers).type(PROBLEM_MEDIA_TYPE).send(body)
}

/** For errors Node reports before there is a request to answer: written straight to the socket. */
function rawProblemResponse(problem: Problem): string {
  const body = JSON.stringify(problem.toJSON('http://localhost', '/', '-'))
  return (
    `HTTP/1.1 ${problem.status} ${problem.toJSON('', '', '').title}\r\n` +
    `Content-Type: ${PROBLEM_MEDIA_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  )
}

/** API keys sent in headers are credentials too: the journal redacts them by default. */
function apiKeyHeaders(document: { components?: Record<string, Record<string, unknown>> }): string[] {
  const schemes = Object.values(document.components?.securitySchemes ?? {}) as Array<{ type?: string; in?: string; name?: string }>
  return schemes.filter((s) => s.type === 'apiKey' && s.in === 'header' && s.name).map((s) => s.name!.toLowerCase())
}
