import type { LoadedSpec } from './load-spec.js'
import { decodePointerToken, encodePointerToken, resolvePointer } from './refs.js'
import { repairSchema, type RepairContext } from './schema-dialects.js'
import { places } from './notes.js'
import { copyDocument } from '../util/deep-copy.js'
import { forEachSubschema, OPERATION_KEYS } from './schema-keywords.js'

export interface RequestDocumentOptions {
  /** Refuse properties a schema does not declare, even where additionalProperties would allow them. */
  rejectUnknownProperties: boolean
}

/**
 * A copy of the document with every schema a request is checked against
 * adjusted for validating requests, in one pass over those schemas (from
 * parameters and request bodies, following `$ref`s), each with its pointer:
 *
 * - read as its author meant (src/spec/schema-dialects.ts): OAS 3.0 keywords
 *   turned into JSON Schema, patterns into ECMAScript, mistakes into notes;
 * - readOnly properties no longer required (OAS: "required … will take
 *   effect on the response only");
 * - with rejectUnknownProperties, undeclared properties refused.
 *
 * Answers are generated from `spec.document`, which stays as written.
 */
export function prepareRequestDocument(
  spec: LoadedSpec,
  options: RequestDocumentOptions,
  validator: Pick<RepairContext, 'valueTypes' | 'keywords'>,
): { document: Record<string, unknown>; formats: Set<string>; named: boolean } {
  const doc = copyDocument(requestView(spec.document)) as Record<string, unknown>
  // Whether a schema has a name besides its place ($id, an anchor): the component schemas requestView keeps whole, or one met below.
  let named = isObject(doc.components) && isObject(doc.components.schemas) && Object.keys(doc.components.schemas).length > 0
  const notes = new NoteGroups()
  const context: RepairContext = { version: spec.version, ...validator, note: (kind, key, pointer, message) => notes.add(kind, key, pointer, message) }
  const schemas: Array<Record<string, unknown>> = []
  const formats = new Set<string>()
  const seen = new Set<object>()
  // Each entry is a place that holds a schema, so that a schema that is not one (null, a string) can be replaced.
  const stack: Array<{ holder: Record<string, unknown> | unknown[]; key: string | number; pointer: string }> = []
  const at = (holder: unknown, key: string | number, pointer: string) => {
    if (holder !== null && typeof holder === 'object') stack.push({ holder: holder as Record<string, unknown>, key, pointer })
  }
  forEachRequestSchema(doc, at)

  let top: (typeof stack)[number] | undefined
  while ((top = stack.pop()) !== undefined) {
    const { holder, key, pointer } = top
    const value = (holder as Record<string | number, unknown>)[key]
    if (typeof value === 'boolean' || value === undefined) continue
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      // scanSchemas notes it (src/spec/schema-notes.ts): it accepts anything.
      ;(holder as Record<string | number, unknown>)[key] = true
      continue
    }
    if (seen.has(value)) continue
    seen.add(value)
    const s = value as Record<string, unknown>
    repairSchema(s, pointer, context)
    schemas.push(s)
    named ||= NAMES.some((name) => typeof s[name] === 'string')
    if (typeof s.format === 'string') formats.add(s.format)
    forEachSubschema(s, (holder, key, keyword, entry) =>
      at(holder, key, entry ? `${pointer}/${keyword}/${typeof key === 'number' ? key : encodePointerToken(key)}` : `${pointer}/${keyword}`),
    )
    if (typeof s.$ref === 'string' && s.$ref.startsWith('#/')) {
      const place = locate(doc, s.$ref) ?? graft(doc, spec.document, s.$ref)
      if (place) at(place.holder, place.key, s.$ref.slice(1))
    }
  }

  // Members of allOf are checked as part of a whole: only the whole may refuse unknown properties.
  const composed = new Set<object>()
  for (const s of schemas) {
    if (!Array.isArray(s.allOf)) continue
    for (const member of s.allOf as unknown[]) {
      const ref = (member as { $ref?: unknown } | null)?.$ref
      const target = typeof ref === 'string' && ref.startsWith('#') ? resolvePointer(doc, ref) : member
      if (target && typeof target === 'object') composed.add(target)
    }
  }
  const closings: Array<[Record<string, unknown>, string[]]> = []
  for (const s of schemas) {
    const properties = s.properties as Record<string, Record<string, unknown>> | undefined
    if (properties && Array.isArray(s.required)) {
      s.required = s.required.filter((name: string) => !isReadOnly(doc, properties[name]))
    }
    if (
      options.rejectUnknownProperties &&
      (s.properties !== undefined || s.allOf !== undefined) &&
      !composed.has(s) &&
      s.additionalProperties === undefined &&
      s.unevaluatedProperties === undefined &&
      s.patternProperties === undefined
    ) {
      if (spec.version === '3.1') s.unevaluatedProperties = false
      else {
        // ajv's draft-07 validator (OpenAPI 3.0) has no unevaluatedProperties: the whole gets additionalProperties
        // false, with the names its members declare added to its own properties (as schemas that accept anything).
        const names = declaredNames(doc, s, new Set())
        if (names !== undefined) closings.push([s, names])
      }
    }
  }
  // Applied once every whole's names are known: a member's properties are read as written.
  for (const [s, names] of closings) {
    const properties: Record<string, unknown> = { ...(isObject(s.properties) ? s.properties : {}) }
    for (const name of names)
      if (!Object.hasOwn(properties, name)) Object.defineProperty(properties, name, { value: true, enumerable: true, writable: true, configurable: true })
    s.properties = properties
    s.additionalProperties = false
  }
  notes.flush(spec)
  return { document: doc, formats, named }
}

