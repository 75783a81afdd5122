import { resolvePointer } from '../spec/refs.js'
import type { MediaTypeObject, SchemaObject } from '../spec/route-table.js'

export type ExampleChoice = { found: true; value: unknown; name?: string } | { found: false; available: string[] }

/**
 * The body to answer with: the named example asked for, else the first named
 * example, else `example`, else the schema's own example, else one generated
 * from the schema.
 */
export function chooseExample(doc: object, media: MediaTypeObject, wanted: string | undefined): ExampleChoice {
  const named = Object.entries(media.examples ?? {})
  if (wanted !== undefined) {
    const hit = named.find(([name]) => name === wanted)
    if (!hit) return { found: false, available: named.map(([name]) => name) }
    return { found: true, value: exampleValue(doc, hit[1]), name: wanted }
  }
  if (named.length > 0) return { found: true, value: exampleValue(doc, named[0][1]), name: named[0][0] }
  if (media.example !== undefined) return { found: true, value: media.example }
  return { found: true, value: media.schema === undefined ? undefined : generateValue(doc, media.schema) }
}

function exampleValue(doc: object, example: unknown): unknown {
  let current = example as { $ref?: string; value?: unknown } | undefined
  for (let hops = 0; current?.$ref !== undefined && hops < 16; hops++) {
    current = resolvePointer(doc, current.$ref) as typeof current
  }
  return current?.value
}

const FORMAT_SAMPLES: Record<string, string> = {
  'date-time': '2026-01-01T00:00:00Z',
  date: '2026-01-01',
  time: '00:00:00Z',
  email: 'user@example.com',
  'idn-email': 'user@example.com',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  uri: 'https://example.com/',
  'uri-reference': '/example',
  url: 'https://example.com/',
  uuid: '00000000-0000-4000-8000-000000000000',
  byte: 'ZXhhbXBsZQ==',
  binary: '',
  password: 'password',
  duration: 'P1D',
}

/**
 * Values plus string characters one generated answer may hold. A spec's
 * `minItems: 1000000000` (or arrays of arrays of a thousand each) would
 * otherwise build an answer until the process runs out of memory; past the
 * budget the value is cut short (and start-up notes a minimum this large).
 */
export const GENERATION_BUDGET = 100_000

/**
 * A deterministic value that fits `schema` as far as a generator without a
 * solver can (patterns are not inverted). The same schema always gives the
 * same value, so the same request gets the same body.
 */
export function generateValue(doc: object, schema: SchemaObject, depth = 0, seen = new Set<string>(), budget = { left: GENERATION_BUDGET }): unknown {
  if (typeof schema === 'boolean' || depth > 12 || budget.left <= 0) return null
  budget.left--
  if (typeof schema.$ref === 'string') {
    if (seen.has(schema.$ref)) return null // a circular schema stops at its first repetition
    const target = resolvePointer(doc, schema.$ref) as SchemaObject | undefined
    // OAS 3.1 applies keywords beside a $ref: an example written there (the Museum API's opening `date`) is the
    // author's word for this use, ahead of the referenced schema's own.
    if (target !== undefined && schema.example !== undefined && (typeof target === 'boolean' || fitsType(target, schema.example))) return schema.example
    return target === undefined ? null : generateValue(doc, target, depth + 1, new Set(seen).add(schema.$ref), budget)
  }
  // A schema's own example is the best answer, unless it contradicts the schema: real documents carry
  // `type: string` with `example: 12345` (YAML reads a number), and the answer would break its own schema.
  if (schema.example !== undefined && fitsType(schema, schema.example)) return schema.example
  const listed: unknown = Array.isArray(schema.examples) ? schema.examples.find((value) => fitsType(schema, value)) : undefined
  if (listed !== undefined) return listed
  if (schema.const !== undefined) return schema.const
  if (schema.default !== undefined && fitsType(schema, schema.default)) return schema.default
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0]
  if (Array.isArray(schema.allOf)) {
    const parts = schema.allOf.map((part) => generateValue(doc, part as SchemaObject, depth + 1, seen, budget))
    if (parts.every((p) => p !== null && typeof p === 'object' && !Array.isArray(p))) {
      return Object.assign({}, ...parts)
    }
    return parts[0] ?? null
  }
  for (const key of ['oneOf', 'anyOf'] as const) {
    const options = schema[key]
    if (Array.isArray(options) && options.length > 0) return generateValue(doc, options[0] as SchemaObject, depth + 1, seen, budget)
  }
  const type: unknown = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type
  switch (type ?? (schema.properties ? 'object' : schema.items ? 'array' : undefined)) {
    case 'object': {
      const out: Record<string, unknown> = {}
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : []
      for (const [name, sub] of Object.entries((schema.properties ?? {}) as Record<string, SchemaObject>)) {
        if (typeof sub === 'object' && sub.writeOnly === true) continue
        // An optional property that recurses (a tree's parent) is left out rather than sent as null.
        if (isCycle(sub, seen) && !required.includes(name)) continue
        out[name] = generateValue(doc, sub, depth + 1, seen, budget)
      }
      return out
    }
    case 'array': {
      const item = (schema.items ?? {}) as SchemaObject
      const min = Number(schema.minItems ?? 0)
      const max = typeof schema.maxItems === 'number' ? schema.maxItems : Infinity
      // A recursive item (a tree's children) ends the recursion with an empty list where one is allowed.
      if (min === 0 && isCycle(item, seen)) return []
      const count = Math.min(Math.max(1, min), max, Math.max(1, budget.left))
      return Array.from({ length: count }, () => generateValue(doc, item, depth + 1, seen, budget))
    }
    case 'integer':
    case 'number':
      return generateNumber(schema, type === 'integer')
    case 'boolean':
      return true
    case 'string': {
      const sample = FORMAT_SAMPLES[String(schema.format)] ?? 'string'
      const minLength = Math.min(Number(schema.minLength ?? 0), Math.max(sample.length, budget.left))
      const padded = sample.length >= minLength ? sample : sample.padEnd(minLength, 'x')
      budget.left -= padded.length
      return typeof schema.maxLength === 'number' ? padded.slice(0, schema.maxLength) : padded
    }
    case 'null':
      return null
    default:
      return null
  }
}

