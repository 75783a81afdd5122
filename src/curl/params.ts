import { generateValue } from '../response/example.js'
import { resolvePointer } from '../spec/refs.js'
import type { ParameterObject, SchemaObject } from '../spec/route-table.js'

/**
 * A value for a parameter: its `example`, its first `examples` entry, its
 * schema's example, or one generated from the schema.
 */
export function parameterValue(doc: object, param: ParameterObject): unknown {
  if (param.example !== undefined) return param.example
  const examples = (param as { examples?: Record<string, unknown> }).examples
  const first = examples ? Object.values(examples)[0] : undefined
  if (first !== undefined) {
    let example = first as { $ref?: string; value?: unknown } | undefined
    for (let hops = 0; typeof example?.$ref === 'string' && hops < 16; hops++) example = resolvePointer(doc, example.$ref) as typeof example
    if (example?.value !== undefined) return example.value
  }
  const media = param.content ? Object.values(param.content)[0] : undefined
  if (media) return media.example ?? (media.schema === undefined ? {} : generateValue(doc, media.schema))
  return generateValue(doc, param.schema ?? {})
}

/** The schema that describes the parameter's value (under `content` for JSON-in-a-parameter). */
export function parameterSchema(param: ParameterObject): SchemaObject {
  const media = param.content ? Object.values(param.content)[0] : undefined
  return (media ? media.schema : param.schema) ?? {}
}

// A lone value keeps its commas readable; an item of a list is encoded whole, since a raw comma (or the style's own
// delimiter) between items splits them and an encoded one is data (RFC 6570 §3.2.1).
const encode = (text: string) => encodeURIComponent(text).replaceAll('%2C', ',')
const encodeItem = (text: string, delimiter = ',') => (delimiter === '.' ? encodeURIComponent(text).replaceAll('.', '%2E') : encodeURIComponent(text))
const scalar = (value: unknown) => (typeof value === 'string' ? value : value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value))

/** A path segment, percent-encoded, in the parameter's style (simple, label, matrix; OAS 3.1 §4.8.12.4). */
export function serializePath(param: ParameterObject, value: unknown): string {
  if (param.content) return encode(JSON.stringify(value))
  const style = param.style ?? 'simple'
  const explode = param.explode ?? false
  const parts = toParts(value, explode, style === 'label' ? '.' : ',')
  if (style === 'label') return `.${parts.join(explode ? '.' : ',')}`
  if (style === 'matrix') {
    if (Array.isArray(value) && explode) return parts.map((p) => `;${encode(param.name)}=${p}`).join('')
    if (isObject(value) && explode) return parts.map((p) => `;${p}`).join('')
    return `;${encode(param.name)}=${parts.join(',')}`
  }
  return parts.join(',')
}

/** Query pairs, percent-encoded, in the parameter's style: form, spaceDelimited, pipeDelimited, deepObject. */
export function serializeQuery(param: ParameterObject, value: unknown): Array<[string, string]> {
  const name = encodeItem(param.name)
  if (param.content) return [[name, encode(JSON.stringify(value))]]
  const style = param.style ?? 'form'
  const explode = param.explode ?? style === 'form'
  if (style === 'deepObject' && isObject(value)) return Object.entries(value).map(([k, v]) => [encodeItem(`${param.name}[${k}]`), encode(scalar(v))])
  if (Array.isArray(value)) {
    if (explode) return value.map((v) => [name, encode(scalar(v))])
    const separator = style === 'spaceDelimited' ? '%20' : style === 'pipeDelimited' ? '|' : ','
    return [[name, value.map((v) => encodeItem(scalar(v))).join(separator)]]
  }
  if (isObject(value)) {
    if (explode) return Object.entries(value).map(([k, v]) => [encodeItem(k), encode(scalar(v))])
    return [
      [
        name,
        Object.entries(value)
          .flatMap(([k, v]) => [encodeItem(k), encodeItem(scalar(v))])
          .join(','),
      ],
    ]
  }
  return [[name, encode(scalar(value))]]
}

/** A header value (simple style: lists comma-separated). */
export function serializeHeader(param: ParameterObject, value: unknown, item: (text: string) => string = (text) => text): string {
  if (param.content) return item(JSON.stringify(value))
  if (Array.isArray(value)) return value.map((v) => item(scalar(v))).join(',')
  if (isObject(value))
    return Object.entries(value)
      .flatMap(([k, v]) => (param.explode ? [`${item(k)}=${item(scalar(v))}`] : [item(k), item(scalar(v))]))
      .join(',')
  return item(scalar(value))
}

/** A cookie value, percent-encoded: each item whole, so that a comma in one is data, not a delimiter. */
export function serializeCookie(param: ParameterObject, value: unknown): string {
  return serializeHeader(param, value, encodeItem)
}

/** The query string of pairs serializeQuery made (already encoded). */
export function encodeQuery(pairs: Array<[string, string]>): string {
  return pairs.map(([k, v]) => `${k}=${v}`).join('&')
}

function toParts(value: unknown, explode: boolean, delimiter: string): string[] {
  const item = (text: string) => encodeItem(text, delimiter)
  if (Array.isArray(value)) return value.map((v) => item(scalar(v)))
  if (isObject(value)) return Object.entries(value).flatMap(([k, v]) => (explode ? [`${item(k)}=${item(scalar(v))}`] : [item(k), item(scalar(v))]))
  return [encode(scalar(value))]
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
