/**
 * The property suite's own reading of an OpenAPI 3.x document, written from
 * the OpenAPI text and independent of doorman's loader: the operations a
 * client can call and, for each, where its parameters, body and credentials
 * are described (JSON pointers into the document, for the ajv oracle).
 *
 * Where the document is wrong, this reads it the way issue 11 says doorman
 * must serve it (an undeclared `{x}` is a required string, an undefined
 * security scheme is ignored), so that the suite asserts the goal.
 */
import { readFile } from 'node:fs/promises'
import $RefParser, { JSONParserErrorGroup } from '@apidevtools/json-schema-ref-parser'
import { parse as parseYaml } from 'yaml'

export type Json = Record<string, unknown>
export type Location = 'path' | 'query' | 'header' | 'cookie'

export interface Parameter {
  name: string
  in: Location
  required: boolean
  style: string
  explode: boolean
  /** Where the value's schema is; undefined for a parameter without one (anything goes). */
  schemaPointer: string | undefined
  /** A `content`-described parameter: its media type (the value is sent as JSON text). */
  mediaType?: string
  /** Not declared: implied by a `{name}` in the path template. */
  implied?: boolean
}

export interface MediaType {
  type: string
  schemaPointer: string | undefined
  /** A multipart body's Encoding Object: each part's documented Content-Type (the first one listed). */
  partTypes?: Record<string, string>
}

export interface SecurityScheme {
  name: string
  type: string
  scheme?: string
  in?: string
  paramName?: string
}

/** One security requirement object: every scheme in it at once. Undefined schemes are already left out. */
export type SecurityAlternative = Array<{ scheme: SecurityScheme; scopes: string[] }>

export interface Operation {
  /** `GET /pets/{petId}` */
  label: string
  method: string
  /** The path template as documented. */
  template: string
  /** The path of the server URL that applies (operation, path item, then root `servers`), '' for none. */
  base: string
  pointer: string
  parameters: Parameter[]
  body?: { required: boolean; media: MediaType[] }
  /** Empty: no credentials needed. An empty alternative ([]) means credentials are optional. */
  security: SecurityAlternative[]
  /** `x-doorman.scopes`: what a bearer token needs where the scheme cannot list scopes. */
  extraScopes: string[]
  /** The documented response statuses: '200', '4XX', 'default'. */
  responses: string[]
  /**
   * An earlier template that differs from this one only in its parameters' names, with the same method: the two are
   * one path (OAS Paths Object: "considered identical and invalid"), and the first one documented is the one served.
   */
  shadowedBy?: string
}

export interface ApiDocument {
  /** The document with external `$ref`s pulled in (internal ones stay). */
  doc: Json
  version: '3.0' | '3.1'
  operations: Operation[]
  securitySchemes: Record<string, SecurityScheme>
}

export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const
// OAS 3.x Parameter Object: header parameters with these names "SHALL be ignored". The framing headers
// are the HTTP client's to write (a Content-Length from the document would not match the body sent).
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization', 'content-length', 'transfer-encoding', 'host', 'connection', 'expect'])

/** Reads a document file (YAML or JSON, `$ref`s to other files pulled in), or takes a parsed one. */
export async function readDocument(source: string | Json): Promise<Json> {
  if (typeof source !== 'string') return source
  const text = await readFile(source, 'utf8')
  const parsed = (text.trimStart().startsWith('{') ? tryJson(text) : undefined) ?? (parseYaml(text, { maxAliasCount: -1 }) as Json)
  if (!hasExternalRef(parsed)) return parsed
  // No network: a remote $ref, or one into a file that cannot be read, stays unresolved, and what needs it is
  // skipped with a reason (an operation whose path item cannot be read is not generated at all).
  const parser = new $RefParser()
  try {
    return (await parser.bundle(source, { resolve: { http: false }, continueOnError: true } as object)) as Json
  } catch (error) {
    if (error instanceof JSONParserErrorGroup && parser.schema) return parser.schema as Json
    throw error
  }
}

function tryJson(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json
  } catch {
    return undefined
  }
}

function hasExternalRef(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false
  if (typeof (node as Json).$ref === 'string' && !((node as Json).$ref as string).startsWith('#')) return true
  return Object.values(node).some(hasExternalRef)
}

export function isOpenApi3(doc: unknown): boolean {
  return doc !== null && typeof doc === 'object' && typeof (doc as Json).openapi === 'string' && /^3\./.test((doc as Json).openapi as string)
}

