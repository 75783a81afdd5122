import type { FastifyReply } from 'fastify'
import { FaultAction } from '../faults/action.js'
import type { FaultRuntime } from '../faults/runtime.js'
import { Problem, statusTitle } from '../problems/problem.js'
import type { Answer } from '../response/answer.js'
import { EXPECTS_CONTINUE, type Connections, type ExpectingRequest } from '../transport.js'
import type { Outcome, RequestContext } from './context.js'
import { discardBody, lingerOnClose } from './linger.js'

/** How a pipeline outcome reaches the client: a problem, a documented answer, or a fault carried out on the socket. */
export function sendOutcome(reply: FastifyReply, outcome: NonNullable<Outcome>, faults: FaultRuntime): FastifyReply {
  if (outcome instanceof Problem) return reply.problem(outcome)
  if (outcome instanceof FaultAction) return faults.carryOut(reply, outcome)
  return sendAnswer(reply, outcome)
}

export function sendAnswer(reply: FastifyReply, answer: Answer): FastifyReply {
  reply.raw.statusMessage = statusTitle(answer.status)
  reply.code(answer.status).headers(answer.headers)
  return answer.body === undefined ? reply.send() : reply.send(answer.body)
}

/**
 * A refusal decided from the headers, while the body may still be on its way.
 * After Expect: 100-continue the client will not send it, and a body too
 * large to read is not worth waiting for: those answers say
 * `Connection: close` and the socket lingers so the client can read them.
 * Otherwise the body is read and dropped, and the connection stays usable.
 */
export function refuseEarly(reply: FastifyReply, ctx: RequestContext, problem: Problem, connections: Connections): FastifyReply {
  if (ctx.hasBody) {
    const request = reply.request.raw as ExpectingRequest
    const socket = request.socket
    if (socket && !socket.destroyed) {
      const { draining } = connections
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
      lingerOnClose(request, ctx.state.config.limits.lingerMs)
    } else {
      discardBody(request)
    }
  }
  return reply.problem(problem)
}
