import { SetupError } from '../setup-error.js'
import { checkPlanValues, FaultPlanError, normalizePlan, type FaultPlan } from './plan.js'

/**
 * `faults:` in the config file: either the list of plans (as DESIGN shows it),
 * or `{ preferHeader: false, plans: [...] }` when `Prefer: fault=…` must be off.
 */
export type FaultsConfig = FaultPlan[] | { preferHeader?: boolean; plans?: FaultPlan[] }

export interface ResolvedFaults {
  /** `Prefer: fault=… / delay=… / code=5xx` honoured. Default true. */
  preferHeader: boolean
  plans: FaultPlan[]
  /** The config file and the plans' JSON pointer in it, for error messages. */
  file: string | undefined
  pointer: string
}

/** Called after the config schema passed: checks what the schema cannot (min <= max, real dates). */
export function resolveFaults(input: FaultsConfig | undefined, file: string | undefined): ResolvedFaults {
  const list = Array.isArray(input) ? input : (input?.plans ?? [])
  const at = Array.isArray(input) ? '/faults' : '/faults/plans'
  try {
    list.forEach((plan, i) => checkPlanValues(plan, `${at}/${i}`))
  } catch (error) {
    if (error instanceof FaultPlanError) throw new SetupError(error.message, { file })
    throw error
  }
  return {
    preferHeader: Array.isArray(input) ? true : (input?.preferHeader ?? true),
    plans: list.map(normalizePlan),
    file,
    pointer: at,
  }
}