export function readOperations(doc: Json): ApiDocument {
  const version = String(doc.openapi).startsWith('3.1') ? '3.1' : '3.0'
  const securitySchemes = readSchemes(doc)
  const operations: Operation[] = []
  const firstOfShape = new Map<string, string>()
  for (const [template, rawItem] of Object.entries((doc.paths ?? {}) as Json)) {
    const itemPointer = `/paths/${escapeToken(template)}`
    const { value: item, pointer: resolvedItem } = follow(doc, rawItem, itemPointer)
    if (!isObject(item)) continue
    for (const method of METHODS) {
      const op = item[method]
      if (!isObject(op)) continue
      const pointer = `${resolvedItem}/${method}`
      const shape = `${method} ${template.replace(/\{[^{}]*\}/g, '{}')}`
      const first = firstOfShape.get(shape) ?? (firstOfShape.set(shape, template), template)
      operations.push({
        ...(first !== template ? { shadowedBy: `${method.toUpperCase()} ${first}` } : {}),
        label: `${method.toUpperCase()} ${template}`,
        method: method.toUpperCase(),
        template,
        base: basePath(doc, op.servers ?? item.servers ?? doc.servers),
        pointer,
        parameters: readParameters(doc, template, item.parameters, `${resolvedItem}/parameters`, op.parameters, `${pointer}/parameters`),
        body: readBody(doc, op.requestBody, `${pointer}/requestBody`),
        security: readSecurity((op.security ?? doc.security ?? []) as unknown[], securitySchemes),
        extraScopes: isObject(op['x-doorman']) && Array.isArray(op['x-doorman'].scopes) ? op['x-doorman'].scopes.map(String) : [],
        responses: isObject(op.responses) ? Object.keys(op.responses) : [],
      })
    }
  }
  return { doc, version, operations, securitySchemes }
}

function readParameters(doc: Json, template: string, itemParams: unknown, itemPointer: string, opParams: unknown, opPointer: string): Parameter[] {
  const byKey = new Map<string, Parameter>()
  for (const [list, listPointer] of [
    [itemParams, itemPointer],
    [opParams, opPointer],
  ] as const) {
    if (!Array.isArray(list)) continue
    list.forEach((raw, i) => {
      const { value, pointer } = follow(doc, raw, `${listPointer}/${i}`)
      const param = readParameter(value, pointer)
      // The operation's parameter replaces the path item's of the same name and location.
      if (param) byKey.set(`${param.in} ${param.in === 'header' ? param.name.toLowerCase() : param.name}`, param)
    })
  }
  const params = [...byKey.values()].filter((p) => !(p.in === 'header' && IGNORED_HEADERS.has(p.name.toLowerCase())))
  for (const name of templateNames(template)) {
    // `{page}` in a template's own query part ('/rides?page={page}') may be the query parameter's place.
    if (!params.some((p) => (p.in === 'path' || (p.in === 'query' && template.includes('?'))) && p.name === name)) {
      params.push({ name, in: 'path', required: true, style: 'simple', explode: false, schemaPointer: undefined, implied: true })
    }
  }
  // A declared path parameter the template does not have cannot be sent.
  return params.filter((p) => p.in !== 'path' || templateNames(template).includes(p.name))
}

function readParameter(raw: unknown, pointer: string): Parameter | undefined {
  if (!isObject(raw) || typeof raw.name !== 'string' || !['path', 'query', 'header', 'cookie'].includes(raw.in as string)) return undefined
  const where = raw.in as Location
  const style = typeof raw.style === 'string' ? raw.style : where === 'query' || where === 'cookie' ? 'form' : 'simple'
  const content = isObject(raw.content) ? Object.keys(raw.content)[0] : undefined
  return {
    name: raw.name,
    in: where,
    required: where === 'path' || raw.required === true,
    style,
    explode: typeof raw.explode === 'boolean' ? raw.explode : style === 'form',
    schemaPointer:
      content !== undefined
        ? isObject((raw.content as Json)[content]) && ((raw.content as Json)[content] as Json).schema !== undefined
          ? `${pointer}/content/${escapeToken(content)}/schema`
          : undefined
        : raw.schema !== undefined
          ? `${pointer}/schema`
          : undefined,
    ...(content !== undefined ? { mediaType: content } : {}),
  }
}

