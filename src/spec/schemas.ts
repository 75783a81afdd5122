import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { addRequestKeywords } from './ajv-keywords.js'
import { capErrors, stopAtCap } from './error-cap.js'
import { linearRegExpEngine } from './linear-regexp.js'
import type { LoadedSpec } from './load-spec.js'
import type { NoteSink } from './notes.js'
import { DiscriminatorNarrowing } from './discriminator.js'
import { resolvePointer } from './refs.js'
import { prepareRequestDocument } from './request-document.js'
import { eitherReading } from './string-readings.js'

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => void

/** The id under which the (request-adjusted) document is known to ajv: `doorman:spec#/components/schemas/Order`. */
export const SPEC_ID = 'doorman:spec'

export interface SchemaCompilerOptions {
  /** Refuse properties a schema does not declare, even where additionalProperties would allow them. */
  rejectUnknownProperties: boolean
}

/**
 * Compiles request validators. Two ajv instances share one copy of the
 * document adjusted for requests (src/spec/request-document.ts): one
 * validates bodies as they are, the other coerces parameters and form fields
 * (which are strings on the wire) to their schema types.
 *
 * Nothing here stops start-up: a schema ajv cannot compile accepts anything,
 * and ajv's own warnings become notes, each at the pointer being compiled.
 */
export class SchemaCompiler {
  #strict: Ajv
  #coercing: Ajv
  /** Each instance's twin without allErrors, made when a validation first stops collecting errors (src/spec/error-cap.ts). */
  readonly #exact = new Map<Ajv, Ajv>()
  readonly #make: (extra: Options) => Ajv
  readonly #load: (ajv: Ajv) => void
  #loaded = false
  readonly #doc: unknown
  readonly #narrowing: DiscriminatorNarrowing
  readonly #notes: NoteSink
  readonly #knownFormats: ReadonlySet<string>
  /** Validators by what they compile: operations sharing a body schema or identical parameters share one. */
  readonly #compiled = new Map<string, ValidateFunction>()
  /** What is being compiled, for the notes ajv's warnings become. */
  #compiling = ''
  #lastError = ''
  readonly #warned = new Set<string>()

  /** The formats the validators check (ajv-formats' and OpenAPI's): any other `format` is not checked. */
  get formats(): ReadonlySet<string> {
    return this.#knownFormats
  }

