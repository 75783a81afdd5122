/**
 * What a request may carry, as JSON Schema 2020-12: the document's schemas
 * read the narrowest way an OpenAPI reader could read them, so that a value
 * valid here is valid under any reasonable reading (a generated request must
 * be valid beyond doubt), and the ajv oracle that checks every value before
 * it is sent.
 *
 * - OAS 3.0 `nullable: true` → `type: [T, 'null']` (in 3.1 it is not a keyword: ignored, so null is never sent);
 * - boolean `exclusiveMinimum`/`exclusiveMaximum` (3.0, or a 3.0 habit in 3.1) → the 2020-12 number form;
 * - a `readOnly` property is not sent in a request, and its `required` "takes effect on the response only";
 * - strings are at most 1,000 characters where the schema allows that.
 */
import type { ErrorObject } from 'ajv'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { isObject, resolvePointer, type Json } from './openapi-document.js'

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => void

/** The request view of a document: `paths` and `components`, rewritten as above. */
export function requestView(doc: Json, version: '3.0' | '3.1'): Json {
  const view = { paths: rewrite(doc.paths, version), components: rewrite(doc.components, version) } as Json
  dropReadOnly(view, view)
  return view
}

const MAX_STRING = 1000

function rewrite(node: unknown, version: '3.0' | '3.1'): unknown {
  if (Array.isArray(node)) return node.map((item) => rewrite(item, version))
  if (!isObject(node)) return node
  const out: Json = {}
  for (const [key, value] of Object.entries(node)) {
    // Examples are data, not schemas, and are the bulk of large documents.
    if (key === 'example' || (key === 'examples' && !Array.isArray(value)) || key.startsWith('x-')) continue
    out[key] = rewrite(value, version)
  }
  if (version === '3.0' && out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null']
  // A narrower valid set, never a wider one: AWS allows 20 MB strings (maxLength 20971520), and making one
  // takes the generator minutes. Mutations are told apart by keyword (type, enum, required), not by length.
  if (typeof out.maxLength === 'number' && out.maxLength > MAX_STRING && !(typeof out.minLength === 'number' && out.minLength > MAX_STRING))
    out.maxLength = MAX_STRING
  for (const [exclusive, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[exclusive] !== 'boolean') continue
    if (out[exclusive] === true && typeof out[bound] === 'number') {
      out[exclusive] = out[bound]
      delete out[bound]
    } else if (typeof out[bound] === 'number' || 'type' in out) delete out[exclusive]
  }
  return out
}

function dropReadOnly(node: unknown, view: Json, seen = new Set<unknown>()): void {
  if (seen.has(node) || node === null || typeof node !== 'object') return
  seen.add(node)
  if (isObject(node)) {
    // allOf applies every branch: a property read-only in one is read-only in the whole (Azure's Resource).
    const parts = [node, ...(Array.isArray(node.allOf) ? node.allOf.map((branch) => deref(branch, view)) : [])].filter(isObject)
    const readOnly = new Set(
      parts.flatMap((part) =>
        isObject(part.properties) ? Object.keys(part.properties).filter((name) => isReadOnly((part.properties as Json)[name], view)) : [],
      ),
    )
    for (const part of readOnly.size ? parts : []) {
      if (isObject(part.properties)) for (const name of readOnly) delete part.properties[name]
      if (Array.isArray(part.required)) part.required = part.required.filter((name) => !readOnly.has(name as string))
    }
  }
  for (const value of Object.values(node)) dropReadOnly(value, view, seen)
}

function deref(schema: unknown, view: Json): unknown {
  return isObject(schema) && typeof schema.$ref === 'string' && schema.$ref.startsWith('#/') ? resolvePointer(view, schema.$ref.slice(1)) : schema
}

function isReadOnly(schema: unknown, view: Json): boolean {
  if (!isObject(schema)) return false
  if (schema.readOnly === true) return true
  if (typeof schema.$ref !== 'string' || !schema.$ref.startsWith('#/')) return false
  const target = resolvePointer(view, schema.$ref.slice(1))
  return isObject(target) && target.readOnly === true
}

export interface Oracle {
  /** The validator of the schema at this pointer of the request view (throws when ajv cannot compile it). */
  at(pointer: string): ValidateFunction
  /** The same for a parameter's text from the wire, coerced to the schema's types first: its errors, or none. */
  wire(pointer: string): (text: string) => ErrorObject[]
  /** A schema-less value (no `schema`): anything goes. */
  view: Json
}

export function createOracle(view: Json): Oracle {
  // multipleOfPrecision: 75.3 is a multiple of 0.1, whatever floating point says (doorman must agree, not the other way round).
  const options = { strict: false, allErrors: true, validateSchema: false, logger: false, multipleOfPrecision: 9, code: { regExp: anyRegExp } } as const
  const exact = new Ajv2020(options)
  const coercing = new Ajv2020({ ...options, coerceTypes: 'array' })
  // A document ajv cannot take whole (two schemas with one `$id`) leaves every value of it skipped with that reason.
  let unusable: Error | undefined
  for (const ajv of [exact, coercing]) {
    addFormats(ajv)
    try {
      ajv.addSchema(view, 'doc')
    } catch (error) {
      unusable = error instanceof Error ? error : new Error(String(error))
    }
  }
  const compiled = new Map<string, ValidateFunction>()
  const compile = (key: string, ajv: Ajv2020, schema: (ref: string) => object) => {
    if (unusable !== undefined) throw unusable
    let validate = compiled.get(key)
    if (!validate) {
      validate = ajv.compile(schema(`doc#${pointer(key)}`))
      compiled.set(key, validate)
    }
    return validate
  }
  const pointer = (key: string) =>
    key
      .slice(key.indexOf(' ') + 1)
      .split('/')
      .map(encodeURIComponent)
      .join('/')
  return {
    at: (at) => compile(`exact ${at}`, exact, (ref) => ({ $ref: ref })),
    wire(at) {
      // ajv coerces a value in place, inside its parent: the value is wrapped.
      const validate = compile(`wire ${at}`, coercing, (ref) => ({ type: 'object', properties: { value: { $ref: ref } } }))
      return (text) => (validate({ value: text }) ? [] : validate.errors!)
    },
    view,
  }
}

/**
 * Patterns: ECMAScript `u` mode first, as JSON Schema says; a pattern that is
 * not valid there (`\/`, `\-`, a bare `{`) is read without `u`, as most of
 * the document's authors' regex engines read it.
 */
function anyRegExp(pattern: string, flags: string): RegExp {
  try {
    return new RegExp(pattern, flags)
  } catch (error) {
    // Without `u`, `\p{XDigit}` (Java's class) would be the letters 'p{XDigit}': no guess at what the author meant.
    if (/\\[pP]\{/.test(pattern)) throw error
    return new RegExp(pattern, flags.replace('u', ''))
  }
}
anyRegExp.code = 'new RegExp'
