import { performance } from 'node:perf_hooks'
import { inspect } from 'node:util'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { RequestContext } from '../pipeline/context.js'
import { clientFacts } from './client-facts.js'
import type { Journal, JournalBody, JournalEntry } from './journal.js'
import { bodySummary, PendingEntry } from './pending-entry.js'
import { redactQuery, withoutSecrets } from './redact.js'
import { describeViolation } from '../proxy/violations.js'

export type LogMode = 'pretty' | 'json' | 'silent'
export type LogSink = (entry: JournalEntry) => void
/** Records one request in the journal and the log: `recordRequest` with the server's options bound. */
export type Recorder = (request: FastifyRequest, reply: FastifyReply, ctx?: RequestContext) => void

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
  const facts = clientFacts(ctx, request, reply)
  // Only references and numbers here: the redacted copies and the body summaries are built when the journal is read.
  const sent = reply.raw.headersSent
  const body = ctx.body
  const bodyText =
    body === undefined || body.length === 0
      ? undefined
      : body.length <= bodyBytes && ctx.bodyText !== undefined
        ? ctx.bodyText
        : body.subarray(0, bodyBytes).toString('utf8')
  const entry = new PendingEntry(
    ctx.id,
    ctx.receivedAt.getTime(),
    ctx.method,
    ctx.path,
    ctx.operation?.id,
    facts.status,
    ctx.verdict?.step ?? facts.step ?? 'respond',
    ctx.verdict?.code,
    ctx.verdict?.detail ?? facts.detail,
    Math.round((performance.now() - ctx.startedAt) * 100) / 100,
    facts.fields,
    {
      query: queryOf(request.url, redact),
      headers: withoutSecrets(request.headers, redact),
      // The JSON step decoded the very same bytes already: no second decode.
      bodyText,
      bodySize: body?.length ?? 0,
      bodyTruncated: body !== undefined && body.length > bodyBytes,
      httpVersion: request.raw.httpVersion,
      responseHeaders: sent ? reply.getHeaders() : undefined,
      responseBody: sent ? responseBody(ctx, bodyBytes) : undefined,
      redact,
      bodyBytes,
    },
  )
  journal.add(entry)
  if (typeof log === 'function') log(entry.entry())
  else if (log !== 'silent') process.stdout.write(formatLogLine(entry, log, { color: (stdoutColor ??= wantsColor(process.stdout)) }) + '\n')
}

function queryOf(url: string, redact: Set<string>): string {
  const q = url.indexOf('?')
  return q === -1 ? '' : redactQuery(url.slice(q + 1), redact)
}

/** A string is summarised when the entry is read; a Buffer now, since a slice of it may pin a larger buffer. */
function responseBody(ctx: RequestContext, limit: number): string | JournalBody | undefined {
  const payload = ctx.responsePayload
  if (payload === undefined || typeof payload === 'string') return payload
  return payload.length === 0 || ctx.method === 'HEAD' ? undefined : bodySummary(payload, limit)
}

/** What a log line says: a journal entry has it all. */
export type LogLineFields = Pick<
  JournalEntry,
  'time' | 'requestId' | 'method' | 'path' | 'operation' | 'status' | 'step' | 'code' | 'detail' | 'durationMs' | 'fault' | 'violations'
>

export interface LogLineOptions {
  /** ANSI colours for a terminal (pretty mode only). Default false. */
  color?: boolean
}

/**
 * `POST /orders 415 CONTENT_TYPE_UNSUPPORTED 1.2ms → <detail>`, or one JSON
 * object per line. The JSON shape is a contract for wrappers in other
 * languages (docs/logging.md): add keys at the end, never rename or drop one.
 */
export function formatLogLine(entry: LogLineFields, mode: 'pretty' | 'json', options: LogLineOptions = {}): string {
  if (mode === 'json') return JSON.stringify(logLineJson(entry))
  const paint = options.color ? ansi : plain
  const faulted = entry.step === 'fault'
  // A socket fault has no code and no status: say which fault, not which operation.
  const label = entry.code ?? (faulted && entry.fault ? `fault:${entry.fault.kind}` : (entry.operation ?? '-'))
  const status = entry.status === 0 ? '---' : String(entry.status)
  const head = [
    `${entry.method} ${entry.path}`,
    paint(statusStyle(entry.status), status),
    faulted ? paint(['magenta', 'bold'], label) : entry.code ? paint(['red', 'bold'], label) : label,
    paint(['dim'], `${entry.durationMs}ms`),
  ].join(' ')
  const line = entry.detail ? `${head} ${paint(['dim'], '→')} ${entry.detail}` : head
  const violations = entry.violations
  if (violations === undefined || violations.length === 0) return line
  // doorman proxy: the count and the first one; the journal entry has them all.
  const count = `${violations.length} violation${violations.length === 1 ? '' : 's'}`
  return `${line} ${paint(['yellow', 'bold'], `⚠ ${count}:`)} ${describeViolation(violations[0])}`
}

/** The JSON log line's fields in their contract order (docs/logging.md); the TLS handshake line (src/tls/handshake.ts) adds `tls` after them. */
export function logLineJson(entry: LogLineFields): Record<string, unknown> {
  return {
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
    fault: entry.fault ? { kind: entry.fault.kind, source: entry.fault.source, delayMs: entry.fault.delayMs, plans: entry.fault.plans } : null,
    // doorman proxy only: how many ways the exchange broke the contract (the journal entry lists them).
    ...(entry.violations !== undefined && { violations: entry.violations.length }),
  }
}

type Style = 'green' | 'cyan' | 'yellow' | 'red' | 'magenta' | 'bold' | 'dim'

function statusStyle(status: number): Style[] {
  if (status === 0) return ['magenta', 'bold']
  if (status < 300) return ['green', 'bold']
  if (status < 400) return ['cyan', 'bold']
  if (status < 500) return ['yellow', 'bold']
  return ['red', 'bold']
}

function ansi(styles: Style[], text: string): string {
  return styles.reduce((out, style) => {
    const codes = inspect.colors[style]
    if (codes === undefined) return out
    const [open, close] = codes
    return `\x1b[${open}m${out}\x1b[${close}m`
  }, text)
}

function plain(_styles: Style[], text: string): string {
  return text
}

let stdoutColor: boolean | undefined

/**
 * Colour for a terminal, plain for a pipe or a file. NO_COLOR (https://no-color.org)
 * turns it off, FORCE_COLOR (as in Node and chalk) on; the terminal's own
 * colour depth (TERM=dumb …) decides the rest.
 */
export function wantsColor(stream: Pick<NodeJS.WriteStream, 'isTTY'> & { hasColors?: () => boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false'
  return stream.isTTY === true && (stream.hasColors?.() ?? true)
}
