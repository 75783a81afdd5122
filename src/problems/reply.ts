import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { PROBLEM_MEDIA_TYPE, type Problem, statusTitle } from './problem.js'

declare module 'fastify' {
  interface FastifyReply {
    /** Sends `problem` as RFC 9457 problem+json; on a mock request it is also the journal's verdict. */
    problem(problem: Problem): FastifyReply
  }
}

/**
 * The scheme://host the client used, so that a problem's `type` URI resolves
 * on this mock; `localhost` for an HTTP/1.0 request that sent no Host.
 */
export function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host || 'localhost'}`
}

/** The one way every answer of doorman's own, pipeline and admin API alike, sends a problem. */
export function decorateProblemReply(app: FastifyInstance): void {
  app.decorateReply('problem', function (this: FastifyReply, problem: Problem) {
    return sendProblem(this, problem)
  })
}

/** `reply.problem()` itself, for the one reply fastify builds without its decorators: the one `frameworkErrors` gets. */
export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  const request = reply.request
  const ctx = request.doorman
  if (ctx) ctx.verdict = { step: problem.step, code: problem.code, detail: problem.detail }
  const body = problem.serialize(originOf(request), ctx ? ctx.path : request.url, ctx ? ctx.id : request.id)
  // Node still says "Payload Too Large" and "Unprocessable Entity"; RFC 9110 renamed them.
  reply.raw.statusMessage = statusTitle(problem.status)
  // nosniff: a problem quotes what the client sent (a path, a header); no browser may read it as a page.
  return reply.code(problem.status).headers(problem.headers).header('x-content-type-options', 'nosniff').type(PROBLEM_MEDIA_TYPE).send(body)
}
