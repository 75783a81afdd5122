import zlib from 'node:zlib'
import type { ErrorObject } from 'ajv'
import { formObject } from '../pipeline/parse-body.js'
import { toSchemaError } from '../pipeline/validate-schema.js'
import { kindOf } from '../spec/compile-rules.js'
import { encodePointerToken, resolvePointer } from '../spec/refs.js'
import type { MediaTypeObject, Operation, ResponseObject } from '../spec/route-table.js'
import { parseMediaType } from '../util/media-type.js'
import type { ResponseSchemas } from './response-schemas.js'
import type { Violation } from './violations.js'

/** Past this many schema errors in one body, the rest are counted in one more violation. */
const MAX_BODY_VIOLATIONS = 50

type Headers = Record<string, string | string[] | undefined>

/** What the head of an answer settles: the documented response it falls under, and the media type its body is checked against. */
export interface HeadVerdict {
  violations: Violation[]
  response: ResponseObject | undefined
  /** The documented media type (`application/json`) and its object, when the answer's Content-Type matches one. */
  media: { key: string; object: MediaTypeObject } | undefined
  /** The answer's own Content-Type, parsed. */
  essence: string | undefined
  charset: string | undefined
}

/** `404` → the `404` response, else `4XX`, else `default` (OAS 3: the most specific wins). */
export function documentedResponse(operation: Operation, status: number): ResponseObject | undefined {
  const responses = operation.responses
  return responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default
}

/**
 * The status, the Content-Type and the required headers, checked as soon as
 * the upstream's headers arrive (the body is still on its way).
 */
export function checkHead(operation: Operation, status: number, headers: Headers, method: string): HeadVerdict {
  const violations: Violation[] = []
  const responsesAt = `${operation.pointer}/responses`
  const response = documentedResponse(operation, status)
  const verdict: HeadVerdict = { violations, response, media: undefined, essence: undefined, charset: undefined }
  if (response === undefined) {
    const documented = Object.keys(operation.responses)
    violations.push({
      location: 'response',
      part: 'status',
      pointer: responsesAt,
      keyword: 'status',
      message: `${status} is not documented for ${operation.label} (no '${status}', '${String(status)[0]}XX' or 'default' response)`,
      expected: documented,
      received: status,
    })
    return verdict
  }
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    const lower = name.toLowerCase()
    // OAS: a Content-Type response header is ignored; the media type says it.
    if (header.required !== true || lower === 'content-type' || headers[lower] !== undefined) continue
    violations.push({
      location: 'response',
      part: 'header',
      pointer: name,
      keyword: 'required',
      message: `the documented header ${name} is required, and the answer has none`,
      expected: 'present',
    })
  }
  const contentType = first(headers['content-type'])
  const parsed = contentType === undefined ? undefined : parseMediaType(contentType)
  verdict.essence = parsed?.essence
  verdict.charset = parsed?.params.charset
  const content = response.content ?? {}
  const documentedTypes = Object.keys(content)
  const bodyLength = first(headers['content-length'])
  // HEAD and 204/304 carry no body; nor does an answer that says Content-Length: 0.
  const noBody = method === 'HEAD' || status === 204 || status === 304 || bodyLength === '0'
  if (noBody || documentedTypes.length === 0) return verdict
  if (parsed === undefined) {
    violations.push({
      location: 'response',
      part: 'content-type',
      pointer: 'content-type',
      keyword: 'content-type',
      message: contentType === undefined ? 'the answer has a body but no Content-Type' : `the Content-Type '${contentType}' is not a media type`,
      expected: documentedTypes,
      received: contentType,
    })
    return verdict
  }
  const key = matchMedia(documentedTypes, parsed.type, parsed.subtype)
  if (key === undefined) {
    violations.push({
      location: 'response',
      part: 'content-type',
      pointer: 'content-type',
      keyword: 'content-type',
      message: `${parsed.essence} is not a documented media type of the ${response === operation.responses.default ? 'default' : status} response`,
      expected: documentedTypes,
      received: parsed.essence,
    })
    return verdict
  }
  verdict.media = { key, object: content[key] }
  return verdict
}

