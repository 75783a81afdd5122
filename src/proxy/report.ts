import type { JournalEntry } from '../journal/entry.js'
import type { Operation } from '../spec/route-table.js'

/** `GET /__doorman/report`'s `proxy` section: per operation, what went to the upstream and how its answers held to the contract. */
export interface ProxyOperationReport {
  operation: string
  /** Requests that reached the upstream. */
  forwarded: number
  /** Answers checked against the documented responses. */
  checked: number
  /** Answers with at least one violation. */
  answersWithViolations: number
  /** Violations by `location part keyword`: `response body type`, `response status status`, `request body required`. */
  violationsByKind: Record<string, number>
  /** The upstream's statuses, with how many times each came. */
  statusesSeen: Record<string, number>
  /** The statuses (and ranges, `default`) the spec documents. */
  statusesDocumented: string[]
  /** Statuses seen that the spec documents nowhere. */
  undocumentedStatuses: number[]
  /** The first violation of each kind, for people. */
  examples: Array<{ requestId: string; kind: string; message: string; pointer: string }>
}

export interface ProxyReport {
  forwarded: number
  answersWithViolations: number
  operations: ProxyOperationReport[]
}

/** From the journal's entries (only the newest `journal.size` of them: the summary at shutdown counts them all). */
export function buildProxyReport(entries: JournalEntry[], operations: Operation[]): ProxyReport | undefined {
  const proxied = entries.filter((entry) => entry.proxy !== undefined)
  if (proxied.length === 0) return undefined
  const byId = new Map(operations.map((op) => [op.id, op]))
  const reports = new Map<string, ProxyOperationReport>()
  for (const entry of proxied) {
    const id = entry.operation ?? `${entry.method} ${entry.path}`
    let report = reports.get(id)
    if (report === undefined) {
      const documented = Object.keys(byId.get(id)?.responses ?? {})
      report = {
        operation: id,
        forwarded: 0,
        checked: 0,
        answersWithViolations: 0,
        violationsByKind: {},
        statusesSeen: {},
        statusesDocumented: documented,
        undocumentedStatuses: [],
        examples: [],
      }
      reports.set(id, report)
    }
    const facts = entry.proxy
    if (facts === undefined) continue
    if (facts.forwarded) report.forwarded++
    if (facts.checked) report.checked++
    if (facts.upstreamStatus !== undefined) report.statusesSeen[facts.upstreamStatus] = (report.statusesSeen[facts.upstreamStatus] ?? 0) + 1
    const violations = entry.violations ?? []
    if (violations.length > 0) report.answersWithViolations++
    for (const v of violations) {
      const kind = `${v.location} ${v.part} ${v.keyword}`
      if (report.violationsByKind[kind] === undefined) report.examples.push({ requestId: entry.requestId, kind, message: v.message, pointer: v.pointer })
      report.violationsByKind[kind] = (report.violationsByKind[kind] ?? 0) + 1
      if (v.part === 'status' && typeof v.received === 'number' && !report.undocumentedStatuses.includes(v.received))
        report.undocumentedStatuses.push(v.received)
    }
  }
  const list = [...reports.values()]
  return {
    forwarded: list.reduce((n, r) => n + r.forwarded, 0),
    answersWithViolations: list.reduce((n, r) => n + r.answersWithViolations, 0),
    operations: list,
  }
}

export function formatProxyReport(report: ProxyReport): string[] {
  const lines = ['', `proxy: ${report.forwarded} forwarded, ${report.answersWithViolations} answers broke the contract`]
  for (const op of report.operations) {
    const seen = Object.entries(op.statusesSeen)
      .map(([status, n]) => `${status}×${n}`)
      .join(' ')
    lines.push(
      `  ${op.operation}: ${op.forwarded} forwarded, ${op.checked} checked; statuses ${seen || 'none'} (documented ${op.statusesDocumented.join(' ') || 'none'})`,
    )
    for (const [kind, n] of Object.entries(op.violationsByKind)) {
      const example = op.examples.find((e) => e.kind === kind)
      lines.push(`    ${n}× ${kind}${example ? `: ${example.message} (${example.requestId})` : ''}`)
    }
  }
  return lines
}
