import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Journal } from '../journal/journal.js'
import { buildReport, formatReport } from '../journal/report.js'
import type { MockState } from '../mock-state.js'
import { Problem } from '../problems/problem.js'
import { negotiate } from '../response/negotiate.js'
import { FaultPlanError } from './plan.js'
import type { FaultRuntime } from './runtime.js'

/** `GET/POST/DELETE /__doorman/faults[/ID]` and `GET /__doorman/report`. */
export function registerFaultRoutes(
  app: FastifyInstance,
  prefix: string,
  { journal, state, faults }: { journal: Journal; state: MockState; faults: FaultRuntime },
): void {
  // `state` reads the current state: a reload swaps the plans, and these routes see the new ones.
  app.get(`${prefix}/faults`, () => ({ preferHeader: state.faults.preferHeader, plans: state.faults.registry.list() }))

  const postFaults = async (request: FastifyRequest, reply: FastifyReply) => {
    let input: unknown
    try {
      input = readJson(request.body)
    } catch (error) {
      return refusePlan(reply, `The body is not JSON (${(error as Error).message}); send one fault plan, or a list of them, as JSON.`, '')
    }
    // `{ plans: [...] }`, the shape GET answers with, is accepted too.
    if (input !== null && typeof input === 'object' && !Array.isArray(input) && Array.isArray((input as { plans?: unknown }).plans)) {
      input = (input as { plans: unknown[] }).plans
    }
    try {
      return reply.code(201).send({ plans: faults.add(input, 'admin') })
    } catch (error) {
      if (!(error instanceof FaultPlanError)) throw error
      return refusePlan(reply, `Bad fault plan: ${error.message}.`, error.pointer)
    }
  }

  // Admin bodies are not API bodies: read them plainly, outside the pipeline's body rules.
  void app.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, parsed) => parsed(null, body))
    scope.post(`${prefix}/faults`, postFaults)
    done()
  })

  app.delete(`${prefix}/faults`, async (_request, reply) => {
    state.faults.registry.clear()
    return reply.code(204).send()
  })

  app.delete(`${prefix}/faults/:id`, async (request, reply) => {
    const { id } = request.params as { id: string }
    if (state.faults.registry.remove(id)) return reply.code(204).send()
    const ids = state.faults.registry.list().map((p) => p.id)
    const problem = new Problem('ROUTE_NOT_FOUND', {
      detail: `No fault plan has the id '${id}'; plans in force: ${ids.join(', ') || 'none'}.`,
      extra: { received: id, expected: ids },
    })
    return reply.problem(problem)
  })

  app.get(`${prefix}/report`, async (request, reply) => {
    const report = buildReport(journal.entries(), faults.inFlight(), new Date(), state.table.operations)
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

function refusePlan(reply: FastifyReply, detail: string, pointer: string): FastifyReply {
  return reply.problem(new Problem('FAULT_PLAN_INVALID', { detail, extra: { pointer } }))
}
