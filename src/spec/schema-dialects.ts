import { closest } from '../util/closest.js'
import type { OpenApiVersion } from './load-spec.js'
import { FALLBACK_MAX_LENGTH, isLinear } from './linear-regexp.js'
import { readPattern } from './patterns.js'
import { encodePointerToken } from './refs.js'

/**
 * Schemas as their authors meant them. Real descriptions mix OpenAPI 3.0
 * and 3.1 idioms (`nullable` in 3.1, a boolean `exclusiveMinimum` in 3.1,
 * a numeric one in 3.0), write types JSON Schema does not have (`int`,
 * `file`, `application/json`), patterns only other regex engines read, and
 * keywords with values of the wrong type, which ajv refuses to compile.
 *
 * `repairSchema` rewrites one schema object of doorman's own copy of the
 * document (never the one answers are generated from) into what ajv checks:
 * each rewrite reads the schema as its author meant, or, where no meaning is
 * clear, drops that one keyword; every one is a note.
 */
export interface RepairContext {
  version: OpenApiVersion
  /**
   * The types a keyword's value may have, as the validator compiling it
   * requires (`[]`: any value), or undefined for a keyword it does not know.
   */
  valueTypes(keyword: string): readonly string[] | undefined
  /** Every keyword the validator knows, for "did you mean …?". */
  keywords: readonly string[]
  /** Adds `pointer` to the note `key`; notes with one key become one line listing their places. */
  note(kind: string, key: string, pointer: string, message: string): void
}

// OpenAPI's own schema keywords (annotations for a validator), and JSON Schema's that ajv reads without a rule.
const OPENAPI_KEYWORDS = new Set(['discriminator', 'xml', 'externalDocs', 'example', '$anchor', '$comment'])
// Keywords ajv reads as strings without saying so (a number there breaks it inside).
const STRING_KEYWORDS = new Set(['$id', '$anchor', '$dynamicAnchor', '$schema', '$comment', '$ref', '$dynamicRef', '$recursiveRef'])
const ANNOTATIONS = new Set(['readOnly', 'writeOnly', 'title', 'description', 'default', 'example', 'examples', 'deprecated', 'externalDocs', 'xml'])
const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object', 'null'])

/** Type names seen in real descriptions, and what their authors meant: a JSON type, and a format where it says one. */
const TYPE_ALIASES: Record<string, { type: string; format?: string }> = {
  int: { type: 'integer' },
  int32: { type: 'integer', format: 'int32' },
  int64: { type: 'integer', format: 'int64' },
  long: { type: 'integer', format: 'int64' },
  short: { type: 'integer' },
  float: { type: 'number', format: 'float' },
  double: { type: 'number', format: 'double' },
  decimal: { type: 'number' },
  bool: { type: 'boolean' },
  str: { type: 'string' },
  text: { type: 'string' },
  date: { type: 'string', format: 'date' },
  datetime: { type: 'string', format: 'date-time' },
  'date-time': { type: 'string', format: 'date-time' },
  uuid: { type: 'string', format: 'uuid' },
  email: { type: 'string', format: 'email' },
  uri: { type: 'string', format: 'uri' },
  url: { type: 'string', format: 'uri' },
  byte: { type: 'string', format: 'byte' },
  binary: { type: 'string', format: 'binary' },
  // Swagger 2.0's file upload
  file: { type: 'string', format: 'binary' },
  map: { type: 'object' },
  dictionary: { type: 'object' },
  list: { type: 'array' },
}

export function repairSchema(s: Record<string, unknown>, pointer: string, ctx: RepairContext): void {
  repairPatterns(s, pointer, ctx)
  repairType(s, pointer, ctx)
  repairBounds(s, pointer, ctx)
  repairNullable(s, pointer, ctx)
  repairTuple(s, pointer, ctx)
  repairRequired(s, pointer, ctx)
  repairKeywordValues(s, pointer, ctx)
}

