import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Journal } from '../journal/journal.js'
import { buildReport, formatReport } from '../journal/report.js'
import type { MockState } from '../pipeline/context.js'
import { PROBLEM_MEDIA_TYPE, Problem } from '../problems/problem.js'
import { negotiate } from '../response/negotiate.js'
import { FaultPlanError } from './plan.js'

/** `GET/POST/DELETE /__doorman/faults[/ID]` and `GET /__doorman/report`. */
export function registerFaultRoutes(app: FastifyInstance, prefix: string, { journal, state }: { journal: Journal; state: MockState }): void {
  const faults = state.faults
  if (faults === undefined) return

  app.get(`${prefix}/faults`, async () => ({ preferHeader: faults.preferHeader, plans: faults.registry.list() }))

  const postFaults = async (request: FastifyRequest, reply: FastifyReply) => {
    let input: unknown
    try {
      input = readJson(request.body)
    } catch (error) {
      return sendProblem(request, reply, `The body is not JSON (${(error as Error).message}); send one fault plan, or a list of them, as JSON.`, '')
    }
    // `{ plans: [...] }`, the shape GET answers with, is accepted too.
    if (input !== null && typeof input === 'object' && !Array.isArray(input) && Array.isArray((input as { plans?: unknown }).plans)) {
      input = (input as { plans: unknown[] }).plans
    }
    try {
      return reply.code(201).send({ plans: faults.add(input, 'admin') })
    } catch (error) {
      if (!(error instanceof FaultPlanError)) throw error
      return sendProblem(request, reply, `Bad fault plan: ${error.message}.`, error.pointer)
    }
  }

  // Admin bodies are not API bodies: read them plainly, outside the pipeline's body rules.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))
    scope.post(`${prefix}/faults`, postFaults)
  })

  app.delete(`${prefix}/faults`, async (_request, reply) => {
    faults.registry.clear()
    return reply.code(204).send()
  })

  app.delete(`${prefix}/faults/:id`, async (request, reply) => {
    const { id } = request.params as { id: string }
    if (faults.registry.remove(id)) return reply.code(204).send()
    const ids = faults.registry.list().map((p) => p.id)
    const problem = new Problem('ROUTE_NOT_FOUND', {
      detail: `No fault plan has the id '${id}'; plans in force: ${ids.join(', ') || 'none'}.`,
      extra: { received: id, expected: ids },
    })
    return reply.code(404).type(PROBLEM_MEDIA_TYPE).send(problem.toJSON(origin(request), request.url, request.id))
  })

  app.get(`${prefix}/report`, async (request, reply) => {
    const report = buildReport(journal.entries(), faults.inFlight())
    if (negotiate(request.headers.accept, ['application/json', 'text/plain']) === 'text/plain') {
      return reply.type('text/plain; charset=utf-8').send(formatReport(report))
    }
    return report
  })
}

function readJson(body: unknown): unknown {
  if (Buffer.isBuffer(body)) return JSON.parse(body.toString('utf8'))
  if (typeof body === 'string') return JSON.parse(body)
  if (body === undefined || body === null) throw new Error('it is empty')
  return body
}

function sendProblem(request: FastifyRequest, reply: FastifyReply, detail: string, pointer: string): FastifyReply {
  const problem = new Problem('FAULT_PLAN_INVALID', { detail, extra: { pointer } })
  return reply.code(problem.status).type(PROBLEM_MEDIA_TYPE).send(problem.toJSON(origin(request), request.url, request.id))
}

function origin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host || 'localhost'}`
}
