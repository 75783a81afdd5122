import { displayFile } from './load-spec.js'
import type { MockState } from '../mock-state.js'

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 2 && bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2} MiB`
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`
  return `${bytes} B`
}

/** `doorman check`: what the mock will enforce, one operation per line. */
export function describeMock(state: MockState): string {
  const { spec, table, config } = state
  const doc = spec.document
  const file = displayFile(spec)
  const lines = [
    `${file}: ${spec.swagger ? `Swagger ${spec.swagger} (read as OpenAPI ${doc.openapi})` : `OpenAPI ${doc.openapi}`}, "${doc.info.title}" ${doc.info.version}; ${table.operations.length} operation(s)` +
      (table.basePath ? `, base path ${table.basePath}` : ''),
  ]
  // Columns as wide as the longest path and operationId (USPTO's `/ds-api/{dataset}/{version}/records`), so they stay aligned.
  const pathWidth = Math.max(34, ...table.operations.map((op) => op.basePath.length + op.path.length))
  const idWidth = Math.max(20, ...table.operations.map((op) => op.id.length))
  for (const op of table.operations) {
    const rules: string[] = []
    const schemes = op.security.map((req) => Object.keys(req).join('+') || 'none')
    rules.push(`auth: ${schemes.length ? schemes.join(' | ') : 'none'}`)
    if (op.requestBody) {
      rules.push(
        `body: ${Object.keys(op.requestBody.content).join(', ')} (${op.requestBody.required ? 'required' : 'optional'}, ≤ ${formatBytes(state.rules.get(op)?.bodyLimitBytes ?? config.limits.bodySizeBytes)})`,
      )
    }
    const params = op.parameters.map((p) => `${p.in}:${p.name}${p.required ? '*' : ''}`)
    if (params.length) rules.push(`params: ${params.join(' ')}`)
    rules.push(`responses: ${Object.keys(op.responses).join(' ') || 'none'}`)
    lines.push(`  ${op.method.padEnd(7)} ${(op.basePath + op.path).padEnd(pathWidth)} ${op.id.padEnd(idWidth)} ${rules.join('  ')}`)
  }
  return lines.join('\n') + '\n'
}