function repairPatterns(s: Record<string, unknown>, pointer: string, ctx: RepairContext): void {
  if (typeof s.pattern === 'string') {
    const reading = readPattern(s.pattern)
    if (reading.kind === 'translated') {
      ctx.note('pattern', `pattern ${s.pattern}`, `${pointer}/pattern`, translatedMessage('pattern', s.pattern, reading.pattern, reading.changes))
      s.pattern = reading.pattern
    } else if (reading.kind === 'untranslatable') {
      ctx.note(
        'pattern',
        `pattern ${s.pattern}`,
        `${pointer}/pattern`,
        `pattern '${s.pattern}' is not a valid ECMAScript regular expression (${reading.reason}): it is not checked; the rest of the schema is.`,
      )
      delete s.pattern
    }
    if (typeof s.pattern === 'string' && !isLinear(s.pattern))
      ctx.note('pattern', `pattern ${s.pattern}`, `${pointer}/pattern`, backtrackingMessage('pattern', s.pattern))
  }
  const map = s.patternProperties
  if (map === null || typeof map !== 'object' || Array.isArray(map)) return
  const entries = Object.entries(map)
  const kept: Record<string, unknown> = {}
  let dropped = false
  for (const [key, sub] of entries) {
    const reading = readPattern(key)
    const at = `${pointer}/patternProperties/${encodePointerToken(key)}`
    if (reading.kind !== 'untranslatable' && !isLinear(reading.kind === 'valid' ? key : reading.pattern)) {
      ctx.note('pattern', `patternProperties ${key}`, at, backtrackingMessage('the patternProperties key', key))
    }
    if (reading.kind === 'valid') kept[key] = sub
    else if (reading.kind === 'translated') {
      ctx.note('pattern', `patternProperties ${key}`, at, translatedMessage('the patternProperties key', key, reading.pattern, reading.changes))
      kept[reading.pattern] = sub
    } else {
      // Properties the key would have named now meet additionalProperties instead: it must not refuse them.
      const also = s.additionalProperties !== undefined && s.additionalProperties !== true ? ", nor is this schema's additionalProperties" : ''
      ctx.note(
        'pattern',
        `patternProperties ${key}`,
        at,
        `the patternProperties key '${key}' is not a valid ECMAScript regular expression (${reading.reason}): the properties it would name are not checked${also}.`,
      )
      dropped = true
    }
  }
  if (dropped) delete s.additionalProperties
  // Kept, even empty: an object with patternProperties is never closed by rejectUnknownProperties.
  s.patternProperties = kept
}

/** src/spec/linear-regexp.ts: RE2 cannot express lookaround or backreferences. */
function backtrackingMessage(what: string, pattern: string): string {
  return `${what} '${pattern}' uses lookaround or a backreference, which a linear-time engine cannot run: it is checked with ECMAScript's backtracking engine, on values of up to ${FALLBACK_MAX_LENGTH} characters (longer ones are not checked against it).`
}

function translatedMessage(what: string, from: string, to: string, changes: string[]): string {
  // Quoted as written in YAML (single quotes, backslashes as they are), not as JSON would escape them.
  return `${what} '${from}' is not valid in ECMAScript's unicode mode, which JSON Schema uses; checked as '${to}', which means the same (${changes.join('; ')}).`
}

function repairType(s: Record<string, unknown>, pointer: string, ctx: RepairContext): void {
  if (s.type === undefined) return
  // The common case first, with no pointer made for it.
  if (typeof s.type === 'string' && JSON_TYPES.has(s.type)) return
  const at = `${pointer}/type`
  if (Array.isArray(s.type)) {
    if (ctx.version === '3.0') {
      ctx.note('schema', 'type list in 3.0', at, 'a list of types is OpenAPI 3.1 (3.0 has one type, plus nullable): read as in 3.1, any of them.')
    }
    const types = [...new Set(s.type.map((t) => typeName(t, s, at, ctx)).filter((t): t is string => t !== undefined))]
    if (types.length === 0) delete s.type
    else s.type = types
    return
  }
  const type = typeName(s.type, s, at, ctx)
  if (type === undefined) delete s.type
  else s.type = type
}

/** A JSON type for what was written as one, or undefined (with a note) where no meaning is clear. */
function typeName(written: unknown, s: Record<string, unknown>, at: string, ctx: RepairContext): string | undefined {
  if (typeof written === 'string' && JSON_TYPES.has(written)) return written
  const plain = typeof written === 'string' ? written.trim().toLowerCase() : undefined
  if (plain !== undefined && JSON_TYPES.has(plain)) {
    ctx.note('schema', `type ${String(written)}`, at, `type ${JSON.stringify(written)} is not a JSON Schema type (they are lowercase): read as '${plain}'.`)
    return plain
  }
  const alias = plain === undefined ? undefined : TYPE_ALIASES[plain]
  if (alias) {
    const withFormat = alias.format !== undefined && s.format === undefined
    if (withFormat) s.format = alias.format
    ctx.note(
      'schema',
      `type ${String(written)}`,
      at,
      `type ${JSON.stringify(written)} is not a JSON Schema type: read as '${alias.type}'${alias.format ? ` with format '${alias.format}'` : ''}.`,
    )
    return alias.type
  }
  if (plain === 'any') {
    ctx.note('schema', 'type any', at, "type 'any' is not a JSON Schema type: read as no type (any value).")
    return undefined
  }
  ctx.note(
    'schema',
    `type ${JSON.stringify(written)}`,
    at,
    `type ${short(written)} is not a JSON Schema type (string, number, integer, boolean, array, object or null): this schema's type is not checked.`,
  )
  return undefined
}

