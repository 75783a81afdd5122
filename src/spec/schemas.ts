import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv'
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
        validate: function readOnly(isReadOnly: boolean, _data: unknown, parentSchema?: object) {
          if (!isReadOnly) return true
          // parentSchema, which ajv leaves out of a custom keyword's errors, tells narrowByDiscriminator whose error it is.
          ;(readOnly as unknown as { errors: unknown[] }).errors = [
            { keyword: 'readOnly', message: 'is read-only and must not be sent in a request', params: {}, parentSchema },
          ]
          return false
        },
      })
      ajv.addSchema(doc as object, SPEC_ID)
      return ajv as Ajv
    }
    this.#strict = make({})
    // No useDefaults: it would fill a missing required property that has a `default` before `required` is checked
    // (USPTO's search form: `criteria` is required, with default '*:*'), and no client would ever hear it is missing.
    this.#coercing = make({ coerceTypes: 'array' })
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

  /**
   * ajv reports a failed `oneOf` with every branch's errors: a Cat with `lives: 30` also hears that
   * `petType` must be "dog". Where the `oneOf` has an OpenAPI `discriminator`, the value of its
   * property names the branch the client meant: only that branch's errors are kept (and the
   * `oneOf` summary goes), or, for a value that names no branch, one error listing those that do.
   */
  narrowByDiscriminator(errors: ErrorObject[]): ErrorObject[] {
    // A body of a hundred thousand bad items is counted, not read: narrowing is for messages a person reads.
    if (errors.length > MAX_NARROWED_ERRORS) return errors
    type Verdict = { keep: Set<object>; drop: Set<object>; replacement?: ErrorObject; chosenFailed: boolean }
    const verdicts = new Map<ErrorObject, Verdict>()
    const byPath = new Map<string, Verdict[]>()
    for (const e of errors) {
      if (e.keyword !== 'oneOf' && e.keyword !== 'anyOf') continue
      const verdict = this.#verdict(e)
      if (verdict === undefined) continue
      verdicts.set(e, verdict)
      const list = byPath.get(e.instancePath)
      if (list) list.push(verdict)
      else byPath.set(e.instancePath, [verdict])
    }
    if (verdicts.size === 0) return errors
    // The verdicts on an error's own value and on the values that hold it (/10 is not inside /1).
    const around = (path: string): Verdict[] => {
      const out: Verdict[] = []
      for (let at = path; ; at = at.slice(0, at.lastIndexOf('/'))) {
        out.push(...(byPath.get(at) ?? []))
        if (at === '') return out
      }
    }
    const dropped = new Set<ErrorObject>()
    for (const e of errors) {
      if (verdicts.has(e)) continue
      const parent = e.parentSchema as object
      for (const verdict of around(e.instancePath)) {
        if (verdict.keep.has(parent)) verdict.chosenFailed = true
        else if (verdict.drop.has(parent)) dropped.add(e)
      }
    }
    const out: ErrorObject[] = []
    for (const e of errors) {
      const verdict = verdicts.get(e)
      if (verdict?.replacement) out.push(verdict.replacement)
      // the oneOf summary stays only when the chosen branch itself passed (the value matched two branches)
      else if (verdict) {
        if (!verdict.chosenFailed) out.push(e)
      } else if (!dropped.has(e)) out.push(e)
    }
    return out
  }

  /** What a discriminated oneOf/anyOf error says about its branches: the chosen one's schemas, the others', or a replacement error. */
  #verdict(e: ErrorObject): { keep: Set<object>; drop: Set<object>; replacement?: ErrorObject; chosenFailed: boolean } | undefined {
    const parent = e.parentSchema as { discriminator?: { propertyName?: unknown; mapping?: Record<string, unknown> } } | undefined
    const property = parent?.discriminator?.propertyName
    const branches = e.schema as unknown[]
    const value = (e.data as Record<string, unknown> | null)?.[String(property)]
    if (typeof property !== 'string' || typeof value !== 'string' || !Array.isArray(branches)) return undefined
    const refs = branches.map((b) => (b !== null && typeof b === 'object' && typeof (b as { $ref?: unknown }).$ref === 'string' ? (b as { $ref: string }).$ref : undefined))
    // OAS: a discriminator picks among $ref'd branches; inline ones have no name to be picked by.
    if (refs.some((ref) => ref === undefined)) return undefined
    // Mapping values are $refs or bare schema names.
    const mapping = Object.fromEntries(
      Object.entries(parent!.discriminator!.mapping ?? {}).map(([name, target]) => [name, String(target).startsWith('#') ? String(target) : `#/components/schemas/${String(target)}`]),
    )
    const wanted = mapping[value] ?? refs.find((ref) => ref!.split('/').pop() === value)
    const chosen = refs.findIndex((ref) => ref === wanted)
    const reach = branches.map((b) => this.#reachable(b))
    if (chosen === -1) {
      const names = refs.map((ref) => Object.keys(mapping).find((name) => mapping[name] === ref) ?? ref!.split('/').pop()!)
      return {
        keep: new Set(),
        drop: new Set(reach.flatMap((r) => [...r])),
        chosenFailed: false,
        replacement: {
          ...e,
          instancePath: `${e.instancePath}/${property.replaceAll('~', '~0').replaceAll('/', '~1')}`,
          keyword: 'enum',
          message: `must be one of ${names.map((n) => JSON.stringify(n)).join(', ')} (the ${property} of a ${e.keyword} with a discriminator)`,
          params: { allowedValues: names },
          data: value,
        },
      }
    }
    const keep = reach[chosen]!
    return { keep, drop: new Set(reach.flatMap((r) => [...r]).filter((s) => !keep.has(s))), chosenFailed: false }
  }

  readonly #reach = new WeakMap<object, Set<object>>()

  /** Every schema object inside `schema`, `$ref`s followed: the objects its errors can name as parentSchema. */
  #reachable(schema: unknown): Set<object> {
    if (schema === null || typeof schema !== 'object') return new Set()
    const known = this.#reach.get(schema)
    if (known) return known
    const out = new Set<object>()
    const stack: unknown[] = [schema]
    while (stack.length > 0) {
      const node = stack.pop()
      if (node === null || typeof node !== 'object' || out.has(node)) continue
      out.add(node)
      const ref = (node as { $ref?: unknown }).$ref
      if (typeof ref === 'string' && ref.startsWith('#/')) stack.push(resolvePointer(this.#doc, ref))
      for (const value of Object.values(node)) if (value !== null && typeof value === 'object') stack.push(value)
    }
    this.#reach.set(schema, out)
    return out
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

/** Past this many errors a validation is not narrowed by discriminators (each error would be looked at against each verdict). */
const MAX_NARROWED_ERRORS = 1000

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
  // Past ±2^63 no int64 holds the value (a 20-digit id a Java server refuses). The bound is inclusive: 9223372036854775807
  // (Long.MAX_VALUE) reads as the double 2^63, and must pass.
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 63) && n <= 2 ** 63 })
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
