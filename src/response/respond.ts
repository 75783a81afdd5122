import type { FastifyRequest } from 'fastify'
import { matchedOperation, type RequestContext } from '../pipeline/context.js'
import { Problem } from '../problems/problem.js'
import type { Operation, ResponseObject } from '../spec/route-table.js'
import { Answer } from './answer.js'
import { chooseExample, generateValue } from './example.js'
import { essence } from '../util/media-type.js'
import { isJsonMediaType, negotiate, parseAccept } from './negotiate.js'

/**
 * Step 8: the operation's documented answer, shaped by `Accept` and `Prefer`.
 * `forcedStatus` forces one (a status fault uses the documented body when there is one);
 * `Prefer: code=429/5xx` never gets here while Prefer faults are on (step 2 takes it).
 */
export function respond(ctx: RequestContext, request: FastifyRequest, doc: object, forcedStatus?: number): Answer | Problem {
  const cache = cacheFor(matchedOperation(ctx))
  // Without Prefer or a forced status, the answer depends on the operation and Accept alone: it is built once per Accept.
  if (forcedStatus !== undefined || ctx.prefer.size > 0) return render(ctx, request, doc, cache, forcedStatus)
  const accept = request.headers.accept ?? ''
  let answer = cache.plain.get(accept)
  if (answer === undefined) {
    const rendered = render(ctx, request, doc, cache, undefined)
    if (!(rendered instanceof Answer)) return rendered
    answer = rendered
    if (cache.plain.size < MAX_CACHED_PER_OPERATION) cache.plain.set(accept, answer)
  }
  return new Answer(answer.status, { ...answer.headers }, answer.body)
}

function render(ctx: RequestContext, request: FastifyRequest, doc: object, cache: OperationCache, forcedStatus: number | undefined): Answer | Problem {
  const operation = matchedOperation(ctx)
  const applied: string[] = []

  const preferred = forcedStatus === undefined ? ctx.prefer.get('code') : String(forcedStatus)
  const picked = preferred === undefined ? (cache.status ??= pickStatus(operation, undefined)) : pickStatus(operation, preferred)
  if (picked instanceof Problem) return picked
  if (ctx.prefer.has('code') && forcedStatus === undefined) applied.push(`code=${picked.status}`)
  const { status, response } = picked

  const headers: Record<string, string> = { ...cached(cache, `headers ${status}`, () => documentedHeaders(doc, response)) }

  const content = response?.content ?? {}
  const offers = Object.keys(content)
  if (offers.length === 0 || status === 204 || status === 304) {
    return withApplied(new Answer(status, headers, undefined), headers, applied)
  }
  const wanted = ctx.prefer.get('example')
  const exampleFor = (type: string) => cached(cache, `example ${status} ${type} ${wanted ?? ''}`, () => chooseExample(doc, content[type], wanted))
  // doorman writes JSON, and text as it is: where the client takes application/xml and application/json alike
  // (curl's and fetch's */*), an object goes out as JSON rather than as JSON labelled XML.
  const faithful = (type: string) => {
    if (isJsonMediaType(type)) return true
    const example = exampleFor(type)
    if (!example.found || example.value === undefined || Buffer.isBuffer(example.value)) return true
    // A string is sent as it is; under an XML type only a string that is XML (a documented example) is what it says.
    return typeof example.value === 'string' && (!/[/+]xml$/.test(essence(type)) || example.value.trimStart().startsWith('<'))
  }
  const mediaType = negotiate(request.headers.accept, offers, faithful)
  if (mediaType === undefined) {
    return new Problem('NOT_ACCEPTABLE', {
      detail: `${operation.label} answers ${status} as ${listOf(offers)}, but the request's Accept is '${request.headers.accept}'; accept one of those (or */*).`,
      extra: { expected: offers, received: request.headers.accept },
    })
  }
  const example = exampleFor(mediaType)
  if (!example.found) {
    return new Problem('PREFER_UNSATISFIABLE', {
      detail: `Prefer: example=${ctx.prefer.get('example')} names no example of the ${status} ${mediaType} response of ${operation.label}; ${example.available.length ? `documented examples: ${example.available.join(', ')}` : 'it documents no named examples'}.`,
      extra: { expected: example.available, received: ctx.prefer.get('example') },
    })
  }
  if (ctx.prefer.has('example')) applied.push(`example=${example.name}`)
  const contentType = concreteMediaType(mediaType, example.value, request.headers.accept)
  headers['content-type'] = contentType
  // Serialising the same example on every request cost as much as validating the request: it is done once per type.
  const body = cached(
    cache,
    `body ${status} ${mediaType} ${example.name ?? ''} ${wanted ?? ''} ${contentType}`,
    () => placeholderImage(example.value, contentType) ?? serialize(example.value, contentType),
  )
  return withApplied(new Answer(status, headers, body), headers, applied)
}

