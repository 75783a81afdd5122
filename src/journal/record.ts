import { performance } from 'node:perf_hooks'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { RequestContext } from '../pipeline/context.js'
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
  const q = request.url.indexOf('?')
  const entry: JournalEntry = {
    requestId: ctx.id,
    time: ctx.receivedAt.toISOString(),
    method: ctx.method,
    path: ctx.path,
    query: q === -1 ? '' : request.url.slice(q + 1),
    operation: ctx.operation?.id,
    headers: redactHeaders(request.headers, redact),
    body: ctx.body === undefined || ctx.body.length === 0 ? undefined : bodySummary(ctx.body, bodyBytes),
    status: reply.statusCode,
    step: ctx.verdict?.step ?? 'respond',
    code: ctx.verdict?.code,
    detail: ctx.verdict?.detail,
    durationMs: Math.round((performance.now() - ctx.startedAt) * 100) / 100,
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
