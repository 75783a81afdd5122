import type { Outcome, RequestContext, Stage } from '../pipeline/context.js'
import { Problem } from '../problems/problem.js'
import { newProxyFacts, requestViolations } from './violations.js'

/**
 * The steps --forward-invalid lets a request through: their refusal becomes
 * the request's violations, and the request goes on to the upstream. Routing
 * (no operation to check the answer against), faults and the size limit
 * (doorman's memory) still answer.
 */
const LENIENT = new Set(['auth', 'content-type', 'parse', 'schema'])

export function lenientStages(stages: readonly Stage[]): Stage[] {
  return stages.map((stage) => (LENIENT.has(stage.name) ? lenient(stage) : stage))
}

function lenient(stage: Stage): Stage {
  const spare = (ctx: RequestContext, outcome: Outcome): Outcome => {
    if (!(outcome instanceof Problem)) return outcome
    ;(ctx.proxy ??= newProxyFacts()).violations.push(...requestViolations(outcome))
    return undefined
  }
  return {
    name: stage.name,
    needsBody: stage.needsBody,
    run(ctx, request, state) {
      const outcome = stage.run(ctx, request, state)
      return outcome instanceof Promise ? outcome.then((settled) => spare(ctx, settled)) : spare(ctx, outcome)
    },
  }
}
