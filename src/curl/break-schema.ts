import type { ErrorObject } from 'ajv'
import { generateValue } from '../response/example.js'
import { resolvePointer } from '../spec/refs.js'
import type { SchemaObject } from '../spec/route-table.js'

/** A schema with its `$ref`s followed and `allOf` merged: the keywords a value can be made to break. */
export interface FlatSchema {
  types: string[]
  properties: Record<string, SchemaObject>
  required: string[]
  closed: boolean
  enum?: unknown[]
  const?: unknown
  pattern?: string
  format?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  multipleOf?: number
  minItems?: number
  maxItems?: number
  items?: SchemaObject
}

export function flatten(doc: object, schema: SchemaObject | undefined, depth = 0): FlatSchema {
  const flat: FlatSchema = { types: [], properties: {}, required: [], closed: false }
  if (schema === undefined || typeof schema === 'boolean' || depth > 12) return flat
  let s = schema
  for (let hops = 0; typeof s.$ref === 'string' && hops < 16; hops++) {
    const target = resolvePointer(doc, s.$ref) as SchemaObject | undefined
    if (target === undefined || typeof target === 'boolean') return flat
    s = target
  }
  for (const part of Array.isArray(s.allOf) ? (s.allOf as SchemaObject[]) : []) {
    const sub = flatten(doc, part, depth + 1)
    flat.types.push(...sub.types)
    Object.assign(flat.properties, sub.properties)
    flat.required.push(...sub.required)
  }
  if (typeof s.type === 'string') flat.types.push(s.type)
  if (Array.isArray(s.type)) flat.types.push(...(s.type as string[]))
  Object.assign(flat.properties, (s.properties ?? {}) as Record<string, SchemaObject>)
  if (Array.isArray(s.required)) flat.required.push(...(s.required as string[]))
  flat.closed = s.additionalProperties === false || s.unevaluatedProperties === false
  if (Array.isArray(s.enum)) flat.enum = s.enum
  if (s.const !== undefined) flat.const = s.const
  for (const key of ['pattern', 'format'] as const) if (typeof s[key] === 'string') flat[key] = s[key]
  for (const key of ['minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minItems', 'maxItems'] as const) {
    if (typeof s[key] === 'number') flat[key] = s[key]
  }
  // OAS 3.0: `exclusiveMinimum: true` makes `minimum` itself out of range.
  if (s.exclusiveMinimum === true && flat.minimum !== undefined) flat.exclusiveMinimum = flat.minimum
  if (s.exclusiveMaximum === true && flat.maximum !== undefined) flat.exclusiveMaximum = flat.maximum
  if (s.items !== undefined) flat.items = s.items as SchemaObject
  return flat
}

export interface BreakOptions {
  /** Parameters and form fields travel as strings: a string never breaks `type: string` there. */
  wire: boolean
  /** How titles name the value at a JSON pointer: 'body /items/0/qty', 'query parameter limit'. */
  label: (pointer: string) => string
}

/** One way to break a value: the keyword it breaks, the value in its place, and what to call it. */
export interface Break {
  keyword: string
  value: unknown
  title: string
}

/**
 * Values that break one rule each of `flat`, in place of `value` (labelled
 * `label` in titles). Candidates only: the caller keeps those the
 * operation's own validator refuses for that keyword.
 */
export function breaksFor(doc: object, flat: FlatSchema, value: unknown, pointer: string, options: BreakOptions): Break[] {
  const out: Break[] = []
  const label = options.label(pointer)
  const child = (name: string) => options.label(`${pointer}/${escape(name)}`)
  const add = (keyword: string, replacement: unknown, title: string) => out.push({ keyword, value: replacement, title })
  if (isObject(value)) {
    const name = flat.required.find((n) => Object.hasOwn(value, n))
    if (name !== undefined) {
      const { [name]: _, ...rest } = value
      add('required', rest, `without the required ${child(name)}`)
    }
    // A schema that declares all three names gets no such break.
    const extra = flat.closed ? ['unexpected', 'unexpectedField', 'doormanUnknown'].find((n) => !Object.hasOwn(flat.properties, n)) : undefined
    if (extra !== undefined) {
      add('additionalProperties', { ...value, [extra]: true }, `with the undeclared property ${child(extra)}`)
    }
  }
  if (Array.isArray(value)) {
    if (flat.minItems !== undefined && flat.minItems > 0)
      add('minItems', value.slice(0, flat.minItems - 1), `${label} with fewer than minItems ${flat.minItems} items`)
    if (flat.maxItems !== undefined && flat.maxItems < 1000) {
      const item: unknown = value[0] ?? (flat.items === undefined ? 'x' : generateValue(doc, flat.items))
      add(
        'maxItems',
        Array.from({ length: flat.maxItems + 1 }, () => item),
        `${label} with ${flat.maxItems + 1} items, over maxItems ${flat.maxItems}`,
      )
    }
  }
  if (flat.enum !== undefined) {
    const wrong = outside(flat.enum, value)
    add('enum', wrong, `${label} = ${show(wrong)}, not one of ${flat.enum.map((v) => show(v)).join(', ')}`)
  }
  if (flat.const !== undefined) {
    const wrong = outside([flat.const], value)
    add('const', wrong, `${label} = ${show(wrong)} instead of ${show(flat.const)}`)
  }
  if (typeof value === 'string') {
    if (flat.pattern !== undefined) {
      const wrong = breakPattern(flat.pattern)
      if (wrong !== undefined) add('pattern', wrong, `${label} = ${show(wrong)}, against the pattern ${flat.pattern}`)
    }
    if (flat.maxLength !== undefined && flat.maxLength < 100_000)
      add('maxLength', 'x'.repeat(flat.maxLength + 1), `${label} of ${flat.maxLength + 1} characters, over maxLength ${flat.maxLength}`)
    if (flat.minLength !== undefined && flat.minLength > 0 && value.length >= flat.minLength) {
      add('minLength', value.slice(0, flat.minLength - 1), `${label} shorter than minLength ${flat.minLength}`)
    }
    if (flat.format !== undefined) add('format', `invalid-${flat.format}`, `${label} = ${show(`invalid-${flat.format}`)}, not a valid ${flat.format}`)
  }
  if (typeof value === 'number') {
    if (flat.minimum !== undefined) add('minimum', flat.minimum - 1, `${label} = ${flat.minimum - 1}, below minimum ${flat.minimum}`)
    if (flat.exclusiveMinimum !== undefined)
      add('exclusiveMinimum', flat.exclusiveMinimum, `${label} = ${flat.exclusiveMinimum}, not above exclusiveMinimum ${flat.exclusiveMinimum}`)
    if (flat.maximum !== undefined) add('maximum', flat.maximum + 1, `${label} = ${flat.maximum + 1}, above maximum ${flat.maximum}`)
    if (flat.exclusiveMaximum !== undefined)
      add('exclusiveMaximum', flat.exclusiveMaximum, `${label} = ${flat.exclusiveMaximum}, not below exclusiveMaximum ${flat.exclusiveMaximum}`)
    if (flat.multipleOf !== undefined)
      add('multipleOf', value + flat.multipleOf / 2, `${label} = ${value + flat.multipleOf / 2}, not a multiple of ${flat.multipleOf}`)
  }
  const wrongType = wrongTypeFor(flat.types, options.wire)
  if (wrongType !== undefined) add('type', wrongType, `${label} = ${show(wrongType)}, not of type ${flat.types.join(' or ')}`)
  return out
}