/** OAS 3.0 (JSON Schema draft-04) writes `minimum: 5, exclusiveMinimum: true`; 3.1 (2020-12) writes `exclusiveMinimum: 5`. */
function repairBounds(s: Record<string, unknown>, pointer: string, ctx: RepairContext): void {
  repairBound(s, 'minimum', 'exclusiveMinimum', pointer, ctx)
  repairBound(s, 'maximum', 'exclusiveMaximum', pointer, ctx)
}

function repairBound(s: Record<string, unknown>, bound: string, exclusive: string, pointer: string, ctx: RepairContext): void {
  const value = s[exclusive]
  if (typeof value === 'boolean') {
    if (ctx.version === '3.1') {
      ctx.note(
        'schema',
        `boolean ${exclusive} in 3.1`,
        `${pointer}/${exclusive}`,
        `a boolean ${exclusive} is OpenAPI 3.0 (3.1 writes the bound itself, ${exclusive}: 5): read as in 3.0.`,
      )
    }
    if (value && typeof s[bound] === 'number') {
      s[exclusive] = s[bound]
      delete s[bound]
    } else {
      delete s[exclusive]
    }
  } else if (typeof value === 'number' && ctx.version === '3.0') {
    ctx.note(
      'schema',
      `numeric ${exclusive} in 3.0`,
      `${pointer}/${exclusive}`,
      `a numeric ${exclusive} is OpenAPI 3.1 (3.0 writes ${bound}: 5, ${exclusive}: true): read as in 3.1.`,
    )
  }
}

function repairNullable(s: Record<string, unknown>, pointer: string, ctx: RepairContext): void {
  // Swagger 2.0 had no nullable; its tools (go-swagger, NSwag, Swashbuckle) wrote x-nullable, and converters keep it.
  if (s['x-nullable'] === true && s.nullable === undefined) {
    ctx.note('schema', 'x-nullable', `${pointer}/x-nullable`, 'x-nullable (Swagger 2.0 tools) is read as nullable: null is allowed.')
    allowNull(s)
    return
  }
  if (s.nullable === undefined) return
  if (ctx.version === '3.1') {
    ctx.note('schema', 'nullable in 3.1', `${pointer}/nullable`, "'nullable' is OpenAPI 3.0 (3.1 writes type: [T, 'null']): read as in 3.0.")
  }
  const nullable = s.nullable === true
  delete s.nullable
  if (nullable) allowNull(s)
}

/** Null besides what the schema allows. */
function allowNull(s: Record<string, unknown>): void {
  if (typeof s.type === 'string' || Array.isArray(s.type)) {
    const types: unknown[] = Array.isArray(s.type) ? s.type : [s.type]
    if (!types.includes('null')) s.type = [...types, 'null']
    if (Array.isArray(s.enum) && !s.enum.includes(null)) s.enum = [...(s.enum as unknown[]), null]
  } else {
    // No type: null is already allowed, unless another keyword (enum, $ref, allOf …) refuses it. Annotations stay
    // outside: readOnly still speaks for the property (null or not), and isReadOnly still finds it.
    const rest: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(s)) {
      if (ANNOTATIONS.has(key) || key.startsWith('x-')) continue
      rest[key] = value
      delete s[key]
    }
    s.anyOf = [rest, { type: 'null' }]
  }
}

/** draft-04's tuples (`items: [A, B]`) are 2020-12's `prefixItems`, and its `additionalItems` is `items`. */
function repairTuple(s: Record<string, unknown>, pointer: string, ctx: RepairContext): void {
  if (!Array.isArray(s.items) || ctx.valueTypes('items')?.includes('array')) return
  ctx.note(
    'schema',
    'items list in 3.1',
    `${pointer}/items`,
    'a list of schemas under items is a draft-04 tuple (2020-12 writes prefixItems): read as prefixItems.',
  )
  s.prefixItems = s.items
  delete s.items
  if (s.additionalItems !== undefined) {
    s.items = s.additionalItems
    delete s.additionalItems
  }
}

/**
 * `required: true` on a property (Swagger 2.0 parameters, JSON Schema draft-03) means the
 * object requires it; `required: name` means `[name]`.
 */
function repairRequired(s: Record<string, unknown>, pointer: string, ctx: RepairContext): void {
  if (typeof s.required === 'string') {
    ctx.note('schema', 'required string', `${pointer}/required`, 'required is a list of property names: a single name is read as a list of one.')
    s.required = [s.required]
  }
  const properties = s.properties
  if (properties === null || typeof properties !== 'object' || Array.isArray(properties)) return
  for (const [name, property] of Object.entries(properties as Record<string, unknown>)) {
    if (property === null || typeof property !== 'object' || typeof (property as { required?: unknown }).required !== 'boolean') continue
    const p = property as Record<string, unknown>
    ctx.note(
      'schema',
      'required boolean',
      `${pointer}/properties/${encodePointerToken(name)}/required`,
      "required: true (or false) on a property is Swagger 2.0 / JSON Schema draft-03 (an object lists its required properties): read that way, in the object's required list.",
    )
    if (p.required === true) {
      const list: unknown[] = Array.isArray(s.required) ? s.required : []
      if (!list.includes(name)) s.required = [...list, name]
    }
    delete p.required
  }
}