/** Notes of one kind and message about many schemas: one line each, listing the places. */
class NoteGroups {
  readonly #groups = new Map<string, { kind: string; message: string; pointers: string[] }>()

  add(kind: string, key: string, pointer: string, message: string): void {
    const group = this.#groups.get(key)
    if (group) group.pointers.push(pointer)
    else this.#groups.set(key, { kind, message, pointers: [pointer] })
  }

  flush(spec: LoadedSpec): void {
    for (const { kind, message, pointers } of this.#groups.values()) {
      spec.notes.add(kind, places(pointers), message)
    }
  }
}

/**
 * Every property name a schema lets through by declaring it: its own, and its allOf, anyOf and oneOf members'
 * (`$ref`s followed; in OpenAPI 3.0 a `$ref`'s siblings are ignored). Undefined where a member allows more than it
 * names (additionalProperties, patternProperties) or cannot be read: that whole is left open.
 */
function declaredNames(doc: unknown, schema: unknown, seen: Set<object>): string[] | undefined {
  if (schema === true || schema === undefined) return []
  if (!isObject(schema) || seen.size > 64) return undefined
  if (seen.has(schema)) return []
  seen.add(schema)
  if (typeof schema.$ref === 'string') return schema.$ref.startsWith('#') ? declaredNames(doc, resolvePointer(doc, schema.$ref), seen) : undefined
  if (schema.patternProperties !== undefined || (schema.additionalProperties !== undefined && schema.additionalProperties !== false)) return undefined
  const names = isObject(schema.properties) ? Object.keys(schema.properties) : []
  for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
    const members = schema[keyword]
    if (members === undefined) continue
    if (!Array.isArray(members)) return undefined
    for (const member of members) {
      const more = declaredNames(doc, member, seen)
      if (more === undefined) return undefined
      names.push(...more)
    }
  }
  return names
}

function isReadOnly(doc: unknown, schema: Record<string, unknown> | undefined): boolean {
  if (!schema) return false
  if (schema.readOnly === true) return true
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#')) {
    return (resolvePointer(doc, schema.$ref) as { readOnly?: unknown } | undefined)?.readOnly === true
  }
  return false
}

/** The object and key a local `$ref` points at (its target may need replacing). */
function locate(doc: unknown, ref: string): { holder: object; key: string } | undefined {
  const cut = ref.lastIndexOf('/')
  const holder = cut <= 1 ? doc : resolvePointer(doc, ref.slice(0, cut))
  const key = decodePointerToken(ref.slice(cut + 1))
  if (holder === null || typeof holder !== 'object' || !Object.hasOwn(holder, key)) return undefined
  return { holder, key }
}

/**
 * A `$ref` into what requestView left out (a component schema no request had needed yet; a bundler points a request
 * body at the copy of a shared file it first met in a response): what is missing is copied in from the document, at
 * its place, whole from the first missing level down (a `$ref` into the middle of a component brings the component,
 * so that a later `$ref` to the component finds all of it), and the target is located in it.
 */