/**
 * Breaks each rule `schema` sets on `root` (required, enum, pattern, lengths,
 * bounds, items, type, undeclared properties), one candidate per keyword,
 * nearest the top first. `refuses(candidate, keyword)` is the operation's own
 * validator: only the breaks it actually refuses are kept.
 */
export function breakValue(
  doc: object,
  schema: SchemaObject,
  root: unknown,
  refuses: (candidate: unknown, keyword: string) => boolean,
  options: BreakOptions,
): Break[] {
  const found = new Map<string, Break>()
  const queue: Array<{ schema: SchemaObject; path: string[] }> = [{ schema, path: [] }]
  for (let i = 0; i < queue.length && i < 200; i++) {
    const { schema: node, path } = queue[i]
    const value = getAt(root, path)
    const flat = flatten(doc, node)
    for (const candidate of breaksFor(doc, flat, value, pointerOf(path), options)) {
      if (found.has(candidate.keyword)) continue
      const whole = setAt(root, path, candidate.value)
      if (refuses(whole, candidate.keyword)) found.set(candidate.keyword, { ...candidate, value: whole })
    }
    if (isObject(value)) {
      for (const key of Object.keys(value)) if (flat.properties[key] !== undefined) queue.push({ schema: flat.properties[key], path: [...path, key] })
    } else if (Array.isArray(value) && value.length > 0 && flat.items !== undefined) {
      queue.push({ schema: flat.items, path: [...path, '0'] })
    }
  }
  return [...found.values()]
}

/** Whether ajv's errors name the keyword a break meant to break. */
export function errorsInclude(errors: ErrorObject[] | null | undefined, keyword: string): boolean {
  const wanted = keyword === 'additionalProperties' ? ['additionalProperties', 'unevaluatedProperties'] : [keyword]
  return (errors ?? []).some((e) => wanted.includes(e.keyword))
}

function wrongTypeFor(types: string[], wire: boolean): unknown {
  const [type] = types
  // On the wire (parameters, form fields) everything is a string: only a non-number can break a numeric type.
  if (type === 'integer' || type === 'number') return 'abc'
  if (wire) return type === 'boolean' ? 'maybe' : undefined
  if (type === 'string') return 12345
  if (type === 'boolean') return 'yes'
  if (type === 'object') return 'not-an-object'
  if (type === 'array') return 'not-an-array'
  return undefined
}

/** A short string the pattern does not match (no regex solver: a few tries). */
function breakPattern(pattern: string): string | undefined {
  let regex: RegExp
  try {
    regex = new RegExp(pattern, 'u')
  } catch {
    return undefined
  }
  return ['x', 'zzz', '0', 'X-0', '-', '!!'].find((candidate) => !regex.test(candidate))
}

function outside(allowed: unknown[], value: unknown): unknown {
  if (allowed.every((v) => typeof v === 'number')) return Math.max(...allowed) + 1
  let wrong = `not-${typeof value === 'string' ? value : String(allowed[0])}`
  while (allowed.includes(wrong)) wrong += 'x'
  return wrong
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 40 ? `${text.slice(0, 37)}...` : text
}

export function pointerOf(path: string[]): string {
  return path.map((p) => `/${escape(p)}`).join('')
}

function escape(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1')
}

function getAt(root: unknown, path: string[]): unknown {
  let node = root
  for (const key of path) node = (node as Record<string, unknown>)?.[key]
  return node
}

/** A copy of `root` with the value at `path` replaced (the original is untouched). */
function setAt(root: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value
  const copy = structuredClone(root) as Record<string, unknown>
  let node = copy
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>
  node[path[path.length - 1]] = value
  return copy
}