/**
 * What the document alone decides, per operation: the default status, the
 * documented headers, the chosen examples and their serialised bodies. The
 * document does not change while it is served (a reload builds new
 * operations), and a few keys per operation bound each cache.
 */
interface OperationCache {
  status?: Picked | Problem
  values: Map<string, unknown>
  /** The whole answer to a request without preferences, by its Accept header. */
  plain: Map<string, Answer>
}

const caches = new WeakMap<Operation, OperationCache>()

function cacheFor(operation: Operation): OperationCache {
  let cache = caches.get(operation)
  if (cache === undefined) caches.set(operation, (cache = { values: new Map(), plain: new Map() }))
  return cache
}

/** Keys carry request-chosen names (Prefer: example=…): past a bound, values are computed and not kept. */
const MAX_CACHED_PER_OPERATION = 64

function cached<T>(cache: OperationCache, key: string, compute: () => T): T {
  if (cache.values.has(key)) return cache.values.get(key) as T
  const value = compute()
  if (cache.values.size < MAX_CACHED_PER_OPERATION) cache.values.set(key, value)
  return value
}

function documentedHeaders(doc: object, response: ResponseObject | undefined): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, header] of Object.entries(response?.headers ?? {})) {
    // OAS: a documented Content-Type SHALL be ignored; framing is doorman's (src/response/response-notes.ts).
    if (/^content-type$/i.test(name) || FRAMING_HEADERS.has(name.toLowerCase())) continue
    const choice = chooseExample(doc, header, undefined)
    const value = choice.found ? choice.value : generateValue(doc, header.schema ?? {})
    if (value !== undefined && value !== null) headers[name.toLowerCase()] = headerValue(value)
  }
  return headers
}

type Picked = { status: number; response: ResponseObject | undefined }

/**
 * The lowest documented 2xx (then 3xx, then `default` as 200), or what `Prefer: code=` asks for.
 * Never a 1xx: that is an interim answer, and a client that gets one as the last waits for the real one forever.
 */
export function pickStatus(operation: Operation, preferred: string | undefined): Picked | Problem {
  const documented = Object.keys(operation.responses)
  if (preferred !== undefined) {
    const status = Number(preferred)
    if (/^1[0-9]{2}$/.test(preferred)) {
      return new Problem('PREFER_UNSATISFIABLE', {
        detail: `Prefer: code=${preferred} asks for an informational (1xx) status, which is never a final answer (the client would wait for the real one forever); ${finalStatuses(operation, documented)}.`,
        extra: { expected: documented.filter((k) => !/^1/.test(k)), received: preferred },
      })
    }
    const key = /^[1-5][0-9]{2}$/.test(preferred)
      ? (documented.find((k) => k === preferred) ??
        documented.find((k) => k === `${preferred[0]}XX`) ??
        // `default` documents every status not listed on its own.
        documented.find((k) => k === 'default'))
      : undefined
    if (key === undefined) {
      return new Problem('PREFER_UNSATISFIABLE', {
        detail: `Prefer: code=${preferred} asks for a status ${operation.label} does not document; documented: ${documented.filter((k) => k !== 'default').join(', ') || 'none'}.`,
        extra: { expected: documented, received: preferred },
      })
    }
    return { status, response: operation.responses[key] }
  }
  const exact = documented.filter((k) => /^[2-5][0-9]{2}$/.test(k)).sort()
  const success = exact.find((k) => k.startsWith('2')) ?? exact.find((k) => k.startsWith('3'))
  if (success) return { status: Number(success), response: operation.responses[success] }
  if (operation.responses['2XX']) return { status: 200, response: operation.responses['2XX'] }
  if (operation.responses.default) return { status: 200, response: operation.responses.default }
  // Only informational statuses documented (a 101 for a WebSocket upgrade, a 100 for uploads): the request
  // succeeded and a 1xx carries no content, so the final answer is a success with none. doorman cannot switch
  // protocols or send the 1xx as an interim answer; start-up says so (src/response/response-notes.ts).
  if (documented.some((k) => /^1([0-9]{2}|XX)$/.test(k))) return { status: INFORMATIONAL_STAND_IN, response: undefined }
  // Only error statuses documented: answer the lowest; there is nothing better to stand in for.
  if (exact[0]) return { status: Number(exact[0]), response: operation.responses[exact[0]] }
  return { status: 200, response: undefined }
}

