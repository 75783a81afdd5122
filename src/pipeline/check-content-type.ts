import { Problem } from '../problems/problem.js'
import { kindOf, type MediaRule } from '../spec/compile-rules.js'
import type { Operation } from '../spec/route-table.js'
import { closest } from '../util/closest.js'
import { essence, parseMediaType } from '../util/media-type.js'
import { matchedOperation, matchedRules, type Stage } from './context.js'
import { ReusedRefusals } from './reused-refusals.js'

export const SUPPORTED_ENCODINGS = ['gzip', 'deflate', 'br']
const MAX_CODINGS = SUPPORTED_ENCODINGS.length
const JSON_CHARSETS = new Set(['utf-8', 'utf8'])

/** Step 4: does the operation take a body of this media type, charset and encoding? Decided from headers alone. */
export const checkContentType: Stage = {
  name: 'content-type',
  needsBody: false,
  run(ctx, request) {
    const operation = matchedOperation(ctx)
    const body = matchedRules(ctx).body
    const header = request.headers['content-type']
    // maybe GET or HEAD: no body announced, nothing to check (a required body is the parse step's business)
    if (!ctx.hasBody) return undefined
    if (body === undefined) {
      return new Problem('CONTENT_TYPE_UNSUPPORTED', {
        detail: `${operation.label} takes no request body, but this request sends one; send it without a body.`,
        extra: { expected: [], received: header ?? null },
      })
    }
    const { accepted, acceptHeaders } = acceptedBy(operation, body.media)
    if (header === undefined || header.trim() === '') {
      return new Problem('CONTENT_TYPE_MISSING', {
        detail: `${operation.label} has a body but no Content-Type header; add Content-Type: ${accepted[0]}.`,
        headers: acceptHeaders,
        extra: { expected: accepted },
      })
    }
    const parsed = parseMediaType(header)
    const rule = parsed && bestRule(body.media, parsed.type, parsed.subtype)
    if (!parsed || !rule) return unsupported(operation, header, parsed?.essence, accepted, acceptHeaders)
    const kind = rule.kind === 'binary' || rule.type === '*' || rule.subtype.includes('*') ? kindOf(parsed.essence) : rule.kind
    const charset = parsed.params.charset?.toLowerCase()
    if (charset !== undefined && !charsetAllowed(kind, charset)) {
      const wanted = kind === 'json' ? 'UTF-8 (charset=utf-8, or no charset)' : 'a charset Node can decode, such as utf-8'
      return new Problem('CONTENT_TYPE_UNSUPPORTED', {
        detail: `${operation.label} takes ${parsed.essence} in ${wanted}, but the request says charset=${parsed.params.charset}.`,
        headers: acceptHeaders,
        extra: { expected: kind === 'json' ? ['utf-8'] : undefined, received: `charset=${parsed.params.charset}` },
      })
    }
    const encodings = parseEncodings(request.headers['content-encoding'])
    // Each coding is a decompressor in a chain, with its own buffers: 2,500 stacked gzips cost 8 MB and seconds per request.
    if (encodings.length > MAX_CODINGS) {
      return new Problem('CONTENT_ENCODING_UNSUPPORTED', {
        detail: `The body names ${encodings.length} content codings; doorman decodes at most ${MAX_CODINGS} (e.g. Content-Encoding: gzip); compress the body once.`,
        headers: { 'accept-encoding': SUPPORTED_ENCODINGS.join(', ') },
        extra: { expected: SUPPORTED_ENCODINGS, received: encodings.length > 10 ? `${encodings.slice(0, 10).join(', ')}, …` : encodings.join(', ') },
      })
    }
    const unknown = encodings.find((e) => !SUPPORTED_ENCODINGS.includes(e))
    if (unknown !== undefined) {
      // RFC 7694 §3: a 415 for an unsupported content coding names the ones that are, in Accept-Encoding.
      return new Problem('CONTENT_ENCODING_UNSUPPORTED', {
        detail: `The body is encoded as '${unknown}', which doorman cannot decode; send it uncompressed or as ${SUPPORTED_ENCODINGS.join(', ')}.`,
        headers: { 'accept-encoding': SUPPORTED_ENCODINGS.join(', ') },
        extra: { expected: SUPPORTED_ENCODINGS, received: unknown },
      })
    }
    ctx.media = { rule, essence: parsed.essence, charset, kind }
    ctx.encodings = encodings
    return undefined
  },
}

