import type { ErrorObject, ValidateFunction } from 'ajv'
import { parseSize, type ResolvedConfig } from '../config.js'
import { noteResponses } from '../response/response-notes.js'
import { SetupError } from '../setup-error.js'
import { displayFile, type LoadedSpec } from './load-spec.js'
import { encodePointerToken, resolvePointer } from './refs.js'
import type { Operation, ParameterObject, RouteTable } from './route-table.js'
import { ignoredHeader, objectKeys, reservedQueryKeys } from './parameter-rules.js'
import { LazyValidators, OperationRuleMap } from './lazy-rules.js'
import { places } from './notes.js'
import { scanSchemas } from './schema-notes.js'
import { SchemaCompiler } from './schemas.js'

export type BodyKind = 'json' | 'form' | 'multipart' | 'text' | 'binary'

/** One media type (or range) an operation's requestBody documents. */
export interface MediaRule {
  /** As documented: `application/json`, `application/*`, `image/png`. */
  mediaType: string
  type: string
  subtype: string
  kind: BodyKind
  validate: ValidateFunction | undefined
  /** Multipart `encoding` contentType lists, by part name. */
  partTypes: Record<string, string[]>
  /** application/x-www-form-urlencoded: how each field is read (the Encoding Object, src/pipeline/parse-form.ts). */
  form?: FormEncoding
}

/** The Encoding Object of a urlencoded body, reduced to what reading it needs. */
export interface FormEncoding {
  /** Fields whose encoding says `allowReserved: true`; every other field refuses raw reserved characters. */
  allowReserved: ReadonlySet<string>
  /** Array and object fields: their style and explode (defaults form / true), read as for query parameters. */
  shaped: ReadonlyMap<string, { shape: Exclude<ParamShape, 'scalar'>; style: string; explode: boolean }>
}

export type ParamShape = 'array' | 'object' | 'scalar'

export interface ParamRule {
  param: ParameterObject
  shape: ParamShape
  /** A parameter described with `content` (e.g. JSON in a query string) instead of `schema`. */
  json: boolean
  /** For an exploded form-style object in the query (`R=100&G=200`): which query keys are its properties. */
  spread?: SpreadObject
  /**
   * One value or a list of them (PeerTube's `oneOf: [integer, array]`): read as one value, and where that is not
   * valid, as a list (`1,2,3`). Valid either way is valid.
   */
  listToo?: true
}

/** The query keys an exploded form object takes (src/pipeline/parameters.ts decides with it). */
export interface SpreadObject {
  /** Properties its schema declares, and patternProperties: always its own. */
  declared: ReadonlySet<string>
  patterns: Array<{ test(value: string): boolean }>
  /** Someone else's unless declared: the query parameters' names, credentials, other exploded objects' properties. */
  reserved: ReadonlySet<string>
}

export type ParamLocation = 'path' | 'query' | 'header' | 'cookie'

/** Everything steps 4–7 check for one operation, built at start-up; its validators compile on first use (src/spec/lazy-rules.ts). */
export interface OperationRules {
  bodyLimitBytes: number
  body: { required: boolean; media: MediaRule[] } | undefined
  params: Array<{ location: ParamLocation; rules: ParamRule[]; validate: ValidateFunction }>
  /** Status for an invalid body / invalid parameters, after the spec's documented responses had their say. */
  bodyStatus: number
  parameterStatus: number
  /** Drops the errors of `oneOf` branches a discriminator rules out (see SchemaCompiler.narrowByDiscriminator). */
  narrow?: (errors: ErrorObject[]) => ErrorObject[]
}

export function kindOf(essence: string): BodyKind {
  const [type, subtype = ''] = essence.split('/')
  if (subtype === 'json' || subtype.endsWith('+json')) return 'json'
  if (essence === 'application/x-www-form-urlencoded') return 'form'
  if (essence === 'multipart/form-data') return 'multipart'
  if (type === 'text') return 'text'
  return 'binary'
}

/**
 * `spec.notes` receives what the validators will not check (unknown formats and dialects: src/spec/schema-notes.ts)
 * and how schemas were read (patterns, OAS 3.0/3.1 idioms, types: src/spec/schema-dialects.ts).
 */
