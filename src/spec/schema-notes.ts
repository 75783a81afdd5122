import { GENERATION_BUDGET } from '../response/example.js'
import type { LoadedSpec } from './load-spec.js'
import { places } from './notes.js'
import { encodePointerToken, resolvePointer } from './refs.js'
import { forEachRequestSchema } from './request-document.js'
import { forEachSubschema, OPERATION_KEYS } from './schema-keywords.js'

/**
 * One pass over every schema of the document, with its JSON pointer, for
 * what ajv (compiled with `validateSchema: false`, since OAS 3.0 schemas are
 * not JSON Schema) would otherwise accept without a word:
 *
 * - a schema that is not an object or a boolean (`schema: null`, a string)
 *   accepts anything (the request validators read it as `true`);
 * - an unknown `format` is not checked: a start-up note says so, once per
 *   format, instead of requests passing silently;
 * - a `$schema` or `jsonSchemaDialect` doorman does not know: the schemas
 *   are validated as JSON Schema 2020-12 (3.1) or the OAS 3.0 dialect, and
 *   a note says so.
 *
 * Patterns, types and keywords that ajv cannot compile as written are read
 * where the request validators are prepared (src/spec/schema-dialects.ts).
 */
export function scanSchemas(spec: LoadedSpec, knownFormats: ReadonlySet<string>): void {
  const doc = spec.document as Record<string, unknown>
  const unknownFormats = new Map<string, string[]>()
  const unknownDialects = new Map<string, string[]>()
  const misdirected = new Map<string, string[]>()
  const notSchemas = new Map<string, string[]>()
  const examples30 = new Map<string, string[]>()
  // Worked out once a schema has a format doorman does not know (most documents have none).
  let checked: Set<object> | undefined
  // Without $refs followed, a tree's schemas are each met once; a document that may share objects needs a record.
  const seen = spec.tree ? undefined : new Set<object>()
  const notes = spec.notes

  // The walk keeps the tokens from where it started to the schema it is at, and makes a JSON pointer of them only
  // for a note: most of the 90,000 schemas of GitHub's description get none, and building every pointer was half of
  // this walk's time and most of its garbage.
  let start = ''
  const tokens: string[] = []
  const here = (): string => {
    let pointer = start
    for (let i = 0; i < tokens.length; i++) pointer += `/${encodePointerToken(tokens[i])}`
    return pointer
  }
  // One function for every subschema of every schema (not a closure per schema): the tokens and the depth are the walk's.
  let depth = 0
  const visit = (value: unknown): void => {
    // Deeper than any real schema: its notes would be the same as its parents', and the walk must not exhaust the stack.
    if (typeof value === 'boolean' || depth > MAX_DEPTH) return
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      push(notSchemas, short(value), here())
      return
    }
    if (seen !== undefined) {
      if (seen.has(value)) return
      seen.add(value)
    }
    const s = value as Record<string, unknown>
    // A format in a schema no request is checked against (a response's) changes nothing a note could warn of.
    if (typeof s.format === 'string' && !knownFormats.has(s.format) && (checked ??= requestSchemas(doc)).has(s)) push(unknownFormats, s.format, here())
    if (spec.version === '3.0' && s.examples !== undefined) push(examples30, Array.isArray(s.examples) ? 'list' : 'other', `${here()}/examples`)
    const ref = s.$ref
    if (typeof ref === 'string') {
      if (ref.startsWith('#/components/') && /^#\/components\/(?!schemas\/)[^/]+\//.test(ref)) push(misdirected, ref, here())
    } else if (ref === undefined && typeof s.ref === 'string') push(misdirected, `ref: ${s.ref}`, here())
    if (typeof s.minItems === 'number' && s.minItems > GENERATION_BUDGET) tooLong(s.minItems, `${here()}/minItems`)
    if (typeof s.minLength === 'number' && s.minLength > GENERATION_BUDGET) tooLong(s.minLength, `${here()}/minLength`)
    if (typeof s.$schema === 'string' && !knownDialect(s.$schema, spec.version)) push(unknownDialects, s.$schema, `${here()}/$schema`)
    forEachSubschema(s, subschema)
  }
  const subschema = (holder: Record<string, unknown> | unknown[], key: string | number, keyword: string, entry: boolean): void => {
    tokens.push(keyword)
    if (entry) tokens.push(String(key))
    depth++
    visit((holder as Record<string | number, unknown>)[key])
    depth--
    if (entry) tokens.pop()
    tokens.pop()
  }
  const schema = (value: unknown, pointer: string): void => {
    start = pointer
    visit(value)
  }
  const tooLong = (value: number, pointer: string) =>
    notes.add(
      'generation',
      pointer,
      `${value} is more than doorman generates in one answer (${GENERATION_BUDGET} values and characters): an answer generated from this schema is cut short.`,
    )
  const content = (value: unknown, pointer: string) => {
    if (!isObject(value)) return
    for (const [type, media] of Object.entries(value)) {
      if (isObject(media) && media.schema !== undefined) schema(media.schema, `${pointer}/${encodePointerToken(type)}/schema`)
    }
  }
  const parameter = (value: unknown, pointer: string) => {
    if (!isObject(value) || typeof value.$ref === 'string') return
    if (value.schema !== undefined) schema(value.schema, `${pointer}/schema`)
    content(value.content, `${pointer}/content`)
  }
  const each = (value: unknown, pointer: string, visit: (item: unknown, pointer: string) => void) => {
    if (Array.isArray(value)) value.forEach((item, i) => visit(item, `${pointer}/${i}`))
    else if (isObject(value)) for (const [name, item] of Object.entries(value)) visit(item, `${pointer}/${encodePointerToken(name)}`)
  }
  const response = (value: unknown, pointer: string) => {
    if (!isObject(value) || typeof value.$ref === 'string') return
    content(value.content, `${pointer}/content`)
    each(value.headers, `${pointer}/headers`, parameter)
  }
  const requestBody = (value: unknown, pointer: string) => {
    if (isObject(value) && typeof value.$ref !== 'string') content(value.content, `${pointer}/content`)
  }

  each(doc.paths, '/paths', (item, at) => {
    if (!isObject(item)) return
    each(item.parameters, `${at}/parameters`, parameter)
    for (const [method, op] of Object.entries(item)) {
      if (!OPERATION_KEYS.has(method) || !isObject(op)) continue
      each(op.parameters, `${at}/${method}/parameters`, parameter)
      requestBody(op.requestBody, `${at}/${method}/requestBody`)
      each(op.responses, `${at}/${method}/responses`, response)
    }
  })
  const components = isObject(doc.components) ? doc.components : {}
  each(components.schemas, '/components/schemas', (value, at) => schema(value, at))
  each(components.parameters, '/components/parameters', parameter)
  each(components.headers, '/components/headers', parameter)
  each(components.requestBodies, '/components/requestBodies', requestBody)
  each(components.responses, '/components/responses', response)

  if (typeof doc.jsonSchemaDialect === 'string' && !knownDialect(doc.jsonSchemaDialect, spec.version)) {
    notes.add(
      'dialect',
      '/jsonSchemaDialect',
      `doorman does not know the dialect ${doc.jsonSchemaDialect}; schemas are validated as JSON Schema 2020-12 (the OpenAPI 3.1 default).`,
    )
  }
  for (const [dialect, pointers] of unknownDialects) {
    notes.add(
      'dialect',
      places(pointers),
      `doorman does not know the $schema ${dialect}; ${spec.version === '3.1' ? 'validated as JSON Schema 2020-12 (the OpenAPI 3.1 default)' : 'OpenAPI 3.0 schemas have no $schema: ignored'}.`,
    )
  }
  for (const [ref, pointers] of misdirected) {
    notes.add(
      'ref',
      places(pointers),
      ref.startsWith('ref: ')
        ? `the schema has 'ref', not '$ref', so it constrains nothing, and an answer generated from it is null (did you mean '$ref: ${ref.slice(5)}'?).`
        : `$ref '${ref}' is a ${COMPONENT_KINDS[ref.split('/')[2]] ?? ref.split('/')[2]}, not a schema: it constrains nothing, and an answer generated from it is null; refer to a schema under #/components/schemas/ instead.`,
    )
  }
  for (const [value, pointers] of notSchemas) {
    notes.add(
      'schema',
      places(pointers),
      `a schema must be an object (or true/false), got ${value}: it accepts anything, and an answer generated from it is null.`,
    )
  }
  for (const [shape, pointers] of examples30) {
    notes.add(
      'schema',
      places(pointers),
      shape === 'list'
        ? "'examples' is JSON Schema's (OpenAPI 3.1), not an OpenAPI 3.0 schema keyword (3.0 has 'example'): read as in 3.1, its values may answer requests."
        : "'examples' in a schema is a list of values (JSON Schema, OpenAPI 3.1), and OpenAPI 3.0 schemas have 'example' instead: this one is not a list, so answers do not use it.",
    )
  }
  for (const [format, pointers] of unknownFormats) {
    notes.add('format', places(pointers), `format '${format}' is not one doorman knows, so requests are not checked against it (any string passes).`)
  }
}