// A client that sends the wrong media type sends it again and again: the "did you mean" (an edit distance per
// accepted type) was half the cost of a 415. One refusal per operation and header value.
const refusals = new ReusedRefusals()

function unsupported(operation: Operation, header: string, essence: string | undefined, accepted: string[], acceptHeaders: Record<string, string>): Problem {
  return refusals.get(operation, header, () => {
    const received = essence ?? header.trim()
    const suggestion = suggestMediaType(received, accepted)
    const why = essence !== undefined ? '' : ' (not a valid media type: it must look like type/subtype)'
    return new Problem('CONTENT_TYPE_UNSUPPORTED', {
      detail: `${operation.label} accepts ${accepted.join(', ')}, but the request says '${received}'${why}.${suggestion ? ` Did you mean '${suggestion}'?` : ''}`,
      headers: acceptHeaders,
      extra: { expected: accepted, received, ...(suggestion ? { suggestion } : {}) },
    })
  })
}

// What an operation accepts, as refusals list it: made once per operation, not on every request with a body.
const acceptance = new WeakMap<Operation, { accepted: string[]; acceptHeaders: Record<string, string> }>()

function acceptedBy(operation: Operation, media: MediaRule[]): { accepted: string[]; acceptHeaders: Record<string, string> } {
  let known = acceptance.get(operation)
  if (known === undefined) {
    const accepted = media.map((m) => m.mediaType)
    acceptance.set(operation, (known = { accepted, acceptHeaders: acceptHeadersFor(operation, accepted) }))
  }
  return known
}

/** Accept-Post (W3C LDP, IANA-registered) and Accept-Patch (RFC 5789 §3.1) exist; other methods get Accept. */
function acceptHeadersFor(op: Operation, accepted: string[]): Record<string, string> {
  const value = accepted.join(', ')
  if (op.method === 'POST') return { 'accept-post': value }
  if (op.method === 'PATCH') return { 'accept-patch': value }
  return { accept: value }
}

/** The most specific documented range that matches: exact, then `type/*+suffix`, then `type/*`, then `*\/*`. */
function bestRule(media: MediaRule[], type: string, subtype: string): MediaRule | undefined {
  let best: MediaRule | undefined
  let bestScore = 0
  for (const rule of media) {
    let score = 0
    if (rule.type === '*' && rule.subtype === '*') score = 1
    else if (rule.type === type && rule.subtype === '*') score = 2
    else if (rule.type === type && rule.subtype.startsWith('*+') && subtype.endsWith(rule.subtype.slice(1))) score = 3
    else if (rule.type === type && rule.subtype === subtype) score = 4
    if (score > bestScore) {
      best = rule
      bestScore = score
    }
  }
  return best
}

function charsetAllowed(kind: string, charset: string): boolean {
  if (kind === 'json' || kind === 'form') return JSON_CHARSETS.has(charset)
  try {
    new TextDecoder(charset)
    return true
  } catch {
    return false
  }
}

function parseEncodings(header: string | undefined): string[] {
  if (header === undefined) return []
  return header
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '' && e !== 'identity')
    .map((e) => (e === 'x-gzip' ? 'gzip' : e))
}

/**
 * "Did you mean …?" for a media type: a typo of a whole type (`aplication/json`),
 * a subtype alone (`json`), or the right subtype under the wrong type (`text/json`).
 */
export function suggestMediaType(received: string, accepted: string[]): string | undefined {
  const concrete = accepted.filter((a) => !a.includes('*')).map(essence)
  const lower = received.toLowerCase()
  const whole = closest(lower, concrete, 4)
  if (whole) return whole
  const subtypeOf = (t: string) => t.slice(t.indexOf('/') + 1)
  const receivedSubtype = lower.includes('/') ? subtypeOf(lower) : lower
  const bySubtype = concrete.find((a) => subtypeOf(a.toLowerCase()) === receivedSubtype)
  if (bySubtype) return bySubtype
  const near = closest(receivedSubtype, concrete.map(subtypeOf), 2)
  return near ? concrete.find((a) => subtypeOf(a) === near) : undefined
}
