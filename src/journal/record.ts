import { performance } from 'node:perf_hooks'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { RequestContext } from '../pipeline/context.js'
import { clientFacts } from '../faults/client-facts.js'
import type { Journal, JournalEntry } from './journal.js'

export type LogMode = 'pretty' | 'json' | 'silent'
export type LogSink = (entry: JournalEntry) => void

export interface RecordInput {
  ctx: RequestContext
  request: FastifyRequest
  reply: FastifyReply
  journal: Journal
  redact: Set<string>
  bodyBytes: number
  log: LogMode | LogSink
}

/** Step 9: every request, whichever step answered, goes into the journal and the log. */
export function recordRequest({ ctx, request, reply, journal, redact, bodyBytes, log }: RecordInput): void {
  // A request whose connection died is recorded on 'close' (src/faults/runtime.ts); never twice.
  if (ctx.recorded) return
  ctx.recorded = true
  const q = request.url.indexOf('?')
  const facts = clientFacts(ctx, request, reply)
  const entry: JournalEntry = {
    requestId: ctx.id,
    time: ctx.receivedAt.toISOString(),
    method: ctx.method,
    path: ctx.path,
    query: q === -1 ? '' : redactQuery(request.url.slice(q + 1), redact),
    operation: ctx.operation?.id,
    headers: redactHeaders(request.headers, redact),
    body: ctx.body === undefined || ctx.body.length === 0 ? undefined : bodySummary(ctx.body, bodyBytes),
    status: facts.status,
    step: ctx.verdict?.step ?? facts.step ?? 'respond',
    code: ctx.verdict?.code,
    detail: ctx.verdict?.detail ?? facts.detail,
    durationMs: Math.round((performance.now() - ctx.startedAt) * 100) / 100,
    ...facts.fields,
  }
  journal.add(entry)
  if (typeof log === 'function') log(entry)
  else if (log !== 'silent') process.stdout.write(formatLogLine(entry, log) + '\n')
}

function redactHeaders(headers: FastifyRequest['headers'], redact: Set<string>): JournalEntry['headers'] {
  const out: JournalEntry['headers'] = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    out[name] = redact.has(name) ? '[redacted]' : value
  }
  return out
}

/** `api_key=[redacted]&limit=5`: credentials in the query string (API keys, access_token) are redacted like headers. */
function redactQuery(query: string, redact: Set<string>): string {
  if (query === '') return query
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      if (eq === -1) return pair
      let name = pair.slice(0, eq)
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '))
      } catch {
        // a malformed escape: compare the name as sent
      }
      return redact.has(name.toLowerCase()) ? `${pair.slice(0, eq)}=[redacted]` : pair
    })
    .join('&')
}

function bodySummary(body: Buffer, limit: number): JournalEntry['body'] {
  const truncated = body.length > limit
  return { text: body.subarray(0, limit).toString('utf8'), bytes: body.length, truncated }
}

/** `POST /orders 415 CONTENT_TYPE_UNSUPPORTED 1.2ms`, or one JSON object per line. */
export function formatLogLine(entry: JournalEntry, mode: 'pretty' | 'json'): string {
  if (mode === 'json') {
    return JSON.stringify({
      time: entry.time,
      requestId: entry.requestId,
      method: entry.method,
      path: entry.path,
      operation: entry.operation ?? null,
      status: entry.status,
      step: entry.step,
      code: entry.code ?? null,
      detail: entry.detail ?? null,
      durationMs: entry.durationMs,
    })
  }
  const head = `${entry.method} ${entry.path} ${entry.status} ${entry.code ?? entry.operation ?? '-'} ${entry.durationMs}ms`
  return entry.detail ? `${head} → ${entry.detail}` : head
}
