import type { ProblemCode, Step } from '../problems/catalog.js'
import type { ClientFacts } from './client-facts.js'

/** One request as the mock saw it, and what it answered (and, from ClientFacts, its connection, fault and timings). */
export interface JournalEntry extends ClientFacts {
  requestId: string
  /** ISO time the request arrived. */
  time: string
  method: string
  path: string
  /** The raw query string, without '?'. */
  query: string
  /** operationId (or `METHOD /path`) when the route step found one. */
  operation: string | undefined
  /** Request headers; credentials are redacted (see `journal.redact`). */
  headers: Record<string, string | string[]>
  /** The request body as text, cut at `journal.bodyBytes`. */
  body: JournalBody | undefined
  /** `1.1`, `1.0` (for the HAR export). */
  httpVersion?: string
  /** What went back: headers (redacted like the request's) and the body cut at `journal.bodyBytes`; undefined when no response went out (a socket fault, or the client gave up first). */
  response?: { headers: Record<string, string | string[]>; body: JournalBody | undefined }
  status: number
  /** The step that refused the request, or 'respond' when it was answered normally. */
  step: Step
  /** The problem code of a refusal. */
  code: ProblemCode | undefined
  /** The refusal's `detail`, for people. */
  detail: string | undefined
  durationMs: number
}

/** A body as the journal keeps it: UTF-8 text, cut at `journal.bodyBytes`; `bytes` is the full size. */
export interface JournalBody {
  text: string
  bytes: number
  truncated: boolean
}

export interface JournalFilter {
  /** One entry: what `doorman proxy --violations-header` links to. */
  requestId?: string
  operation?: string
  method?: string
  path?: string
  status?: number
  code?: string
  step?: string
  /** Only entries that arrived at or after this time. */
  since?: Date | string | number
}

export interface WaitForOptions {
  /** Default 5000 ms. */
  timeoutMs?: number
  /** Stops waiting: the promise rejects with the signal's reason. */
  signal?: AbortSignal
}