  constructor(spec: LoadedSpec, options: SchemaCompilerOptions) {
    this.#notes = spec.notes
    const logger = {
      log: () => {},
      warn: (...args: unknown[]) => this.#warn(args),
      error: (...args: unknown[]) => this.#warn(args),
    }
    const base: Options = {
      allErrors: true,
      // Strict about schemas, but as warnings (notes), never as a refusal to compile: unknown keywords, `then`
      // without `if`. Strict types, tuples and required are about a schema's style, not about what it allows.
      strict: false,
      strictSchema: 'log',
      allowMatchingProperties: true,
      verbose: true,
      validateSchema: false,
      unevaluated: true,
      // Start-up: a $ref'd schema (a component) compiles once as its own function instead of inline in every user,
      // and the generated code skips its optimizing pass: compiling halves, validating costs ~10% more (< 1 µs).
      inlineRefs: false,
      // Patterns match in linear time (src/spec/linear-regexp.ts); collecting errors stops at a cap (src/spec/error-cap.ts).
      code: { optimize: false, regExp: linearRegExpEngine, process: capErrors },
      logger,
    }
    const make = (extra: Options) => {
      const ajv = spec.version === '3.1' ? new Ajv2020({ ...base, ...extra }) : new Ajv({ ...base, ...extra })
      addFormats(ajv)
      addOpenApiFormats(ajv)
      addRequestKeywords(ajv)
      return ajv
    }
    this.#strict = make({})
    // No useDefaults: it would fill a missing required property that has a `default` before `required` is checked
    // (USPTO's search form: `criteria` is required, with default '*:*'), and no client would ever hear it is missing.
    this.#coercing = make({ coerceTypes: 'array' })
    this.#knownFormats = new Set(Object.keys(this.#strict.formats))
    const { all: rules, keywords } = this.#strict.RULES
    // Asked for every keyword of every request schema: each keyword's answer is worked out once.
    const valueTypes = new Map<string, readonly string[] | undefined>()
    const { document, formats, named } = prepareRequestDocument(spec, options, {
      valueTypes: (keyword) => {
        if (valueTypes.has(keyword)) return valueTypes.get(keyword)
        let types: readonly string[] | undefined
        if (Object.hasOwn(keywords, keyword)) {
          // Annotations (title, default …) have no rule: any value.
          const rule = Object.hasOwn(rules, keyword) ? rules[keyword] : undefined
          const type = typeof rule === 'object' ? rule.definition.schemaType : undefined
          types = type === undefined ? [] : Array.isArray(type) ? type : [type]
        }
        valueTypes.set(keyword, types)
        return types
      },
      keywords: Object.keys(keywords),
    })
    this.#doc = document
    this.#narrowing = new DiscriminatorNarrowing(document)
    this.#make = make
    this.#load = (ajv) => {
      // A format doorman does not know is not checked (scanSchemas says so): any string passes it.
      for (const format of formats) if (!this.#knownFormats.has(format)) ajv.addFormat(format, true)
      ajv.addSchema(this.#doc as object, SPEC_ID)
    }
    // ajv walks the whole document when it is added (GitHub's: a tenth of a second, twice), which can wait for the
    // first validator: validators compile on first use or in idle time after listening (src/spec/lazy-rules.ts).
    // Schemas named by $id or anchor are added at once, so that two with one name are a start-up note.
    if (named) this.#loadDocument()
  }

  /** Adds the document to both ajv instances, once; where two of its schemas share an $id, without the $ids. */
  #loadDocument(): void {
    if (this.#loaded) return
    this.#loaded = true
    const load = () => {
      for (const ajv of [this.#strict, this.#coercing]) this.#load(ajv)
    }
    try {
      load()
    } catch (error) {
      // Two schemas with one $id: ajv cannot tell which a reference means. Without $ids, every $ref is a pointer.
      this.#notes.add('schema', '', `the document's schemas cannot be read together (${firstLine(error)}): doorman ignores every $id in them.`)
      removeIds(this.#doc)
      this.#strict = this.#make({})
      this.#coercing = this.#make({ coerceTypes: 'array' })
      load()
    }
  }

  /** A validator for the schema at `pointer` in the document (request bodies: no coercion). */
  body(pointer: string): ValidateFunction {
    this.#loadDocument()
    return this.#compile(this.#strict, this.#reference(pointer, false), pointer)
  }

  /** Like `body`, but for form fields, which are strings: valid when a reading of them is (see `eitherReading`). */
  coerced(pointer: string): ValidateFunction {
    this.#loadDocument()
    const schema = this.#reference(pointer, false)
    return eitherReading(this.#compile(this.#coercing, schema, pointer), () => this.#compile(this.#strict, schema, pointer), false)
  }

  /**
   * A validator for an operation's parameters in one location: an object whose properties are the
   * schemas at the given pointers. Each parameter is valid when a reading of its strings is (see
   * `eitherReading`); readOnly does not apply to parameters (src/spec/ajv-keywords.ts).
   */
  coercedObject(properties: Record<string, string>, required: string[], where: string): ValidateFunction {
    this.#loadDocument()
    return eitherReading(this.#object(this.#coercing, properties, required, where), () => this.#object(this.#strict, properties, required, where), true)
  }

  /** The parameters' object schema, compiled: a parameter whose schema cannot be compiled accepts anything, the others stay checked. */
  #object(ajv: Ajv, properties: Record<string, string>, required: string[], where: string): ValidateFunction {
    const schemas: Record<string, object | boolean> = {}
    for (const [name, pointer] of Object.entries(properties)) schemas[name] = this.#reference(pointer, true)
    const whole = () => ({ type: 'object', properties: schemas, required })
    if (this.#tryCompile(ajv, whole(), where) !== undefined) return this.#compile(ajv, whole(), where)
    for (const [name, pointer] of Object.entries(properties)) {
      if (this.#tryCompile(ajv, schemas[name], pointer) !== undefined) continue
      this.#compile(ajv, schemas[name], pointer)
      schemas[name] = true
    }
    return this.#compile(ajv, whole(), where)
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
      if (
        schema !== null &&
        typeof schema === 'object' &&
        typeof schema.$ref === 'string' &&
        schema.$ref.startsWith('#/') &&
        Object.keys(schema).length === 1
      ) {
        target = schema.$ref.slice(1)
        continue
      }
      if (embed && schema !== undefined && schema !== null && selfContained(schema)) return schema
      break
    }
    return { $ref: `${SPEC_ID}#${target}` }
  }

  /** The errors a person should read: a discriminated `oneOf` keeps its chosen branch's (src/spec/discriminator.ts). */
  narrowByDiscriminator(errors: ErrorObject[]): ErrorObject[] {
    return this.#narrowing.narrow(errors)
  }

  /**
   * One schema, compiled once. A schema ajv cannot compile (a construct it refuses, a stack it exhausts) accepts
   * anything, with a note: one schema must not stop the mock, nor leave the rest of the document unchecked.
   */
  #compile(ajv: Ajv, schema: object | boolean, where: string): ValidateFunction {
    const validate = this.#tryCompile(ajv, schema, where)
    if (validate !== undefined) return validate
    this.#notes.add('schema', where, `this schema cannot be compiled (${this.#lastError}): requests are not checked against it.`)
    const anything = ajv.compile(true)
    this.#compiled.set(cacheKey(ajv === this.#strict, schema), anything)
    return anything
  }

  /** The compiled schema, or undefined (the reason in #lastError) where ajv cannot compile it. */
  #tryCompile(ajv: Ajv, schema: object | boolean, where: string): ValidateFunction | undefined {
    const key = cacheKey(ajv === this.#strict, schema)
    const known = this.#compiled.get(key)
    if (known) return known
    this.#compiling = where
    try {
      const compiled = ajv.compile(schema)
      const validate = stopAtCap(compiled, () => this.#exactValidator(ajv, schema))
      this.#compiled.set(key, validate)
      return validate
    } catch (error) {
      this.#lastError = error instanceof RangeError ? 'its $refs go round in a circle, or it nests too deeply, for the validator to compile' : firstLine(error)
      return undefined
    } finally {
      this.#compiling = ''
    }
  }

  /** The same schema compiled to stop at its first error: it decides alone whether data is valid once collecting stopped. */
  #exactValidator(ajv: Ajv, schema: object | boolean): ValidateFunction {
    let exact = this.#exact.get(ajv)
    if (exact === undefined) {
      exact = this.#make({
        allErrors: false,
        ...(ajv === this.#coercing ? { coerceTypes: 'array' } : {}),
        code: { optimize: false, regExp: linearRegExpEngine },
      })
      this.#load(exact)
      this.#exact.set(ajv, exact)
    }
    return exact.compile(schema)
  }

  /** ajv's warnings (strict mode, logged): a note each, once, at what was being compiled. */
  #warn(args: unknown[]): void {
    const message = args
      .map(String)
      .join(' ')
      .replace(/^strict mode: /, '')
    // Unknown keywords are noted with their own pointers (src/spec/schema-dialects.ts), unknown formats by scanSchemas.
    if (/^unknown (keyword|format)/.test(message) || this.#warned.has(message)) return
    this.#warned.add(message)
    this.#notes.add('schema', this.#compiling, `JSON Schema: ${message}.`)
  }
}

function firstLine(error: unknown): string {
  return String((error as Error | undefined)?.message ?? error).split('\n')[0]
}

function removeIds(document: unknown): void {
  const stack = [document]
  const seen = new Set<object>()
  while (stack.length > 0) {
    const node = stack.pop()
    if (node === null || typeof node !== 'object' || seen.has(node)) continue
    seen.add(node)
    if (!Array.isArray(node) && typeof (node as { $id?: unknown }).$id === 'string') delete (node as { $id?: unknown }).$id
    stack.push(...(Object.values(node) as unknown[]))
  }
}

function cacheKey(strict: boolean, schema: object | boolean): string {
  return `${strict ? 'strict' : 'coercing'} ${JSON.stringify(schema)}`
}

/** Past this many errors a validation is not narrowed by discriminators (each error would be looked at against each verdict). */

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

export function addOpenApiFormats(ajv: Ajv): void {
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