/** Whether `value` has one of the schema's types (OAS 3.0 `nullable` included) and is one of its `enum` values. */
function fitsType(schema: Record<string, unknown>, value: unknown): boolean {
  const types = Array.isArray(schema.type) ? (schema.type as unknown[]) : typeof schema.type === 'string' ? [schema.type] : undefined
  if (types !== undefined && !(value === null && schema.nullable === true) && !types.some((type) => hasType(value, type))) return false
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) return false
  return true
}

function hasType(value: unknown, type: unknown): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value)
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'string':
    case 'boolean':
      return typeof value === type
    case 'null':
      return value === null
    case 'array':
      return Array.isArray(value)
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value)
    default:
      return true
  }
}

function isCycle(schema: SchemaObject, seen: Set<string>): boolean {
  return typeof schema === 'object' && typeof schema.$ref === 'string' && seen.has(schema.$ref)
}

/**
 * The lowest value the bounds allow (0 when there is no lower bound and 0 fits),
 * honouring both the 3.0 boolean and the 3.1 numeric exclusive bounds and `multipleOf`.
 */
function generateNumber(schema: Record<string, unknown>, integer: boolean): number {
  let low = typeof schema.minimum === 'number' ? schema.minimum : undefined
  let lowOpen = low !== undefined && schema.exclusiveMinimum === true
  if (typeof schema.exclusiveMinimum === 'number' && (low === undefined || schema.exclusiveMinimum >= low)) {
    low = schema.exclusiveMinimum
    lowOpen = true
  }
  let high = typeof schema.maximum === 'number' ? schema.maximum : undefined
  let highOpen = high !== undefined && schema.exclusiveMaximum === true
  if (typeof schema.exclusiveMaximum === 'number' && (high === undefined || schema.exclusiveMaximum <= high)) {
    high = schema.exclusiveMaximum
    highOpen = true
  }
  const step = typeof schema.multipleOf === 'number' && schema.multipleOf > 0 ? schema.multipleOf : integer ? 1 : 0
  const fits = (v: number) =>
    (low === undefined || (lowOpen ? v > low : v >= low)) &&
    (high === undefined || (highOpen ? v < high : v <= high)) &&
    (step === 0 || Number.isInteger(Number((v / step).toFixed(9))))
  if (low !== undefined) {
    const first = step ? Math.ceil(low / step) * step : low
    const next = step ? first + step : high !== undefined ? (low + high) / 2 : low + 1
    if (fits(first)) return first
    if (fits(next)) return next
  } else if (fits(0)) {
    return 0
  }
  if (high !== undefined) {
    const last = step ? Math.floor(high / step) * step : high
    const previous = step ? last - step : low !== undefined ? (low + high) / 2 : high - 1
    if (fits(last)) return last
    if (fits(previous)) return previous
  }
  return low ?? high ?? 0
}