function readBody(doc: Json, raw: unknown, at: string): Operation['body'] {
  if (raw === undefined) return undefined
  const { value, pointer } = follow(doc, raw, at)
  if (!isObject(value)) return undefined
  // A body with no media types listed (a document mistake) is read as a body of any type, still required if it says so.
  if (!isObject(value.content)) return { required: value.required === true, media: [{ type: '*/*', schemaPointer: undefined }] }
  const media = Object.entries(value.content).map(([type, m]): MediaType => {
    const partTypes = isObject(m) && isObject(m.encoding) ? readPartTypes(m.encoding) : undefined
    return {
      type,
      schemaPointer: isObject(m) && m.schema !== undefined ? `${pointer}/content/${escapeToken(type)}/schema` : undefined,
      ...(partTypes ? { partTypes } : {}),
    }
  })
  return { required: value.required === true, media }
}

function readPartTypes(encoding: Json): Record<string, string> | undefined {
  const out: Record<string, string> = {}
  for (const [name, entry] of Object.entries(encoding))
    if (isObject(entry) && typeof entry.contentType === 'string') out[name] = entry.contentType.split(',')[0].trim()
  return Object.keys(out).length ? out : undefined
}

function readSchemes(doc: Json): Record<string, SecurityScheme> {
  const out: Record<string, SecurityScheme> = {}
  const defined = ((doc.components as Json | undefined)?.securitySchemes ?? {}) as Json
  for (const [name, raw] of Object.entries(defined)) {
    const { value } = follow(doc, raw, `/components/securitySchemes/${escapeToken(name)}`)
    if (!isObject(value) || typeof value.type !== 'string') continue
    out[name] = {
      name,
      type: value.type,
      ...(typeof value.scheme === 'string' ? { scheme: value.scheme.toLowerCase() } : {}),
      ...(typeof value.in === 'string' ? { in: value.in } : {}),
      ...(typeof value.name === 'string' ? { paramName: value.name } : {}),
    }
  }
  return out
}

function readSecurity(requirements: unknown[], schemes: Record<string, SecurityScheme>): SecurityAlternative[] {
  return requirements.filter(isObject).map((requirement) =>
    Object.entries(requirement)
      // Issue 11: a requirement naming an undefined scheme is served with that scheme ignored.
      .filter(([name]) => schemes[name] !== undefined)
      .map(([name, scopes]) => ({ scheme: schemes[name], scopes: Array.isArray(scopes) ? scopes.map(String) : [] })),
  )
}

/** The path of the first server URL, variables at their defaults: `//host/api/v1/` → `/api/v1`. */
function basePath(doc: Json, servers: unknown): string {
  const first = Array.isArray(servers) ? servers.find(isObject) : undefined
  if (!first || typeof first.url !== 'string') return ''
  const variables = isObject(first.variables) ? first.variables : {}
  const url = first.url.replace(/\{([^}]*)\}/g, (_, name: string) => {
    const variable = variables[name]
    if (!isObject(variable)) return ''
    if (variable.default !== undefined) return typeof variable.default === 'string' ? variable.default : JSON.stringify(variable.default)
    return Array.isArray(variable.enum) && variable.enum.length ? String(variable.enum[0]) : ''
  })
  try {
    return new URL(url, 'http://server.invalid/').pathname.replace(/\/+$/, '')
  } catch {
    return ''
  }
}

export function templateNames(template: string): string[] {
  // '{.format}' (an RFC 6570 operator) names the parameter 'format'.
  return [...new Set([...template.replace(/#.*$/, '').matchAll(/\{[./;+]?([^{}]+)\}/g)].map((m) => m[1]))]
}

/** Follows a `$ref` chain (parameters, bodies, path items), keeping track of where the target is. */
export function follow(doc: Json, value: unknown, pointer: string): { value: unknown; pointer: string } {
  let current = value
  let at = pointer
  for (let hops = 0; hops < 16 && isObject(current) && typeof current.$ref === 'string'; hops++) {
    const ref = current.$ref
    if (!ref.startsWith('#')) return { value: undefined, pointer: at }
    at = decodeFragment(ref.slice(1))
    current = resolvePointer(doc, at)
  }
  return { value: current, pointer: at }
}

export function resolvePointer(doc: unknown, pointer: string): unknown {
  let node = doc
  for (const token of pointer.split('/').slice(1)) {
    const key = token.replaceAll('~1', '/').replaceAll('~0', '~')
    if (!isObject(node) && !Array.isArray(node)) return undefined
    if (!Object.hasOwn(node, key)) return undefined
    node = (node as Json)[key]
  }
  return node
}

function decodeFragment(fragment: string): string {
  try {
    return decodeURIComponent(fragment)
  } catch {
    return fragment
  }
}

export const escapeToken = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1')
export const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value)
