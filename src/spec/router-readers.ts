import { SetupError } from '../setup-error.js'
import type { NoteSink } from './notes.js'
import { deref, encodePointerToken } from './refs.js'
import type { HeaderObject, MediaTypeObject, ParameterObject, RequestBodyObject, ResponseObject } from './route-table.js'

/*
 * The parts of an operation, read leniently: a broken part is a start-up note,
 * and only that part is left out (a broken request body accepts any body, so
 * that no valid request is refused for the document's mistake).
 */

/** A `$ref` to follow; one that does not resolve is a note saying what doorman does `instead`, and `undefined`. */
export function follow(doc: object, value: unknown, pointer: string, notes: NoteSink, instead: string): unknown {
  try {
    return deref(doc, value, pointer, notes.file)
  } catch (error) {
    if (!(error instanceof SetupError)) throw error
    const prefix = [error.file, error.location].filter(Boolean).join(': ')
    const problem = prefix ? error.message.slice(prefix.length + 2) : error.message
    notes.add('ref', pointer, `${problem}; ${instead}`)
    return undefined
  }
}

export function parameterObjects(doc: object, raw: unknown, pointer: string, notes: NoteSink): ParameterObject[] {
  if (raw === undefined) return []
  if (!Array.isArray(raw)) {
    notes.add('parameter', pointer, "'parameters' is not a list; doorman ignores it")
    return []
  }
  const out: ParameterObject[] = []
  raw.forEach((entry, index) => {
    const at = `${pointer}/${index}`
    const ref = (entry as { $ref?: string } | null)?.$ref
    const param = follow(doc, entry, at, notes, 'doorman leaves this parameter out') as Omit<ParameterObject, 'pointer'> | null | undefined
    if (param === undefined) return
    if (!param || typeof param.name !== 'string' || !['path', 'query', 'header', 'cookie'].includes(param.in)) {
      notes.add('parameter', at, "a parameter needs a 'name' and 'in' (path, query, header or cookie); doorman ignores this one")
      return
    }
    out.push({ ...param, pointer: ref ? ref.slice(1) : at })
  })
  return out
}

/** Operation-level parameters override path-level ones with the same name and location. */
export function mergeParameters(shared: ParameterObject[], own: ParameterObject[]): ParameterObject[] {
  const key = (p: ParameterObject) => `${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`
  const ownKeys = new Set(own.map(key))
  return [...shared.filter((p) => !ownKeys.has(key(p))), ...own]
}

export function readRequestBody(doc: object, raw: unknown, pointer: string, notes: NoteSink): RequestBodyObject | undefined {
  if (raw === undefined) return undefined
  const ref = raw !== null && typeof raw === 'object' && '$ref' in raw && typeof raw.$ref === 'string' ? raw.$ref : undefined
  const body = follow(doc, raw, pointer, notes, 'doorman accepts any request body here') as { required?: boolean; content?: unknown } | null | undefined
  if (body === undefined) return { required: false, content: { '*/*': {} }, pointer }
  if (!body || typeof body.content !== 'object' || body.content === null || Array.isArray(body.content)) {
    notes.add('body', pointer, "a requestBody needs a 'content' mapping of media types; doorman accepts a body of any type here")
    return { required: body?.required === true, content: { '*/*': {} }, pointer }
  }
  return {
    required: body.required === true,
    content: body.content as Record<string, MediaTypeObject>,
    pointer: ref ? ref.slice(1) : pointer,
  }
}

export function readResponses(doc: object, raw: unknown, pointer: string, notes: NoteSink): Record<string, ResponseObject> {
  if (raw === undefined) return {}
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    notes.add('response', pointer, "'responses' must be a mapping of status codes; doorman ignores it")
    return {}
  }
  const out = statusKeyed<ResponseObject>()
  for (const [key, entry] of Object.entries(raw)) {
    if (key.startsWith('x-')) continue
    const at = `${pointer}/${encodePointerToken(key)}`
    let status = key
    if (!/^([1-5]([0-9]{2}|XX)|default)$/.test(status)) {
      // `2xx` and ` 200`: the meaning is clear; `2OO` is not.
      const meant = key
        .trim()
        .toUpperCase()
        .replace(/^DEFAULT$/, 'default')
      if (/^([1-5]([0-9]{2}|XX)|default)$/.test(meant) && !(meant in raw)) {
        status = meant
        notes.add('response', at, `'${key}' is not a status code as OpenAPI writes them; doorman reads it as '${status}'`)
      } else {
        notes.add('response', at, `'${key}' is not a status code, a range like 4XX, or 'default'; doorman ignores this response`)
        continue
      }
    }
    const ref = (entry as { $ref?: string } | null)?.$ref
    const response = follow(doc, entry, at, notes, 'doorman leaves this response out') as Omit<ResponseObject, 'pointer'> | null | undefined
    if (response === undefined) continue
    if (response === null || typeof response !== 'object') {
      notes.add('response', at, 'a response must be a mapping; doorman ignores this one')
      continue
    }
    const headers: Record<string, HeaderObject> = {}
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      const value = follow(doc, header, `${at}/headers/${encodePointerToken(name)}`, notes, 'doorman leaves this header out') as HeaderObject | undefined
      if (value !== undefined && value !== null && typeof value === 'object') headers[name] = value
    }
    out[status] = { ...response, headers, pointer: ref ? ref.slice(1) : at }
  }
  return out
}

/**
 * An empty object for status codes as keys. V8 keeps integer-like keys ("200", "404") in an array as long as the
 * largest of them, so a responses object filled key by key took ~5 KB (GitHub's route table: 5.6 MB of its 8, where
 * JSON.parse's own objects take 0.3 KB). A key beyond any array's length first switches the object to a dictionary
 * of its keys, which it stays after that key is deleted. Keys and their order are as in any object.
 */
function statusKeyed<T>(): Record<string, T> {
  const record: Record<string, T> = {}
  record[MAX_ARRAY_INDEX] = undefined as T
  delete record[MAX_ARRAY_INDEX]
  return record
}

const MAX_ARRAY_INDEX = 2 ** 32 - 2
