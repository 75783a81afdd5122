/** The check's figures as text: rates, skips by reason, and each failure with the request that shows it. */
import type { CheckReport, Finding } from './check-document.js'

export const percent = (n: number, d: number) => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(d >= 1000 ? 2 : 1)} %`)

export function formatReport(report: CheckReport, { failures = 20 } = {}): string[] {
  const { valid, mutations } = report
  const lines = [
    `valid requests accepted: ${valid.accepted}/${valid.sent} (${percent(valid.accepted, valid.sent)})`,
    `mutations refused: ${mutations.refused}/${mutations.sent} (${percent(mutations.refused, mutations.sent)})` +
      (mutations.sent
        ? `: ${Object.entries(mutations.byKind)
            .map(([kind, n]) => `${kind} ${n.refused}/${n.sent}`)
            .join(', ')}`
        : ''),
  ]
  const skipped = Object.entries(report.skipped).sort((a, b) => b[1] - a[1])
  if (skipped.length)
    lines.push(`skipped (not valid by construction): ${skipped.reduce((n, [, c]) => n + c, 0)}`, ...skipped.map(([reason, n]) => `  ${n} × ${reason}`))
  for (const finding of report.failures.slice(0, failures)) lines.push(formatFinding(finding))
  if (report.failures.length > failures) lines.push(`… and ${report.failures.length - failures} more failures`)
  return lines
}

export function formatFinding(f: Finding): string {
  const answer = f.error ? `client error ${f.error}` : `${f.status}${f.code ? ` ${f.code}` : ''}${f.detail ? `: ${f.detail}` : ''}`
  return `FAIL ${f.kind}${f.change ? ` (${f.change})` : ''} ${f.operation}: ${answer}\n    ${f.request}`
}
