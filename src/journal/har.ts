/**
 * The journal as an HTTP Archive (HAR 1.2, http://www.softwareishard.com/blog/har-12-spec/),
 * so that what the clients sent opens in a browser's network panel or any
 * HAR viewer. `GET /__doorman/journal.har` and `mock.journal.har()`.
 *
 * The mock sees requests from the server's side, so a few client-side facts
 * are unknown and marked as HAR says (-1): DNS, connect, header sizes.
 * doorman's own verdict (step, code, fault) travels in `_doorman`, since HAR
 * allows custom fields that start with an underscore.
 */
import { VERSION } from '../version.js'
import { parseCookie } from 'cookie'
import { statusTitle } from '../problems/problem.js'
import type { JournalBody, JournalEntry } from './entry.js'

export interface HarNameValue {
  name: string
  value: string
}

export interface HarEntry {
  startedDateTime: string
  /** ms: the sum of the timings that are known. */
  time: number
  request: {
    method: string
    url: string
    httpVersion: string
    cookies: HarNameValue[]
    headers: HarNameValue[]
    queryString: HarNameValue[]
    postData?: { mimeType: string; text: string; params?: HarNameValue[]; comment?: string }
    headersSize: number
    bodySize: number
  }
  response: {
    status: number
    statusText: string
    httpVersion: string
    cookies: HarNameValue[]
    headers: HarNameValue[]
    content: { size: number; mimeType: string; text?: string; comment?: string }
    redirectURL: string
    headersSize: number
    bodySize: number
    /** Chrome's field for a request that got no response. */
    _error?: string
  }
  cache: Record<string, never>
  timings: { blocked: number; dns: number; connect: number; ssl: number; send: number; wait: number; receive: number }
  /** The connection's number in the journal: requests on one keep-alive socket share it. */
  connection: string
  comment?: string
  _doorman: {
    requestId: string
    operation: string | null
    step: string
    code: string | null
    detail: string | null
    fault: JournalEntry['fault'] | null
    clientGaveUpMs: number | null
  }
}

export interface Har {
  log: {
    version: '1.2'
    creator: { name: string; version: string }
    entries: HarEntry[]
  }
}

export function buildHar(entries: JournalEntry[]): Har {
  // A failed TLS handshake carried no request: a HAR has nothing to show for it.
  const requests = entries.filter((entry) => entry.step !== 'tls' || entry.method !== '')
  return { log: { version: '1.2', creator: { name: 'doorman', version: VERSION }, entries: requests.map(harEntry) } }
}

function harEntry(entry: JournalEntry): HarEntry {
  const httpVersion = `HTTP/${entry.httpVersion ?? '1.1'}`
  const requestType = header(entry.headers, 'content-type')
  const sent = entry.response
  // Server-side times: `wait` is arrival → status line (the mock's whole work), `receive` status line → last byte.
  const wait = round(entry.responseStartMs ?? entry.clientGaveUpMs ?? entry.durationMs)
  const receive = entry.responseStartMs !== undefined && entry.responseEndMs !== undefined ? round(entry.responseEndMs - entry.responseStartMs) : 0
  const responseType = sent ? header(sent.headers, 'content-type') : undefined
  const location = sent ? header(sent.headers, 'location') : undefined
  const verdict = entry.code ?? (entry.step === 'fault' && entry.fault ? `fault:${entry.fault.kind}` : undefined)
  return {
    startedDateTime: entry.time,
    time: round(wait + receive),
    request: {
      method: entry.method,
      url: `${entry.tls ? 'https' : 'http'}://${header(entry.headers, 'host') ?? 'localhost'}${entry.path}${entry.query ? `?${entry.query}` : ''}`,
      httpVersion,
      cookies: cookies(header(entry.headers, 'cookie')),
      headers: nameValues(entry.headers),
      queryString: [...new URLSearchParams(entry.query)].map(([name, value]) => ({ name, value })),
      ...(entry.body && { postData: postData(entry.body, requestType) }),
      headersSize: -1,
      bodySize: entry.body?.bytes ?? 0,
    },
    response: {
      status: entry.status,
      statusText: entry.status === 0 ? '' : statusTitle(entry.status),
      httpVersion: sent ? httpVersion : '',
      cookies: [],
      headers: sent ? nameValues(sent.headers) : [],
      content: {
        size: sent?.body?.bytes ?? 0,
        mimeType: responseType ?? 'x-unknown',
        ...(sent?.body && { text: sent.body.text }),
        ...(sent?.body?.truncated && { comment: truncatedNote(sent.body) }),
      },
      redirectURL: entry.status >= 300 && entry.status < 400 ? (location ?? '') : '',
      headersSize: -1,
      bodySize: sent ? (sent.body?.bytes ?? 0) : -1,
      ...(!sent && { _error: entry.detail ?? 'no response was sent' }),
    },
    cache: {},
    timings: { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait, receive },
    connection: String(entry.connection),
    ...(entry.detail && { comment: verdict ? `${verdict}: ${entry.detail}` : entry.detail }),
    _doorman: {
      requestId: entry.requestId,
      operation: entry.operation ?? null,
      step: entry.step,
      code: entry.code ?? null,
      detail: entry.detail ?? null,
      fault: entry.fault ?? null,
      clientGaveUpMs: entry.clientGaveUpMs ?? null,
    },
  }
}

function postData(body: JournalBody, mimeType: string | undefined): NonNullable<HarEntry['request']['postData']> {
  const type = mimeType ?? ''
  const form = /^application\/x-www-form-urlencoded\b/i.test(type) && !body.truncated
  return {
    mimeType: type,
    text: body.text,
    ...(form && { params: [...new URLSearchParams(body.text)].map(([name, value]) => ({ name, value })) }),
    ...(body.truncated && { comment: truncatedNote(body) }),
  }
}

function truncatedNote(body: JournalBody): string {
  return `truncated: the journal keeps the first ${Buffer.byteLength(body.text)} of ${body.bytes} bytes (journal.bodyBytes)`
}

function header(headers: Record<string, string | string[]>, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** Repeated headers (`set-cookie`, …) become one pair per value, as on the wire. */
function nameValues(headers: Record<string, string | string[]>): HarNameValue[] {
  return Object.entries(headers).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => ({ name, value: v })))
}

function cookies(cookieHeader: string | undefined): HarNameValue[] {
  // The journal redacts the Cookie header by default: no names to show then.
  if (cookieHeader === undefined || cookieHeader === '[redacted]') return []
  return Object.entries(parseCookie(cookieHeader)).map(([name, value]) => ({ name, value: value ?? '' }))
}

function round(ms: number): number {
  return Math.max(0, Math.round(ms * 1000) / 1000)
}
