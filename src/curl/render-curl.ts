import type { CurlPlan, CurlRequest } from './build-requests.js'
import { shellQuote } from './shell.js'

/** `doorman curl`: every operation under a `## id — METHOD /path` heading, one blank line between commands. */
export function renderCurlScript(plan: CurlPlan): string {
  const parts = plan.notes.map((note) => `# note: ${note}`)
  for (const op of plan.operations) {
    parts.push(`## ${op.id} — ${op.method} ${op.path}${op.summary ? ` (${op.summary})` : ''}`)
    for (const request of op.requests) parts.push(renderCurl(request))
  }
  return parts.join('\n\n') + '\n'
}

/**
 * One request as a comment line and a ready-to-run command:
 *
 *     # 415 CONTENT_TYPE_UNSUPPORTED — wrong content type 'application/jsn'
 *     curl -i 'http://127.0.0.1:4010/orders' \
 *       -H 'Content-Type: application/jsn' \
 *       --data-binary '{"customerId":"c-123"}'
 *
 * The comment is stable and parseable (`COMMENT_PATTERN`): the status as
 * curl's `%{http_code}` prints it (000 when no answer comes), the problem
 * code when the answer is one, then what the request does. The command ends
 * with its last argument, so a caller can append curl options
 * (`-s -o FILE -w '%{http_code}'`) without changing what a person sees.
 */
export function renderCurl(request: CurlRequest): string {
  return `${renderComment(request)}\n${renderCommand(request)}`
}

/** `# 201 — a valid request`, `# 401 AUTH_MISSING — no credentials`, `# 000 — Prefer: fault=hang (…)`. */
export const COMMENT_PATTERN = /^# (\d{3})(?: ([A-Z][A-Z0-9_]*))? — (.*)$/

export function renderComment(request: CurlRequest): string {
  const status = String(request.expectStatus).padStart(3, '0')
  return `# ${status}${request.expectCode ? ` ${request.expectCode}` : ''} — ${request.title}`
}

export function renderCommand(request: CurlRequest): string {
  const hasBody = request.body !== undefined || request.bodyFromCommand !== undefined
  const first = ['curl', '-i']
  if (request.maxTimeSeconds !== undefined) first.push('--max-time', String(request.maxTimeSeconds))
  // curl infers POST from a body and GET without one; any other method is named.
  if (request.method !== (hasBody ? 'POST' : 'GET')) first.push('-X', request.method)
  for (const option of request.options ?? []) first.push(option.startsWith('-') ? option : shellQuote(option))
  first.push(shellQuote(request.url))
  const lines = [first.join(' ')]
  // `-H 'Name:'` (nothing after the colon) makes curl drop a header it would add itself.
  for (const [name, value] of request.headers) lines.push(`-H ${shellQuote(value === '' ? `${name}:` : `${name}: ${value}`)}`)
  if (request.body !== undefined) lines.push(`--data-binary ${shellQuote(request.body)}`)
  else if (request.bodyFromCommand !== undefined) lines.push('--data-binary @-')
  const command = lines.join(' \\\n  ')
  return request.bodyFromCommand === undefined ? command : `${request.bodyFromCommand} | ${command}`
}