/** The final answer of an operation that documents only 1xx statuses (see pickStatus). */
export const INFORMATIONAL_STAND_IN = 204

/**
 * Hop-by-hop and framing headers (RFC 9110 §7.6.1, RFC 9112 §6–7): how the
 * answer travels is doorman's business, not the document's. Copied from the
 * document they would contradict the real framing (`Transfer-Encoding:
 * chunked` beside a Content-Length makes Node's fetch fail with
 * HPE_UNEXPECTED_CONTENT_LENGTH), and doorman never compresses an answer,
 * so a documented Content-Encoding would be a lie.
 */
export const FRAMING_HEADERS: ReadonlySet<string> = new Set([
  'content-length',
  'transfer-encoding',
  'content-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
  'trailer',
  'te',
])

function finalStatuses(operation: Operation, documented: string[]): string {
  const final = documented.filter((k) => k !== 'default' && !/^1/.test(k))
  return final.length ? `ask for a final status ${operation.label} documents: ${final.join(', ')}` : `drop it: ${operation.label} documents no final status`
}

function withApplied(answer: Answer, headers: Record<string, string>, applied: string[]): Answer {
  if (applied.length > 0) headers['preference-applied'] = applied.join(', ')
  return answer
}

/**
 * `*\/*` or `application/*` in a spec says nothing concrete; name what is actually sent:
 * the natural type of the value when the client accepts it, else the type the client asked for.
 */
function concreteMediaType(mediaType: string, value: unknown, accept: string | undefined): string {
  if (!mediaType.includes('*')) return mediaType
  const natural = typeof value === 'string' ? 'text/plain' : 'application/json'
  const fits = (candidate: string) => negotiate(mediaType, [candidate]) !== undefined
  if (fits(natural) && negotiate(accept, [natural]) !== undefined) return natural
  const asked = parseAccept(accept ?? '')
    .filter((range) => range.q > 0 && range.type !== '*' && range.subtype !== '*')
    .sort((a, b) => b.q - a.q)
    .map((range) => `${range.type}/${range.subtype}`)
    .find(fits)
  return asked ?? natural
}

// A 1×1 transparent image of each type: what a generated `format: binary` (an empty string) stands for when the
// answer is an image, so that a client that decodes it (the Museum API's ticket QR code) gets a picture, not 0 bytes.
const PLACEHOLDER_IMAGES: Record<string, string> = {
  'image/png': 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII=',
  'image/gif': 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==',
}

function placeholderImage(value: unknown, mediaType: string): Buffer | undefined {
  const image = value === '' ? PLACEHOLDER_IMAGES[essence(mediaType)] : undefined
  return image === undefined ? undefined : Buffer.from(image, 'base64')
}

/** JSON for JSON types; a string example as it is for any other type; structured values as JSON regardless. */
function serialize(value: unknown, mediaType: string): string | undefined {
  if (value === undefined) return undefined
  if (Buffer.isBuffer(value)) return value.toString()
  if (isJsonMediaType(mediaType)) return JSON.stringify(value)
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  return JSON.stringify(value)
}

/** Header values in the `simple` style OpenAPI uses for headers. */
function headerValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(',')
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .flatMap(([k, v]) => [k, String(v)])
      .join(',')
  }
  return String(value)
}

function listOf(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`
}
