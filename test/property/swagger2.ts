/**
 * A Swagger 2.0 document read as the OpenAPI 3.0 one it describes, for the
 * generator only (doorman upgrades with its own converter: this one is the
 * suite's independent reading of the 2.0 text). Parameters keep their
 * meaning: `collectionFormat` becomes a style, `in: body` and `formData` a
 * request body in each type of `consumes`, `securityDefinitions` the schemes.
 */
import { follow, isObject, METHODS, type Json } from './openapi-document.js'

const SCHEMA_KEYS = [
  'type',
  'format',
  'enum',
  'default',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'multipleOf',
]
const STYLES: Record<string, { style: string; explode: boolean }> = {
  csv: { style: 'form', explode: false },
  multi: { style: 'form', explode: true },
  ssv: { style: 'spaceDelimited', explode: false },
  pipes: { style: 'pipeDelimited', explode: false },
}

export const isSwagger2 = (doc: unknown) => isObject(doc) && typeof doc.swagger === 'string' && doc.swagger.startsWith('2')

export function fromSwagger2(doc: Json): Json {
  const moved = renameRefs(doc) as Json
  const paths: Json = {}
  for (const [template, rawItem] of Object.entries((moved.paths ?? {}) as Json)) {
    const item = follow(moved, rawItem, '').value
    if (!isObject(item)) continue
    const out: Json = {}
    for (const method of METHODS) {
      const op = item[method]
      if (isObject(op)) out[method] = operation(moved, op, [...list(moved, item.parameters), ...list(moved, op.parameters)])
    }
    paths[template] = out
  }
  const schemes = Object.entries((moved.securityDefinitions ?? {}) as Json).map(([name, s]) => [name, scheme(s as Json)])
  return {
    openapi: '3.0.3',
    info: moved.info,
    servers: [{ url: `${typeof moved.host === 'string' ? `//${moved.host}` : ''}${typeof moved.basePath === 'string' ? moved.basePath : ''}` || '/' }],
    paths,
    components: { schemas: moved.definitions ?? {}, securitySchemes: Object.fromEntries(schemes) },
    ...(moved.security ? { security: moved.security } : {}),
    consumes: moved.consumes,
  }
}

function operation(doc: Json, op: Json, params: Json[]): Json {
  // The operation's parameter replaces the path item's of the same name and location.
  const byKey = new Map(params.map((p) => [`${String(p.in)} ${String(p.name)}`, p]))
  const all = [...byKey.values()]
  const consumes = (op.consumes ?? doc.consumes ?? []) as string[]
  const out: Json = { ...op, parameters: all.filter((p) => ['path', 'query', 'header'].includes(p.in as string)).map(parameter) }
  delete out.consumes
  const body = all.find((p) => p.in === 'body')
  const form = all.filter((p) => p.in === 'formData')
  if (body) {
    const types = consumes.length ? consumes : ['application/json']
    out.requestBody = { required: body.required === true, content: Object.fromEntries(types.map((t) => [t, { schema: body.schema ?? {} }])) }
  } else if (form.length) {
    const types = consumes.filter((t) => /form-urlencoded|multipart\/form-data/.test(t))
    const fallback = form.some((p) => p.type === 'file') ? 'multipart/form-data' : 'application/x-www-form-urlencoded'
    const schema = {
      type: 'object',
      properties: Object.fromEntries(form.map((p) => [p.name, p.type === 'file' ? { type: 'string', format: 'binary' } : schemaOf(p)])),
      required: form.filter((p) => p.required === true).map((p) => p.name),
    }
    out.requestBody = {
      required: form.some((p) => p.required === true),
      content: Object.fromEntries((types.length ? types : [fallback]).map((t) => [t, { schema }])),
    }
  }
  return out
}

function parameter(p: Json): Json {
  const collection = STYLES[(p.collectionFormat as string) ?? 'csv'] ?? STYLES.csv
  const style = p.in === 'query' ? collection.style : 'simple'
  return {
    name: p.name,
    in: p.in,
    required: p.required === true,
    schema: schemaOf(p),
    ...(p.type === 'array' ? { style, explode: p.in === 'query' && collection.explode } : {}),
  }
}

function schemaOf(p: Json): Json {
  const out: Json = {}
  for (const key of SCHEMA_KEYS) if (p[key] !== undefined) out[key] = p[key]
  if (isObject(p.items)) out.items = schemaOf(p.items)
  return out
}

function scheme(s: Json): Json {
  if (s.type === 'basic') return { type: 'http', scheme: 'basic' }
  if (s.type === 'oauth2') return { type: 'oauth2', flows: {} }
  return s
}

function list(doc: Json, params: unknown): Json[] {
  return Array.isArray(params) ? params.map((p) => follow(doc, p, '').value).filter(isObject) : []
}

/** `#/definitions/X` → `#/components/schemas/X`, everywhere (refs to `#/parameters/…` are followed where they are used). */
function renameRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(renameRefs)
  if (!isObject(node)) return node
  const out: Json = {}
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === '$ref' && typeof value === 'string' ? value.replace(/^#\/definitions\//, '#/components/schemas/') : renameRefs(value)
  }
  return out
}

/** The document as OpenAPI 3.x for the generator, or undefined when it is neither 3.x nor Swagger 2.0. */
export function asOpenApi3(doc: unknown): Json | undefined {
  if (isSwagger2(doc)) return fromSwagger2(doc as Json)
  if (!isObject(doc)) return undefined
  // `openapi: 3.0` unquoted is a YAML number: the author meant the text.
  if (typeof doc.openapi === 'number' && Math.trunc(doc.openapi) === 3) return { ...doc, openapi: doc.openapi === 3.1 ? '3.1.0' : '3.0.0' }
  return typeof doc.openapi === 'string' && doc.openapi.startsWith('3.') ? doc : undefined
}
