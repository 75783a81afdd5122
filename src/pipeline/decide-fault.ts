import type { FastifyRequest } from 'fastify'
import { FaultAction, type FaultState } from '../faults/action.js'
import type { FaultPlan } from '../faults/plan.js'
import { preferredFault } from '../faults/prefer.js'
import type { FaultPlans } from '../faults/plans.js'
import type { FaultDecision, PlanHit } from '../faults/registry.js'
import { renderForSocket, renderStatusFault } from '../faults/render.js'
import { Problem } from '../problems/problem.js'
import type { Operation } from '../spec/route-table.js'
import { matchedOperation, type Outcome, type RequestContext, type Stage } from './context.js'

/**
 * Step 2. Decided from the route and the headers alone, right after routing:
 * a broken network does not look at the request. A fault replaces steps 3–7
 * (status → its answer, socket kinds → a FaultAction the server carries out);
 * a delay alone lets the pipeline go on and postpones whatever it answers.
 * `Prefer: fault=/delay=/code=5xx` is a person's explicit choice: it wins,
 * and the plans are not consulted (their counters do not move).
 */
export const decideFault: Stage = {
  name: 'fault',
  needsBody: false,
  run(ctx, request, state) {
    const faults = state.faults
    // The common case stays cheap: no plans and no Prefer header to read.
    if (faults.registry.size === 0 && (ctx.prefer.size === 0 || !faults.preferHeader)) return undefined

    const preferred = faults.preferHeader ? preferredFault(ctx.prefer) : undefined
    if (preferred instanceof Problem) return preferred
    if (preferred !== undefined) {
      const fault = {
        source: 'prefer' as const,
        plans: [],
        delayMs: preferred.delayMs,
        applied: preferred.applied,
        explain: `Prefer: ${preferred.applied.join(', ')}`,
      }
      return act(ctx, request, faults, fault, preferred.plan)
    }
    return plannedFault(ctx, request, faults, faults.registry.decide(matchedOperation(ctx)))
  },
}

/**
 * A CORS preflight for `operation` (src/cors/preflight.ts): only plans that
 * say `preflight: true` fire on it. A browser cannot put a Prefer header on a
 * preflight, so none is read.
 */
export function decidePreflightFault(ctx: RequestContext, request: FastifyRequest, faults: FaultPlans, operation: Operation): Outcome {
  if (faults.registry.size === 0) return undefined
  return plannedFault(ctx, request, faults, faults.registry.decide(operation, { preflight: true }))
}

function plannedFault(ctx: RequestContext, request: FastifyRequest, faults: FaultPlans, decision: FaultDecision | undefined): Outcome {
  if (decision === undefined) return undefined
  const hits = [decision.action, decision.delay].filter((hit): hit is PlanHit => hit !== undefined)
  const waited = decision.delayMs > 0 ? `; waited ${decision.delayMs} ms` : ''
  const fault = {
    source: hits[0].plan.source,
    plans: hits.map((hit) => ({ id: hit.plan.plan.id, kind: hit.plan.plan.kind, attempt: hit.attempt })),
    delayMs: decision.delayMs,
    applied: [],
    explain: hits.map((hit) => `fault plan ${hit.plan.plan.id}, attempt ${hit.attempt}: ${hit.plan.status().explain}`).join('; ') + waited,
  }
  return act(ctx, request, faults, fault, decision.action?.plan.plan)
}

type DecidedFault = Omit<FaultState, 'noResponse' | 'serverEnded' | 'clientGaveUpAt' | 'abort' | 'watched' | 'kind'>

/** Records the fault on the request and says what answers it: a status, a socket fault, or (a delay alone) nothing yet. */
function act(ctx: RequestContext, request: FastifyRequest, faults: FaultPlans, fault: DecidedFault, plan: FaultPlan | undefined): Outcome {
  const kind = plan?.kind ?? 'delay'
  ctx.fault = {
    ...fault,
    kind,
    noResponse: kind === 'hang' || kind === 'reset' || kind === 'close' || kind === 'garbage',
    serverEnded: false,
    clientGaveUpAt: undefined,
    abort: new AbortController(),
    watched: false,
  }
  if (plan === undefined || plan.kind === 'delay') return undefined
  if (plan.kind === 'status') return renderStatusFault(ctx, request, faults.document, plan, fault.explain)
  const response = plan.kind === 'partial' || plan.kind === 'drip' ? renderForSocket(ctx, request, faults.document) : undefined
  return new FaultAction(plan.kind, plan, response)
}
