import { Ajv, type Options, type ValidateFunction } from 'ajv'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { SetupError } from '../setup-error.js'
import { displayFile, type LoadedSpec } from './load-spec.js'
import { resolvePointer } from './refs.js'

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => void

/** The id under which the (request-adjusted) document is known to ajv: `doorman:spec#/components/schemas/Order`. */
export const SPEC_ID = 'doorman:spec'

export interface SchemaCompilerOptions {
  /** Refuse properties a schema does not declare, even where additionalProperties would allow them. */
  rejectUnknownProperties: boolean
}

/**
 * Compiles request validators once, at start-up. Two ajv instances share one
 * copy of the document adjusted for requests: one validates bodies as they
 * are, the other coerces parameters and form fields (which are strings on
 * the wire) to their schema types.
 */
export class SchemaCompiler {
  readonly #strict: Ajv
  readonly #coercing: Ajv
  readonly #file: string
  readonly #doc: unknown
  /** Validators by what they compile: operations sharing a body schema or identical parameters share one. */
  readonly #compiled = new Map<string, ValidateFunction>()
  readonly warnings: string[] = []

  /** The formats the validators check (ajv-formats' and OpenAPI's): any other `format` is not checked. */
  get formats(): ReadonlySet<string> {
    return new Set(Object.keys(this.#strict.formats))
  }

  constructor(spec: LoadedSpec, options: SchemaCompilerOptions) {
    this.#file = displayFile(spec)
    const doc = prepareRequestDocument(spec, options)
    this.#doc = doc
    const logger = {
      log: () => {},
      warn: (...args: unknown[]) => this.warnings.push(args.map(String).join(' ')),
      error: (...args: unknown[]) => this.warnings.push(args.map(String).join(' ')),
    }
    const base: Options = {
      allErrors: true,
      strict: false,
      verbose: true,
      validateSchema: false,
      unevaluated: true,
      // Start-up: a $ref'd schema (a component) compiles once as its own function instead of inline in every user,
      // and the generated code skips its optimizing pass: compiling halves, validating costs ~10% more (< 1 µs).
      inlineRefs: false,
      code: { optimize: false },
      logger,
    } as Options
    const make = (extra: Options) => {
      const ajv = spec.version === '3.1' ? new Ajv2020({ ...base, ...extra }) : new Ajv({ ...base, ...extra })
      addFormats(ajv as Ajv)
      addOpenApiFormats(ajv as Ajv)
      // OAS: a readOnly property "SHOULD NOT be sent as part of the request".
      ajv.removeKeyword('readOnly')
      ajv.addKeyword({
        keyword: 'readOnly',
        schemaType: 'boolean',
        errors: true,
        validate: function readOnly(isReadOnly: boolean) {
          if (!isReadOnly) return true
          ;(readOnly as unknown as { errors: unknown[] }).errors = [
            { keyword: 'readOnly', message: 'is read-only and must not be sent in a request', params: {} },
          ]
          return false
        },
      })
      ajv.addSchema(doc as object, SPEC_ID)
      return ajv as Ajv
    }
    this.#strict = make({})
    this.#coercing = make({ coerceTypes: 'array', useDefaults: true })
  }

  /** A validator for the schema at `pointer` in the document (request bodies: no coercion). */
  body(pointer: string): ValidateFunction {
    return this.#compile(this.#strict, this.#reference(pointer, false), pointer)
  }

  /** Like `body`, but coercing strings to the schema's types (form fields). */
  coerced(pointer: string): ValidateFunction {
    return this.#compile(this.#coercing, this.#reference(pointer, false), pointer)
  }

  /** A validator for an object whose properties are schemas at the given pointers, coercing strings. */
  coercedObject(properties: Record<string, string>, required: string[], where: string): ValidateFunction {
    const schema = {
      type: 'object',
      properties: Object.fromEntries(Object.entries(properties).map(([name, pointer]) => [name, this.#reference(pointer, true)])),
      required,
    }
    return this.#compile(this.#coercing, schema, where)
  }

  /**
   * The schema at `pointer` as ajv should see it: a bare `$ref` is followed to
   * its target (POST and PUT of one component then share a validator), and with
   * `embed` a schema that refers to nothing is copied in whole (identical
   * parameters on many operations then compile once).
   */
  #reference(pointer: string, embed: boolean): object | boolean {
    let target = pointer
    for (let hops = 0; hops < 16; hops++) {
      const schema = resolvePointer(this.#doc, `#${target}`) as Record<string, unknown> | boolean | undefined
      if (schema !== null && typeof schema === 'object' && typeof schema.$ref === 'string' && schema.$ref.startsWith('#/') && Object.keys(schema).length === 1) {
        target = schema.$ref.slice(1)
        continue
      }
      if (embed && schema !== undefined && schema !== null && selfContained(schema)) return schema
      break
    }
    return { $ref: `${SPEC_ID}#${target}` }
  }

  #compile(ajv: Ajv, schema: object | boolean, where: string): ValidateFunction {
    const key = `${ajv === this.#strict ? 'strict' : 'coercing'} ${JSON.stringify(schema)}`
    const known = this.#compiled.get(key)
    if (known) return known
    try {
      const validate = ajv.compile(schema)
      this.#compiled.set(key, validate)
      return validate
    } catch (error) {
      const message = (error as Error).message.split('\n')[0]
      throw new SetupError(`invalid schema: ${message}`, { file: this.#file, location: where })
    }
  }
}

// Keywords that make a schema depend on where it sits (its base URI, or other schemas).
const LOCATION_KEYWORDS = new Set(['$ref', '$id', '$anchor', '$dynamicRef', '$dynamicAnchor', '$recursiveRef', '$recursiveAnchor', '$schema'])

/** A schema that means the same wherever it is copied: no reference, id or anchor anywhere inside. */
function selfContained(schema: unknown, depth = 0): boolean {
  if (schema === null || typeof schema !== 'object') return true
  if (depth > 32) return false
  for (const [key, value] of Object.entries(schema)) {
    if (LOCATION_KEYWORDS.has(key) || !selfContained(value, depth + 1)) return false
  }
  return true
}

function addOpenApiFormats(ajv: Ajv): void {
  const int = (bits: number) => (n: number) => Number.isInteger(n) && n >= -(2 ** (bits - 1)) && n < 2 ** (bits - 1)
  ajv.addFormat('int32', { type: 'number', validate: int(32) })
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) })
  ajv.addFormat('float', { type: 'number', validate: (n: number) => Number.isFinite(n) })
  ajv.addFormat('double', { type: 'number', validate: (n: number) => Number.isFinite(n) })
  ajv.addFormat('binary', true)
  ajv.addFormat('password', true)
}

const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']
const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems']
const SUBSCHEMA_SINGLE = ['additionalProperties', 'items', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties', 'additionalItems']

/**
 * A copy of the document with every schema adjusted for validating requests:
 * OAS 3.0 keywords turned into JSON Schema, readOnly properties no longer
 * required (OAS: "required … will take effect on the response only"), and,
 * with rejectUnknownProperties, undeclared properties refused.
 */
function prepareRequestDocument(spec: LoadedSpec, options: SchemaCompilerOptions): unknown {
  const doc = structuredClone(spec.document) as Record<string, unknown>
  const schemas: Array<Record<string, unknown>> = []
  const composed = new Set<object>()
  const seen = new Set<object>()

  const visit = (schema: unknown) => {
    if (schema === null || typeof schema !== 'object' || seen.has(schema)) return
    seen.add(schema)
    const s = schema as Record<string, unknown>
    schemas.push(s)
    for (const key of SUBSCHEMA_MAPS) {
      const map = s[key]
      if (map && typeof map === 'object') Object.values(map).forEach(visit)
    }
    for (const key of SUBSCHEMA_LISTS) {
      const list = s[key]
      if (Array.isArray(list)) list.forEach(visit)
    }
    for (const key of SUBSCHEMA_SINGLE) {
      const sub = s[key]
      if (Array.isArray(sub)) sub.forEach(visit)
      else visit(sub)
    }
    // Members of allOf are checked as part of a whole: only the whole may refuse unknown properties.
    if (Array.isArray(s.allOf)) {
      for (const member of s.allOf) {
        const target = typeof member?.$ref === 'string' && member.$ref.startsWith('#') ? resolvePointer(doc, member.$ref) : member
        if (target && typeof target === 'object') composed.add(target)
      }
    }
  }
  forEachDocumentSchema(doc, visit)

  for (const s of schemas) {
    if (spec.version === '3.0') convertOas30(s)
    const properties = s.properties as Record<string, Record<string, unknown>> | undefined
    if (properties && Array.isArray(s.required)) {
      s.required = s.required.filter((name) => !isReadOnly(doc, properties[name]))
    }
    if (
      options.rejectUnknownProperties &&
      (s.properties !== undefined || s.allOf !== undefined) &&
      !composed.has(s) &&
      s.additionalProperties === undefined &&
      s.unevaluatedProperties === undefined &&
      s.patternProperties === undefined
    ) {
      s.unevaluatedProperties = false
    }
  }
  return doc
}

function isReadOnly(doc: unknown, schema: Record<string, unknown> | undefined): boolean {
  if (!schema) return false
  if (schema.readOnly === true) return true
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#')) {
    return (resolvePointer(doc, schema.$ref) as { readOnly?: unknown } | undefined)?.readOnly === true
  }
  return false
}

/** OAS 3.0 Schema Objects are JSON Schema draft-04 dialect plus `nullable`. */
function convertOas30(s: Record<string, unknown>): void {
  for (const [bound, exclusive] of [
    ['minimum', 'exclusiveMinimum'],
    ['maximum', 'exclusiveMaximum'],
  ] as const) {
    if (typeof s[exclusive] === 'boolean') {
      if (s[exclusive] === true && typeof s[bound] === 'number') {
        s[exclusive] = s[bound]
        delete s[bound]
      } else {
        delete s[exclusive]
      }
    }
  }
  if (s.nullable === true) {
    delete s.nullable
    if (typeof s.type === 'string') {
      s.type = [s.type, 'null']
      if (Array.isArray(s.enum) && !s.enum.includes(null)) s.enum = [...s.enum, null]
    } else if (s.type === undefined) {
      const rest = { ...s }
      for (const key of Object.keys(s)) delete s[key]
      s.anyOf = [rest, { type: 'null' }]
    }
  }
}

/** Calls `visit` on every top-level schema the document holds: components, parameters, bodies, responses, headers. */
function forEachDocumentSchema(doc: Record<string, unknown>, visit: (schema: unknown) => void): void {
  const content = (c: unknown) => {
    if (c && typeof c === 'object') {
      for (const media of Object.values(c as Record<string, { schema?: unknown }>)) visit(media?.schema)
    }
  }
  const param = (p: unknown) => {
    const obj = p as { schema?: unknown; content?: unknown } | null
    visit(obj?.schema)
    content(obj?.content)
  }
  const headers = (h: unknown) => {
    if (h && typeof h === 'object') Object.values(h).forEach(param)
  }
  const response = (r: unknown) => {
    const obj = r as { content?: unknown; headers?: unknown } | null
    content(obj?.content)
    headers(obj?.headers)
  }
  const operation = (op: unknown) => {
    const o = op as { parameters?: unknown[]; requestBody?: { content?: unknown }; responses?: Record<string, unknown> } | null
    if (!o || typeof o !== 'object') return
    if (Array.isArray(o.parameters)) o.parameters.forEach(param)
    content(o.requestBody?.content)
    if (o.responses && typeof o.responses === 'object') Object.values(o.responses).forEach(response)
  }
  for (const item of Object.values((doc.paths ?? {}) as Record<string, Record<string, unknown>>)) {
    if (!item || typeof item !== 'object') continue
    if (Array.isArray(item.parameters)) item.parameters.forEach(param)
    for (const [key, op] of Object.entries(item)) if (key !== 'parameters') operation(op)
  }
  const components = (doc.components ?? {}) as Record<string, Record<string, unknown>>
  Object.values(components.schemas ?? {}).forEach(visit)
  Object.values(components.parameters ?? {}).forEach(param)
  Object.values(components.headers ?? {}).forEach(param)
  Object.values(components.requestBodies ?? {}).forEach((b) => content((b as { content?: unknown })?.content))
  Object.values(components.responses ?? {}).forEach(response)
}