export function compileRules(spec: LoadedSpec, table: RouteTable, config: ResolvedConfig): OperationRuleMap {
  const compiler = new SchemaCompiler(spec, { rejectUnknownProperties: config.validation.rejectUnknownProperties })
  scanSchemas(spec, compiler.formats)
  const lazy = new LazyValidators(spec)
  const rules = new OperationRuleMap(lazy)
  const file = displayFile(spec)
  const unparsed = new Map<string, string[]>()
  const failureOnly: string[] = []
  const noted = new Set<string>()
  for (const op of table.operations) {
    const documented = Object.keys(op.responses)
    const lowest = documented.filter((k) => /^[4-5][0-9]{2}$/.test(k)).sort()[0]
    // (An operation that documents a 1xx gets a stand-in success instead: src/response/response-notes.ts.)
    if (lowest !== undefined && !documented.some((k) => /^[123]/.test(k) || k === 'default')) failureOnly.push(`${op.id} → ${lowest}`)
    rules.set(op, compileOperation(compiler, lazy, spec, file, op, config, unparsed, noted))
  }
  // Swagger's Petstore documents `405 Invalid input` alone for updatePetWithForm: a valid request then gets a 405 without
  // an Allow header or a problem, which reads as a refusal; say so once, with the way out.
  if (failureOnly.length > 0) {
    spec.notes.add(
      'response',
      '',
      `${failureOnly.length === 1 ? 'an operation documents' : `${failureOnly.length} operations document`} no success response (2xx, 3xx or default), so a valid request gets its lowest documented status: ${failureOnly.join(', ')}; document the success response (e.g. '204': {description: Deleted}) for doorman to answer it.`,
    )
  }
  noteResponses(spec, table)
  for (const [mediaType, pointers] of unparsed) {
    spec.notes.add(
      'body',
      places(pointers),
      `doorman does not parse ${mediaType} bodies, so they are not checked against this schema (any ${mediaType} body passes).`,
    )
  }
  return rules
}

/** Everything one operation's requests are checked against: the one place its validators are made (they compile on first use). */
function compileOperation(
  compiler: SchemaCompiler,
  lazy: LazyValidators,
  spec: LoadedSpec,
  file: string,
  op: Operation,
  config: ResolvedConfig,
  unparsed: Map<string, string[]>,
  noted: Set<string>,
): OperationRules {
  const documented = Object.keys(op.responses)
  // The mock stands in for the API: an operation that documents only one of 400/422 gets that one.
  const only = documented.includes('400') !== documented.includes('422') ? (documented.includes('400') ? 400 : 422) : undefined
  const requestBody = op.requestBody
  return {
    bodyLimitBytes: bodyLimit(op, config, file),
    body: requestBody && {
      required: requestBody.required,
      media: Object.entries(requestBody.content).map(([mediaType, media]) =>
        mediaRule(compiler, lazy, spec, mediaType, media, `${requestBody.pointer}/content/${encodePointerToken(mediaType)}`, unparsed),
      ),
    },
    params: paramRules(compiler, lazy, spec, op, noted),
    bodyStatus: only ?? config.validation.bodyStatus,
    parameterStatus: only ?? config.validation.parameterStatus,
    narrow: (errors) => compiler.narrowByDiscriminator(errors),
  }
}

function bodyLimit(op: Operation, config: ResolvedConfig, file: string): number {
  const fromConfig = config.operations[op.id]?.bodySize
  if (fromConfig !== undefined) return fromConfig
  const fromSpec = op.extension.bodySize
  if (fromSpec === undefined) return config.limits.bodySizeBytes
  try {
    if (typeof fromSpec !== 'number' && typeof fromSpec !== 'string') throw new Error()
    return parseSize(fromSpec)
  } catch {
    throw new SetupError(`x-doorman.bodySize must be a size such as 10kb, 1mb or a number of bytes, got ${JSON.stringify(fromSpec)}`, {
      file,
      location: `${op.pointer}/x-doorman/bodySize`,
    })
  }
}

