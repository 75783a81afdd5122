import type { ResolvedConfig } from '../config.js'
import { SetupError } from '../setup-error.js'
import { displayFile, type LoadedSpec } from '../spec/load-spec.js'
import type { RouteTable } from '../spec/route-table.js'
import { FaultPlanError, validateFaultPlans } from './plan.js'
import { FaultRegistry } from './registry.js'

/**
 * The fault plans of one mock state, as data: the config's and the spec's
 * `x-doorman.faults`, then those added at run time, with their counters.
 * The fault step reads them; src/faults/runtime.ts carries out what it decides.
 */
export interface FaultPlans {
  registry: FaultRegistry
  /** Whether `Prefer: fault=/delay=/code=` is honoured. */
  preferHeader: boolean
  /** The document status faults take their documented answers from. */
  document: object
  /** How many requests faults hold now (the server's fault runtime counts them; src/faults/runtime.ts). */
  held: () => number
}

/** Reads the config's and the spec's plans; a bad one is a SetupError naming its file and field. */
export function loadFaultPlans(config: ResolvedConfig, spec: LoadedSpec, table: RouteTable): FaultPlans {
  const registry = new FaultRegistry(table)
  try {
    registry.add(config.faults.plans, 'config', config.faults.pointer, true)
  } catch (error) {
    if (error instanceof FaultPlanError) throw new SetupError(error.message, { file: config.faults.file })
    throw error
  }
  for (const operation of table.operations) {
    const listed = operation.extension.faults
    if (listed === undefined) continue
    const at = `${operation.pointer}/x-doorman/faults`
    try {
      if (!Array.isArray(listed)) throw new FaultPlanError(`${at}: must be a list of fault plans`, at)
      const plans = validateFaultPlans(listed, at).map((plan, i) => {
        for (const key of ['operation', 'method', 'path'] as const) {
          if (plan[key] !== undefined) {
            throw new FaultPlanError(`${at}/${i}/${key}: a fault in x-doorman applies to its own operation; remove '${key}'`, `${at}/${i}/${key}`)
          }
        }
        return { ...plan, operation: operation.id }
      })
      registry.add(plans, 'spec', at, true)
    } catch (error) {
      if (error instanceof FaultPlanError) throw new SetupError(error.message, { file: displayFile(spec) })
      throw error
    }
  }
  return { registry, preferHeader: config.faults.preferHeader, document: spec.document, held: () => 0 }
}

/**
 * `serve --watch`: plans added at run time (admin API, library) carry over to
 * the reloaded state while what they name still exists; the notes say which
 * were dropped, and why.
 */
export function carryOverPlans(from: FaultPlans, to: FaultPlans): string[] {
  const notes: string[] = []
  for (const status of from.registry.list()) {
    if (status.source !== 'admin' && status.source !== 'library') continue
    try {
      to.registry.add([status.plan], status.source)
    } catch (error) {
      if (!(error instanceof FaultPlanError)) throw error
      notes.push(`fault plan ${status.id} (added by ${status.source}) dropped: ${error.message.replace(/^\/0\/\w+: /, '')}`)
    }
  }
  return notes
}
