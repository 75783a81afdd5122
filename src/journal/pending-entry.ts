import type { IncomingHttpHeaders } from 'node:http'
import type { ClientFacts } from './client-facts.js'
import type { ProblemCode, Step } from '../problems/catalog.js'
import type { JournalBody, JournalEntry } from './entry.js'
import { redactHeaders } from './redact.js'

/** What the rest of an entry is built from, captured by reference when the request is recorded. */
export interface RawParts {
  /** The query string, without '?', credentials redacted (cheap: usually it holds no redacted name). */
  query: string
  /** The request's own headers object (nothing changes it once the response went out), or a copy without its credentials. */
  headers: IncomingHttpHeaders
  /** The request body's text (cut at `bodyBytes`), its full size in bytes, and whether it was cut. */
  bodyText: string | undefined
  bodySize: number
  bodyTruncated: boolean
  httpVersion: string
  /** The response's headers as sent (`reply.getHeaders()`), undefined when no response went out. */
  responseHeaders: Record<string, string | number | string[] | undefined> | undefined
  /** The response body: a string is summarised when the entry is built; a Buffer was summarised when recorded (a slice may pin a larger buffer). */
  responseBody: string | JournalBody | undefined
  redact: Set<string>
  bodyBytes: number
}

const NO_HEADERS: IncomingHttpHeaders = Object.freeze({})

/**
 * One journal entry as the server records it. Building the redacted header
 * copies, the query and the body summaries cost more than the rest of the
 * journal on every request, and most entries are never read: here they are
 * built on the first read (then kept, and the references dropped). The
 * fields the filters and the log line read are plain properties from the start.
 *
 * Entries outlive the young generation (the ring keeps the last 1000), so
 * the collector copies every object they hold, twice: the parts are fields
 * here rather than objects of their own.
 */
// The fields repeat RawParts (`duplicates` pairs them): a class must declare its fields, and `implements` keeps the two in step.
export class PendingEntry implements RawParts {
  #entry: JournalEntry | undefined
  query: string
  headers: IncomingHttpHeaders
  bodyText: string | undefined
  bodySize: number
  bodyTruncated: boolean
  httpVersion: string
  responseHeaders: Record<string, string | number | string[] | undefined> | undefined
  responseBody: string | JournalBody | undefined
  redact: Set<string>
  bodyBytes: number

  constructor(
    readonly requestId: string,
    /** ms since the epoch when the request arrived. */
    readonly receivedAt: number,
    readonly method: string,
    readonly path: string,
    readonly operation: string | undefined,
    readonly status: number,
    readonly step: Step,
    readonly code: ProblemCode | undefined,
    readonly detail: string | undefined,
    readonly durationMs: number,
    readonly facts: ClientFacts,
    raw: RawParts,
  ) {
    this.query = raw.query
    this.headers = raw.headers
    this.bodyText = raw.bodyText
    this.bodySize = raw.bodySize
    this.bodyTruncated = raw.bodyTruncated
    this.httpVersion = raw.httpVersion
    this.responseHeaders = raw.responseHeaders
    this.responseBody = raw.responseBody
    this.redact = raw.redact
    this.bodyBytes = raw.bodyBytes
  }

  /** ISO time the request arrived (what `JournalEntry.time` says). */
  get time(): string {
    return new Date(this.receivedAt).toISOString()
  }

  get fault(): ClientFacts['fault'] {
    return this.facts.fault
  }

  get violations(): ClientFacts['violations'] {
    return this.facts.violations
  }

  /** The public entry, built once; the same object on every read. */
  entry(): JournalEntry {
    if (this.#entry !== undefined) return this.#entry
    // Same keys, in the same order, as the entries were always built with: their JSON is a contract.
    this.#entry = {
      requestId: this.requestId,
      time: this.time,
      method: this.method,
      path: this.path,
      query: this.query,
      operation: this.operation,
      headers: redactHeaders(this.headers, this.redact),
      body: this.bodyText === undefined ? undefined : { text: this.bodyText, bytes: this.bodySize, truncated: this.bodyTruncated },
      httpVersion: this.httpVersion,
      response: this.responseHeaders === undefined ? undefined : sentResponse(this, this.responseHeaders),
      status: this.status,
      step: this.step,
      code: this.code,
      detail: this.detail,
      durationMs: this.durationMs,
      ...this.facts,
    }
    // What the entry was built from goes: the built entry holds all of it.
    this.headers = NO_HEADERS
    this.responseHeaders = this.responseBody = this.bodyText = undefined
    return this.#entry
  }
}

function sentResponse(raw: PendingEntry, responseHeaders: NonNullable<PendingEntry['responseHeaders']>): JournalEntry['response'] {
  const headers = redactHeaders(responseHeaders, raw.redact)
  const payload = raw.responseBody
  const body = typeof payload !== 'string' ? payload : payload.length === 0 || raw.method === 'HEAD' ? undefined : bodySummary(payload, raw.bodyBytes)
  return { headers, body }
}

export function bodySummary(body: Buffer | string, limit: number): JournalBody {
  if (typeof body === 'string') {
    const bytes = Buffer.byteLength(body)
    // The common case (a small JSON answer) keeps the string as it is: no copy.
    if (bytes <= limit) return { text: body, bytes, truncated: false }
    body = Buffer.from(body)
  }
  const truncated = body.length > limit
  return { text: body.subarray(0, limit).toString('utf8'), bytes: body.length, truncated }
}