const MAX_DEPTH = 200

const COMPONENT_KINDS: Record<string, string> = {
  responses: 'response',
  parameters: 'parameter',
  requestBodies: 'request body',
  headers: 'header',
  examples: 'example',
  securitySchemes: 'security scheme',
  links: 'link',
  callbacks: 'callback',
  pathItems: 'path item',
}

/** The schema objects a request is checked against: parameters' and request bodies', and every schema they `$ref` or hold. */
function requestSchemas(doc: Record<string, unknown>): Set<object> {
  const out = new Set<object>()
  const stack: unknown[] = []
  const pushSubschema = (holder: Record<string, unknown> | unknown[], key: string | number) => stack.push((holder as Record<string | number, unknown>)[key])
  forEachRequestSchema(doc, (holder, key) => {
    if (holder !== null && typeof holder === 'object') stack.push((holder as Record<string, unknown>)[key])
  })
  while (stack.length > 0) {
    const value = stack.pop()
    if (!isObject(value) || out.has(value)) continue
    out.add(value)
    if (typeof value.$ref === 'string' && value.$ref.startsWith('#')) stack.push(resolvePointer(doc, value.$ref))
    // The order does not matter here.
    forEachSubschema(value, pushSubschema)
  }
  return out
}

// The OpenAPI 3.1 dialect (base and dated ids) and the JSON Schema 2020-12 it builds on.
function knownDialect(uri: string, version: LoadedSpec['version']): boolean {
  if (version === '3.0') return false
  const bare = uri.replace(/#$/, '')
  return bare === 'https://json-schema.org/draft/2020-12/schema' || bare.startsWith('https://spec.openapis.org/oas/3.1/dialect/')
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

function push(map: Map<string, string[]>, key: string, pointer: string): void {
  const list = map.get(key)
  if (list) list.push(pointer)
  else map.set(key, [pointer])
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