/**
 * The documented headers the answer has, against their schemas: a header value is text, read as OpenAPI's `simple`
 * style says (a number, a boolean, a comma-separated list) where its schema wants one. Headers described by
 * `content` instead of `schema` are checked for presence only (checkHead).
 */
export function checkHeaderValues(schemas: ResponseSchemas, document: unknown, response: ResponseObject, headers: Headers): BodyCheck {
  const out: BodyCheck = { violations: [], notes: [], value: undefined }
  for (const name of Object.keys(response.headers ?? {})) {
    const lower = name.toLowerCase()
    const raw = headers[lower]
    if (lower === 'content-type' || raw === undefined) continue
    // The header object: the response's own, or the component it $refs.
    let at = `${response.pointer}/headers/${encodePointerToken(name)}`
    const entry = resolvePointer(document, `#${at}`) as { $ref?: unknown } | undefined
    if (typeof entry?.$ref === 'string' && entry.$ref.startsWith('#/')) at = entry.$ref.slice(1)
    const header = resolvePointer(document, `#${at}`) as { schema?: unknown } | undefined
    if (header === null || typeof header !== 'object' || header.schema === undefined) continue
    const validate = schemas.validator(`${at}/schema`)
    if (typeof validate === 'string') {
      out.notes.push(validate)
      continue
    }
    const value = readSimple(Array.isArray(raw) ? raw.join(', ') : raw, typeOf(document, header.schema))
    if (validate(value)) continue
    for (const e of (validate.errors ?? []).slice(0, MAX_BODY_VIOLATIONS)) {
      const s = toSchemaError(e, 'header')
      out.violations.push({
        location: 'response',
        part: 'header',
        pointer: `${name}${s.pointer}`,
        keyword: s.keyword,
        message: s.message,
        expected: s.expected,
        received: s.received,
      })
    }
  }
  return out
}

type SimpleType = { type: unknown; items: unknown }

/** The schema's `type` (and its items' type), a `$ref` or two followed. */
function typeOf(document: unknown, schema: unknown, depth = 0): SimpleType {
  if (schema === null || typeof schema !== 'object' || depth > 4) return { type: undefined, items: undefined }
  const s = schema as { $ref?: unknown; type?: unknown; items?: unknown }
  if (typeof s.$ref === 'string' && s.$ref.startsWith('#/')) return typeOf(document, resolvePointer(document, s.$ref), depth + 1)
  return { type: s.type, items: s.items === undefined ? undefined : typeOf(document, s.items, depth + 1).type }
}

function readSimple(text: string, { type, items }: SimpleType): unknown {
  const wants = (t: string, declared: unknown) => declared === t || (Array.isArray(declared) && declared.includes(t))
  const scalar = (value: string, declared: unknown): unknown => {
    const trimmed = value.trim()
    if ((wants('integer', declared) || wants('number', declared)) && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(trimmed)) return Number(trimmed)
    if (wants('boolean', declared) && (trimmed === 'true' || trimmed === 'false')) return trimmed === 'true'
    return value
  }
  if (wants('array', type)) return text === '' ? [] : text.split(',').map((item) => scalar(item.trim(), items))
  return scalar(text, type)
}

/** Exact first, then `type/*`, then `*\/*`: what the answer's type falls under. */
function matchMedia(documented: string[], type: string, subtype: string): string | undefined {
  const lowered = documented.map((d) => d.split(';')[0].trim().toLowerCase())
  const exact = lowered.indexOf(`${type}/${subtype}`)
  if (exact !== -1) return documented[exact]
  const range = lowered.indexOf(`${type}/*`)
  if (range !== -1) return documented[range]
  const any = lowered.indexOf('*/*')
  return any === -1 ? undefined : documented[any]
}