/** Keywords whose value the validator cannot compile are read as meant (`"5"` as 5) or dropped; unknown ones are named. */
function repairKeywordValues(s: Record<string, unknown>, pointer: string, ctx: RepairContext): void {
  const keywords = Object.keys(s)
  for (let k = 0; k < keywords.length; k++) {
    const keyword = keywords[k]
    if (keyword.startsWith('x-') || keyword === 'type' || OPENAPI_KEYWORDS.has(keyword)) continue
    const value = s[keyword]
    const types = STRING_KEYWORDS.has(keyword) ? STRING_TYPE : ctx.valueTypes(keyword)
    if (types === undefined) {
      const guess = guessKeyword(keyword, ctx.keywords)
      ctx.note(
        'schema',
        `unknown ${keyword}`,
        keywordPointer(pointer, keyword),
        `'${keyword}' is not a JSON Schema or OpenAPI keyword: it checks nothing${guess ? ` (did you mean '${guess}'?)` : ''}.`,
      )
      continue
    }
    if (types.length === 0 || types.some((type) => hasType(value, type))) {
      if (Array.isArray(value) && value.length === 0 && (keyword === 'enum' || keyword === 'anyOf' || keyword === 'oneOf')) {
        ctx.note('schema', `empty ${keyword}`, keywordPointer(pointer, keyword), `an empty ${keyword} allows no value at all: ignored.`)
        delete s[keyword]
      } else if (keyword === 'required' && !(value as unknown[]).every((name) => typeof name === 'string')) {
        ctx.note(
          'schema',
          'required names',
          keywordPointer(pointer, keyword),
          'required lists property names, and some of these are not strings: they are left out.',
        )
        s.required = (value as unknown[]).filter((name) => typeof name === 'string')
      } else if (keyword === 'multipleOf' && typeof value === 'number' && !(value > 0)) {
        ctx.note('schema', 'multipleOf not positive', keywordPointer(pointer, keyword), `multipleOf must be greater than 0, got ${value}: ignored.`)
        delete s[keyword]
      }
      continue
    }
    const read = readAs(value, types)
    if (read !== undefined) {
      ctx.note(
        'schema',
        `${keyword} as string`,
        keywordPointer(pointer, keyword),
        `${keyword} is written as the string ${JSON.stringify(value)}: read as ${JSON.stringify(read)}.`,
      )
      s[keyword] = read
    } else if (keyword === 'enum') {
      ctx.note('schema', 'enum not a list', keywordPointer(pointer, keyword), `enum is a list of values: ${JSON.stringify(value)} is read as a list of one.`)
      s.enum = [value]
    } else {
      ctx.note('schema', `${keyword} value`, keywordPointer(pointer, keyword), `${keyword} must be ${types.join(' or ')}, got ${short(value)}: ignored.`)
      delete s[keyword]
    }
  }
}

const STRING_TYPE = ['string']

/** A keyword's pointer, made only for a note: most schemas have none. */
function keywordPointer(pointer: string, keyword: string): string {
  return `${pointer}/${encodePointerToken(keyword)}`
}

// A description with thousands of schemas repeats its unknown keywords thousands of times: each is guessed at once.
const guesses = new WeakMap<readonly string[], Map<string, string | undefined>>()

function guessKeyword(keyword: string, keywords: readonly string[]): string | undefined {
  let known = guesses.get(keywords)
  if (!known) guesses.set(keywords, (known = new Map<string, string | undefined>()))
  // A two- or three-letter word (`in`, `url`) is no typo of a keyword: `in` is not a misspelt `id`.
  if (!known.has(keyword)) known.set(keyword, keyword.length < 4 ? undefined : closest(keyword, keywords))
  return known.get(keyword)
}

// ajv's own test of a keyword value against its schemaType (ajv/dist/compile/validate/keyword.js).
function hasType(value: unknown, type: string): boolean {
  if (type === 'array') return Array.isArray(value)
  if (type === 'object') return value !== null && typeof value === 'object' && !Array.isArray(value)
  return typeof value === type
}

/** A number or boolean written as a string in YAML (`minLength: "5"`, `uniqueItems: "true"`). */
function readAs(value: unknown, types: readonly string[]): unknown {
  if (typeof value !== 'string') return undefined
  if (types.includes('number') && /^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/.test(value)) return Number(value)
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true'
  return undefined
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}
