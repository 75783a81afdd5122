import type { Operation } from '../spec/route-table.js'
import type { UpstreamForwarder } from './forward.js'

/** The proxy's tally over its whole life (the journal keeps only the newest entries): what --fail-on-violation reads. */
export interface ProxySummary {
  upstream: string
  forwarded: number
  checked: number
  /** Answers (or forwarded requests) with at least one violation. */
  answersWithViolations: number
  violations: number
  /** Violations per operation id. */
  byOperation: Record<string, number>
}

export function proxySummary(forwarder: UpstreamForwarder, operations: Operation[]): ProxySummary {
  const { totals } = forwarder
  const known = new Set(operations.map((op) => op.id))
  const byOperation: Record<string, number> = {}
  for (const [id, count] of totals.byOperation) byOperation[known.has(id) ? id : `${id} (no longer in the spec)`] = count
  return {
    upstream: forwarder.options.upstream.href,
    forwarded: totals.forwarded,
    checked: totals.checked,
    answersWithViolations: totals.withViolations,
    violations: totals.violations,
    byOperation,
  }
}

/** `doorman proxy: 12 forwarded, 12 answers checked, 2 broke the contract (3 violations): getOrder 2, listOrders 1` */
export function formatProxySummary(summary: ProxySummary): string {
  const head = `doorman proxy to ${summary.upstream}: ${summary.forwarded} forwarded, ${summary.checked} answers checked`
  if (summary.answersWithViolations === 0) return `${head}, none broke the contract`
  const ops = Object.entries(summary.byOperation)
    .map(([op, n]) => `${op} ${n}`)
    .join(', ')
  return `${head}, ${summary.answersWithViolations} broke the contract (${summary.violations} violation${summary.violations === 1 ? '' : 's'}: ${ops}); GET /__doorman/report lists them`
}