export interface BodyCheck {
  violations: Violation[]
  notes: string[]
  /** The body as read for its media type (JSON value, text, form object), for --record. */
  value: unknown
}

/**
 * The body, decoded (Content-Encoding) and read for its media type, against
 * the documented schema: JSON, text/* and urlencoded forms are validated;
 * XML and other binary types get their content type and size checked only.
 */
export function checkBody(schemas: ResponseSchemas, head: HeadVerdict, bytes: Buffer, headers: Headers, limitBytes: number): BodyCheck {
  const out: BodyCheck = { violations: [], notes: [], value: undefined }
  const media = head.media
  if (media === undefined || head.response === undefined || head.essence === undefined) return out
  let body: Buffer
  try {
    body = decode(bytes, first(headers['content-encoding']), limitBytes)
  } catch (error) {
    // A body that decodes to more than doorman checks (a small gzip of a large JSON): a note, not a violation.
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      out.notes.push(`the body decodes to more than the ${limitBytes} bytes doorman checks: its content type was checked, not its schema`)
      return out
    }
    out.violations.push({
      location: 'response',
      part: 'body',
      pointer: '',
      keyword: 'content-encoding',
      message: `the body is not valid ${first(headers['content-encoding'])} data (${(error as Error).message})`,
      received: first(headers['content-encoding']),
    })
    return out
  }
  const kind = kindOf(head.essence)
  let value: unknown
  if (kind === 'json') {
    if (body.length === 0) return out
    try {
      value = JSON.parse(body.toString('utf8'))
    } catch (error) {
      out.violations.push({ location: 'response', part: 'body', pointer: '', keyword: 'syntax', message: `the body is not JSON (${(error as Error).message})` })
      return out
    }
  } else if (kind === 'text') {
    value = body.toString('utf8')
  } else if (kind === 'form') {
    value = formObject(new URLSearchParams(body.toString('utf8')))
  } else {
    out.notes.push(`${head.essence} bodies are checked for their content type and size only (${body.length} bytes)`)
    return out
  }
  out.value = value
  if (media.object.schema === undefined) return out
  const validate = schemas.validator(`${head.response.pointer}/content/${encodePointerToken(media.key)}/schema`)
  if (typeof validate === 'string') {
    out.notes.push(validate)
    return out
  }
  let valid: boolean
  try {
    valid = validate(value)
  } catch {
    out.notes.push('the body nests too deep for its schema to be checked')
    return out
  }
  if (!valid) out.violations.push(...bodyViolations(validate.errors ?? []))
  return out
}

function bodyViolations(errors: ErrorObject[]): Violation[] {
  const listed = errors.slice(0, MAX_BODY_VIOLATIONS).map((e): Violation => {
    const s = toSchemaError(e, 'body')
    return { location: 'response', part: 'body', pointer: s.pointer, keyword: s.keyword, message: s.message, expected: s.expected, received: s.received }
  })
  if (errors.length > MAX_BODY_VIOLATIONS) {
    listed.push({ location: 'response', part: 'body', pointer: '', keyword: 'more', message: `and ${errors.length - MAX_BODY_VIOLATIONS} more schema errors` })
  }
  return listed
}

/** gzip, deflate, br (RFC 9110 §8.4.1), applied in order: undone in reverse, for the check only (the client gets the bytes as sent). */
function decode(bytes: Buffer, encoding: string | undefined, maxOutputLength: number): Buffer {
  if (encoding === undefined) return bytes
  const codings = encoding
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity')
  let out = bytes
  for (const coding of codings.reverse()) {
    if (coding === 'gzip' || coding === 'x-gzip') out = zlib.gunzipSync(out, { maxOutputLength })
    else if (coding === 'deflate') out = zlib.inflateSync(out, { maxOutputLength })
    else if (coding === 'br') out = zlib.brotliDecompressSync(out, { maxOutputLength })
    else throw new Error(`unknown coding '${coding}'`)
  }
  return out
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
