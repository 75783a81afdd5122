/**
 * A parameter's value on the wire, per its `style` and `explode` (OAS 3.1
 * §4.8.12.4, the RFC 6570 expansions), percent-encoded where the URL needs
 * it. A value with no defined wire form (null, an object inside an array, an
 * empty path segment, a header value with a control character) comes back as
 * the reason it cannot be sent.
 */
import type { Parameter } from './openapi-document.js'

export type Wire = { in: 'path'; text: string } | { in: 'query'; pairs: Array<[string, string]> } | { in: 'header' | 'cookie'; name: string; text: string }

type Scalar = string | number | boolean
const enc = encodeURIComponent

export function serialize(param: Parameter, value: unknown): Wire | string {
  if (param.mediaType !== undefined) return serializeText(param, JSON.stringify(value))
  if (value === null || value === undefined) return 'a null value has no wire form'
  const shape = Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : 'scalar'
  if (shape === 'array' && !(value as unknown[]).every(isScalar)) return 'an array of non-scalars has no wire form'
  if (shape === 'object' && !Object.values(value).every(isScalar)) return 'an object with non-scalar members has no wire form'
  switch (param.in) {
    case 'path':
      return path(param, value as Scalar | Scalar[] | Record<string, Scalar>)
    case 'query':
      return query(param, value as Scalar | Scalar[] | Record<string, Scalar>)
    default:
      return headerOrCookie(param, value as Scalar | Scalar[] | Record<string, Scalar>)
  }
}

/** A raw text where the value goes (a mutation: a word where a number belongs). */
export function serializeText(param: Parameter, text: string): Wire | string {
  switch (param.in) {
    case 'path':
      return segment(param.style === 'label' ? `.${enc(text)}` : param.style === 'matrix' ? `;${param.name}=${enc(text)}` : enc(text))
    case 'query':
      return { in: 'query', pairs: [[enc(param.name), enc(text)]] }
    case 'cookie':
      return { in: 'cookie', name: param.name, text: enc(text) }
    default:
      return headerText(param.name, text)
  }
}

function path(param: Parameter, value: Scalar | Scalar[] | Record<string, Scalar>): Wire | string {
  const { style, explode, name } = param
  const items = listOf(value, explode ? '=' : undefined)
  // '.' is unreserved, so RFC 6570 leaves it bare, and then `.1.2` is ['1', '2'] as much as ['1.2']: a client that
  // means one item encodes it (doorman reads the raw delimiters as delimiters, the encoded ones as data).
  if (style === 'label') return segment(`.${items.map((item) => item.replaceAll('.', '%2E')).join(explode ? '.' : ',')}`)
  if (style === 'matrix') {
    if (Array.isArray(value) && explode) return segment(items.map((item) => `;${name}=${item}`).join(''))
    if (!Array.isArray(value) && typeof value === 'object' && explode) return segment(`;${items.join(';')}`)
    return segment(`;${name}=${items.join(',')}`)
  }
  return segment(items.join(','))
}

function query(param: Parameter, value: Scalar | Scalar[] | Record<string, Scalar>): Wire | string {
  const { style, explode, name } = param
  const key = enc(name)
  // deepObject serializes objects only (OAS 3.1 §4.8.12.4.2): a scalar or an array has no defined form there.
  if (style === 'deepObject' && (isScalar(value) || Array.isArray(value))) return 'a scalar or array has no wire form in a deepObject parameter'
  if (isScalar(value)) return { in: 'query', pairs: [[key, enc(String(value))]] }
  if (Array.isArray(value)) {
    if (value.length === 0) return 'an empty array has no wire form in a query'
    if (explode) return { in: 'query', pairs: value.map((item) => [key, enc(String(item))]) }
    const separator = style === 'spaceDelimited' ? '%20' : style === 'pipeDelimited' ? '|' : ','
    return { in: 'query', pairs: [[key, value.map((item) => enc(String(item))).join(separator)]] }
  }
  const entries = Object.entries(value)
  if (entries.length === 0) return 'an empty object has no wire form in a query'
  if (style === 'deepObject') return { in: 'query', pairs: entries.map(([k, v]) => [`${key}[${enc(k)}]`, enc(String(v))]) }
  if (style !== 'form') return `an object has no wire form in a ${style} query parameter`
  if (explode) return { in: 'query', pairs: entries.map(([k, v]) => [enc(k), enc(String(v))]) }
  return { in: 'query', pairs: [[key, listOf(value).join(',')]] }
}

function headerOrCookie(param: Parameter, value: Scalar | Scalar[] | Record<string, Scalar>): Wire | string {
  if (param.in === 'header') {
    if (!isHeaderName(param.name)) return 'a header name that is not an HTTP token'
    const parts = isScalar(value) ? [String(value)] : Array.isArray(value) ? value.map(String) : flatten(value, param.explode ? '=' : undefined)
    return headerText(param.name, parts.join(','))
  }
  if (!isScalar(value) && param.explode) return 'an exploded array or object has no wire form in a cookie'
  const text = listOf(value).join(',')
  return text === '' ? 'an empty cookie value has no wire form' : { in: 'cookie', name: param.name, text }
}

function headerText(name: string, text: string): Wire | string {
  // RFC 9110 §5.5: visible ASCII, inner spaces; a value with surrounding spaces would arrive trimmed.
  if (!/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(text)) return 'a header value that is empty or not visible ASCII'
  return { in: 'header', name, text }
}

function segment(text: string): Wire | string {
  // An empty segment, or '.' and '..' that URL parsing folds away, is not this parameter any more.
  if (text === '' || text === '.' || text === '..') return 'a path segment that is empty, or . or ..'
  return { in: 'path', text }
}

/** Encoded items: an array's, or an object's `k,v,k,v` (`k=v` when exploded with '='). */
function listOf(value: Scalar | Scalar[] | Record<string, Scalar>, pairJoin?: string): string[] {
  if (isScalar(value)) return [enc(String(value))]
  if (Array.isArray(value)) return value.map((item) => enc(String(item)))
  return flatten(value, pairJoin, enc)
}

function flatten(value: Record<string, Scalar>, pairJoin: string | undefined, encode = (s: string) => s): string[] {
  return Object.entries(value).flatMap(([k, v]) => (pairJoin ? [`${encode(k)}${pairJoin}${encode(String(v))}`] : [encode(k), encode(String(v))]))
}

/** RFC 9110 §5.1: a field name is a token. */
export function isHeaderName(name: string): boolean {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)
}

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
}
