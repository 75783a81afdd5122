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

const encode = (text: string) => encodeURIComponent(text).replaceAll('%2C', ',')
const scalar = (value: unknown) => (typeof value === 'string' ? value : value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value))

/** A path segment, percent-encoded, in the parameter's style (simple, label, matrix; OAS 3.1 §4.8.12.4). */
export function serializePath(param: ParameterObject, value: unknown): string {
  if (param.content) return encode(JSON.stringify(value))
  const style = param.style ?? 'simple'
  const explode = param.explode ?? false
  const parts = toParts(value, explode)
  if (style === 'label') return `.${parts.join(explode ? '.' : ',')}`
  if (style === 'matrix') {
    if (Array.isArray(value) && explode) return parts.map((p) => `;${encode(param.name)}=${p}`).join('')
    if (isObject(value) && explode) return parts.map((p) => `;${p}`).join('')
    return `;${encode(param.name)}=${parts.join(',')}`
  }
  return parts.join(',')
}

/** Query pairs (not yet encoded) in the parameter's style: form, spaceDelimited, pipeDelimited, deepObject. */
export function serializeQuery(param: ParameterObject, value: unknown): Array<[string, string]> {
  if (param.content) return [[param.name, JSON.stringify(value)]]
  const style = param.style ?? 'form'
  const explode = param.explode ?? style === 'form'
  if (style === 'deepObject' && isObject(value)) return Object.entries(value).map(([k, v]) => [`${param.name}[${k}]`, scalar(v)])
  if (Array.isArray(value)) {
    if (explode) return value.map((v) => [param.name, scalar(v)])
    const separator = style === 'spaceDelimited' ? ' ' : style === 'pipeDelimited' ? '|' : ','
    return [[param.name, value.map(scalar).join(separator)]]
  }
  if (isObject(value)) {
    if (explode) return Object.entries(value).map(([k, v]) => [k, scalar(v)])
    return [
      [
        param.name,
        Object.entries(value)
          .flatMap(([k, v]) => [k, scalar(v)])
          .join(','),
      ],
    ]
  }
  return [[param.name, scalar(value)]]
}

/** A header or cookie value (simple style: lists comma-separated). */
export function serializeHeader(param: ParameterObject, value: unknown): string {
  if (param.content) return JSON.stringify(value)
  if (Array.isArray(value)) return value.map(scalar).join(',')
  if (isObject(value))
    return Object.entries(value)
      .flatMap(([k, v]) => (param.explode ? [`${k}=${scalar(v)}`] : [k, scalar(v)]))
      .join(',')
  return scalar(value)
}

export function encodeQuery(pairs: Array<[string, string]>): string {
  return pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')
}

function toParts(value: unknown, explode: boolean): string[] {
  if (Array.isArray(value)) return value.map((v) => encode(scalar(v)))
  if (isObject(value)) return Object.entries(value).flatMap(([k, v]) => (explode ? [`${encode(k)}=${encode(scalar(v))}`] : [encode(k), encode(scalar(v))]))
  return [encode(scalar(value))]
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
