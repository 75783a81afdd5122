import { performance } from 'node:perf_hooks'
import { inspect } from 'node:util'
import type { FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify'
import type { RequestContext } from '../pipeline/context.js'
import { clientFacts } from '../faults/client-facts.js'
import type { Journal, JournalBody, JournalEntry } from './journal.js'

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
    httpVersion: request.raw.httpVersion,
    response: reply.raw.headersSent ? sentResponse(ctx, reply, redact, bodyBytes) : undefined,
    status: facts.status,
    step: ctx.verdict?.step ?? facts.step ?? 'respond',
    code: ctx.verdict?.code,
    detail: ctx.verdict?.detail ?? facts.detail,
    durationMs: Math.round((performance.now() - ctx.startedAt) * 100) / 100,
    ...facts.fields,
  }
  journal.add(entry)
  if (typeof log === 'function') log(entry)
  else if (log !== 'silent') process.stdout.write(formatLogLine(entry, log, { color: (stdoutColor ??= wantsColor(process.stdout)) }) + '\n')
}

/**
 * onSend hook: keeps the payload for the journal's `response.body`. Runs
 * after the fault runtime's own onSend, so a delayed answer is kept when it
 * finally goes out. Streams are not read (doorman sends none).
 */
export const captureResponse: onSendHookHandler = (request, _reply, payload, done) => {
  if (request.doorman && (typeof payload === 'string' || Buffer.isBuffer(payload))) request.doorman.responsePayload = payload
  done(null, payload)
}

function sentResponse(ctx: RequestContext, reply: FastifyReply, redact: Set<string>, limit: number): JournalEntry['response'] {
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value === undefined) continue
    headers[name] = redact.has(name) ? '[redacted]' : Array.isArray(value) ? value.map(String) : String(value)
  }
  const payload = ctx.responsePayload
  const empty = payload === undefined || payload.length === 0 || ctx.method === 'HEAD'
  return { headers, body: empty ? undefined : bodySummary(payload, limit) }
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
  // The common case, read once per request: nothing escaped, and no redacted name anywhere in the text.
  if (!query.includes('%') && !query.includes('+')) {
    const lower = query.toLowerCase()
    let suspect = false
    for (const name of redact) if (lower.includes(name)) suspect = true
    if (!suspect) return query
  }
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

function bodySummary(body: Buffer | string, limit: number): JournalBody {
  if (typeof body === 'string') {
    const bytes = Buffer.byteLength(body)
    // The common case (a small JSON answer) keeps the string as it is: no copy.
    if (bytes <= limit) return { text: body, bytes, truncated: false }
    body = Buffer.from(body)
  }
  const truncated = body.length > limit
  return { text: body.subarray(0, limit).toString('utf8'), bytes: body.length, truncated }
}

export interface LogLineOptions {
  /** ANSI colours for a terminal (pretty mode only). Default false. */
  color?: boolean
}

/**
 * `POST /orders 415 CONTENT_TYPE_UNSUPPORTED 1.2ms → <detail>`, or one JSON
 * object per line. The JSON shape is a contract for wrappers in other
 * languages (docs/logging.md): add keys at the end, never rename or drop one.
 */
export function formatLogLine(entry: JournalEntry, mode: 'pretty' | 'json', options: LogLineOptions = {}): string {
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
      fault: entry.fault ? { kind: entry.fault.kind, source: entry.fault.source, delayMs: entry.fault.delayMs, plans: entry.fault.plans } : null,
    })
  }
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
  return entry.detail ? `${head} ${paint(['dim'], '→')} ${entry.detail}` : head
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
    const [open, close] = inspect.colors[style]!
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