function mediaRule(
  compiler: SchemaCompiler,
  lazy: LazyValidators,
  spec: LoadedSpec,
  mediaType: string,
  media: { schema?: unknown; encoding?: Record<string, unknown> },
  pointer: string,
  unparsed: Map<string, string[]>,
): MediaRule {
  const essence = mediaType.split(';')[0].trim().toLowerCase()
  const [type = '*', subtype = '*'] = essence.split('/')
  const kind = kindOf(essence)
  let validate: ValidateFunction | undefined
  // doorman does not parse XML: the body reaches the validator as one string, and the object schema behind
  // application/xml (every generated Petstore has one) would refuse every well-formed body. It is not checked,
  // and start-up says so. (Other unparsed types keep their schema: bytes sent as application/* are no object.)
  if (/^(application|text)\/([^/]+\+)?xml$/.test(essence) && media.schema !== undefined && !mayBeString(spec.document, media.schema)) {
    const list = unparsed.get(essence)
    if (list) list.push(`${pointer}/schema`)
    else unparsed.set(essence, [`${pointer}/schema`])
  } else if (media.schema !== undefined) {
    // Form fields are strings on the wire: coerce them to the schema's types, as a server framework would.
    const schema = `${pointer}/schema`
    validate = lazy.wrap(
      () => (kind === 'form' || kind === 'multipart' ? compiler.coerced(schema) : compiler.body(schema)),
      schema,
      `the ${mediaType} body schema`,
    )
  }
  const partTypes: Record<string, string[]> = {}
  for (const [part, encoding] of Object.entries(media.encoding ?? {})) {
    const contentType = (encoding as { contentType?: unknown })?.contentType
    if (typeof contentType === 'string') {
      partTypes[part] = contentType
        .split(',')
        .map((t) => t.trim().toLowerCase())
        .filter(Boolean)
    }
  }
  return { mediaType, type, subtype, kind, validate, partTypes, ...(kind === 'form' ? { form: formEncoding(spec.document, media) } : {}) }
}

/** OAS 3 Encoding Object for urlencoded bodies: style (default form), explode (default true for form), allowReserved (default false). */
function formEncoding(doc: unknown, media: { schema?: unknown; encoding?: Record<string, unknown> }): FormEncoding {
  const allowReserved = new Set<string>()
  const shaped = new Map<string, { shape: Exclude<ParamShape, 'scalar'>; style: string; explode: boolean }>()
  let schema = media.schema as Record<string, unknown> | undefined
  for (let depth = 0; typeof schema?.$ref === 'string' && depth < 8; depth++) schema = resolvePointer(doc, schema.$ref) as Record<string, unknown> | undefined
  const properties = (schema?.properties ?? {}) as Record<string, unknown>
  const encodings = media.encoding ?? {}
  for (const name of new Set([...Object.keys(properties), ...Object.keys(encodings)])) {
    const encoding = (encodings[name] ?? {}) as { style?: unknown; explode?: unknown; allowReserved?: unknown }
    if (encoding.allowReserved === true) allowReserved.add(name)
    const shape = shapeOf(doc, properties[name])
    if (shape === 'scalar') continue
    const style = typeof encoding.style === 'string' ? encoding.style : 'form'
    shaped.set(name, { shape, style, explode: typeof encoding.explode === 'boolean' ? encoding.explode : style === 'form' })
  }
  return { allowReserved, shaped }
}

function paramRules(compiler: SchemaCompiler, lazy: LazyValidators, spec: LoadedSpec, op: Operation, noted: Set<string>): OperationRules['params'] {
  const out: OperationRules['params'] = []
  for (const location of ['path', 'query', 'header', 'cookie'] as const) {
    const params = op.parameters.filter((p) => p.in === location && !ignoredHeader(spec, p, noted))
    if (params.length === 0) continue
    const properties: Record<string, string> = {}
    const required: string[] = []
    const rules: ParamRule[] = []
    for (const param of params) {
      const contentType = param.content ? Object.keys(param.content)[0] : undefined
      const schemaPointer = contentType ? `${param.pointer}/content/${encodePointerToken(contentType)}/schema` : `${param.pointer}/schema`
      const key = location === 'header' ? param.name.toLowerCase() : param.name
      const schema = resolvePointer(spec.document, `#${schemaPointer}`)
      if (schema !== undefined) properties[key] = schemaPointer
      if (param.required || location === 'path') required.push(key)
      const shape = shapeOf(spec.document, schema)
      const listToo = shape === 'scalar' && contentType === undefined && alsoList(spec.document, schema)
      rules.push({ param, shape, json: contentType !== undefined, ...(listToo ? { listToo } : {}) })
    }
    if (location === 'query') spreadObjects(spec, rules)
    const validate = lazy.wrap(
      () => compiler.coercedObject(properties, required, `${op.pointer} (${location} parameters)`),
      op.pointer,
      `the schema of its ${location} parameters`,
    )
    out.push({ location, rules, validate })
  }
  return out
}

