import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Outcome, RequestContext, Stage } from './context.js'

/** What a stage's refusal, early answer or fault is handed to. */
export type Settle = (reply: FastifyReply, ctx: RequestContext, outcome: NonNullable<Outcome>) => unknown

/**
 * Runs `stages` in order from `from`, until one answers: its outcome goes to
 * `settle`. Synchronous, like the stages: a promise costs every request a
 * microtask hop, so only a stage that decides later makes one. Returns true
 * when a stage answered, false when all passed, or a promise of either.
 */
export function runStages(
  stages: readonly Stage[],
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: RequestContext,
  settle: Settle,
  from = 0,
): boolean | Promise<boolean> {
  for (let i = from; i < stages.length; i++) {
    const outcome = stages[i].run(ctx, request, ctx.state)
    if (outcome instanceof Promise) {
      return outcome.then((settled) => {
        if (settled === undefined) return runStages(stages, request, reply, ctx, settle, i + 1)
        settle(reply, ctx, settled)
        return true
      })
    }
    if (outcome !== undefined) {
      settle(reply, ctx, outcome)
      return true
    }
  }
  return false
}