function graft(doc: Record<string, unknown>, original: unknown, ref: string): { holder: object; key: string } | undefined {
  const tokens = ref.slice(2).split('/').map(decodePointerToken)
  let into: Record<string, unknown> = doc
  let from: unknown = original
  for (const token of tokens) {
    if (from === null || typeof from !== 'object' || !Object.hasOwn(from, token)) return undefined
    from = (from as Record<string, unknown>)[token]
    if (into[token] === null || typeof into[token] !== 'object') {
      into[token] = copyDocument(from)
      return locate(doc, ref)
    }
    into = into[token] as Record<string, unknown>
  }
  return undefined
}

/** Calls `at(holder, key, pointer)` for each place a request schema starts: parameters' and request bodies' schemas. */
export function forEachRequestSchema(doc: Record<string, unknown>, at: (holder: unknown, key: string, pointer: string) => void): void {
  const follow = (value: unknown, pointer: string): [unknown, string] => {
    let current = value
    let where = pointer
    for (let hops = 0; hops < 16 && isObject(current) && typeof current.$ref === 'string' && current.$ref.startsWith('#'); hops++) {
      where = current.$ref.slice(1)
      current = resolvePointer(doc, current.$ref)
    }
    return [current, where]
  }
  const content = (value: unknown, pointer: string) => {
    if (!isObject(value)) return
    for (const [type, media] of Object.entries(value)) at(media, 'schema', `${pointer}/${encodePointerToken(type)}/schema`)
  }
  const parameters = (list: unknown, pointer: string) => {
    if (!Array.isArray(list)) return
    list.forEach((entry, i) => {
      const [param, where] = follow(entry, `${pointer}/${i}`)
      if (!isObject(param)) return
      at(param, 'schema', `${where}/schema`)
      content(param.content, `${where}/content`)
    })
  }
  if (!isObject(doc.paths)) return
  for (const [path, rawItem] of Object.entries(doc.paths)) {
    const [item, itemPointer] = follow(rawItem, `/paths/${encodePointerToken(path)}`)
    if (!isObject(item)) continue
    parameters(item.parameters, `${itemPointer}/parameters`)
    for (const [method, op] of Object.entries(item)) {
      if (!OPERATION_KEYS.has(method) || !isObject(op)) continue
      parameters(op.parameters, `${itemPointer}/${method}/parameters`)
      const [body, bodyPointer] = follow(op.requestBody, `${itemPointer}/${method}/requestBody`)
      if (isObject(body)) content(body.content, `${bodyPointer}/content`)
    }
  }
}

/**
 * The document without what no request is checked against and a schema has no reason to `$ref`: all but paths and
 * components, responses of operations, named examples, extensions, and component schemas until a request's schema
 * `$ref`s them (graft brings in whatever a `$ref` does point at). In GitHub's
 * description that is most of the bytes, which ajv would walk (twice) and which would be copied, at start-up. What
 * stays keeps its place, so every pointer still holds.
 */
function requestView(doc: Record<string, unknown>): Record<string, unknown> {
  // Only paths and components: ajv walks every key of what it is given, and an extension (`x-…`) may hold anything,
  // even, in a document passed as an object, an object that contains itself.
  const view: Record<string, unknown> = {}
  if (isObject(doc.components)) {
    const { examples: _examples, schemas, ...components } = doc.components
    // Component schemas come in as the requests' schemas $ref them (graft): most of GitHub's 969 only responses use.
    // One with an $id or anchor comes in whole: ajv may be asked for it by that name rather than by its place.
    if (isObject(schemas))
      components.schemas = Object.fromEntries(
        Object.entries(schemas).filter(([, schema]) => isObject(schema) && NAMES.some((key) => typeof schema[key] === 'string')),
      )
    view.components = withoutExtensions(components)
  }
  if (isObject(doc.paths)) {
    const paths: Record<string, unknown> = {}
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!isObject(item)) {
        paths[path] = item
        continue
      }
      const kept: Record<string, unknown> = {}
      for (const [key, value] of Object.entries(item)) {
        if (key.startsWith('x-')) continue
        if (OPERATION_KEYS.has(key) && isObject(value)) {
          const { responses: _responses, callbacks: _callbacks, ...operation } = value
          kept[key] = withoutExtensions(operation)
        } else kept[key] = value
      }
      paths[path] = kept
    }
    view.paths = paths
  }
  return view
}

function withoutExtensions(object: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {}
  const keys = Object.keys(object)
  for (let i = 0; i < keys.length; i++) if (!keys[i].startsWith('x-')) kept[keys[i]] = object[keys[i]]
  return kept
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

// Keywords by which ajv finds a schema other than by its place.
const NAMES = ['$id', '$anchor', '$dynamicAnchor', '$recursiveAnchor']