/**
 * OAS style table, form + explode + object: `R=100&G=200&B=150`, the object's properties spread over the
 * query string beside the other parameters. Each such object learns which keys are its own.
 */
function spreadObjects(spec: LoadedSpec, rules: ParamRule[]): void {
  const spread = rules.filter((r) => !r.json && r.shape === 'object' && (r.param.style ?? 'form') === 'form' && (r.param.explode ?? true))
  const keys = spread.map((r) => objectKeys(spec.document, resolvePointer(spec.document, `#${r.param.pointer}/schema`)))
  const params = rules.map((r) => r.param)
  spread.forEach((rule, i) => {
    rule.spread = {
      ...keys[i],
      reserved: reservedQueryKeys(
        spec,
        params,
        keys.filter((_, j) => j !== i),
      ),
    }
  })
}

/** Whether a string can satisfy the schema's `type` (following `$ref`s): an XML body reaches the validator as one. */
function mayBeString(doc: unknown, schema: unknown, depth = 0): boolean {
  if (schema === null || typeof schema !== 'object' || depth > 16) return true
  const s = schema as Record<string, unknown>
  if (typeof s.$ref === 'string' && s.$ref.startsWith('#')) return mayBeString(doc, resolvePointer(doc, s.$ref), depth + 1)
  if (typeof s.type === 'string') return s.type === 'string'
  if (Array.isArray(s.type)) return s.type.includes('string')
  if (s.properties !== undefined || s.items !== undefined) return false
  for (const key of ['allOf', 'oneOf', 'anyOf'] as const) {
    const list = s[key]
    if (Array.isArray(list) && list.length > 0) {
      return key === 'allOf' ? list.every((sub) => mayBeString(doc, sub, depth + 1)) : list.some((sub) => mayBeString(doc, sub, depth + 1))
    }
  }
  return true
}

/** Whether a schema read as one value also has a list among its alternatives (`oneOf`/`anyOf` members). */
function alsoList(doc: unknown, schema: unknown, depth = 0): boolean {
  if (schema === null || typeof schema !== 'object' || depth > 8) return false
  const s = schema as Record<string, unknown>
  if (typeof s.$ref === 'string' && s.$ref.startsWith('#')) return alsoList(doc, resolvePointer(doc, s.$ref), depth + 1)
  return ['oneOf', 'anyOf'].some((key) => Array.isArray(s[key]) && (s[key] as unknown[]).some((member) => shapeOf(doc, member) === 'array'))
}

/** Whether a parameter's schema wants an array, an object or a single value: that decides how it is deserialized. */
function shapeOf(doc: unknown, schema: unknown, depth = 0): ParamShape {
  if (schema === null || typeof schema !== 'object' || depth > 8) return 'scalar'
  const s = schema as Record<string, unknown>
  if (typeof s.$ref === 'string' && s.$ref.startsWith('#')) return shapeOf(doc, resolvePointer(doc, s.$ref), depth + 1)
  const types = Array.isArray(s.type) ? s.type : [s.type]
  // `items` or `properties` say array or object only where `type` does not say otherwise (byautomata's
  // `type: string` with `properties` is a string).
  const typed = s.type !== undefined
  if (types.includes('array') || (!typed && s.items !== undefined)) return 'array'
  if (types.includes('object') || (!typed && s.properties !== undefined)) return 'object'
  for (const key of ['allOf', 'oneOf', 'anyOf']) {
    const first = (s[key] as unknown[] | undefined)?.[0]
    if (first !== undefined) return shapeOf(doc, first, depth + 1)
  }
  return 'scalar'
}
