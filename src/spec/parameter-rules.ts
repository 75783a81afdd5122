import { credentialQueryNames } from '../auth/security.js'
import type { LoadedSpec } from './load-spec.js'
import { resolvePointer } from './refs.js'
import type { ParameterObject } from './route-table.js'

/**
 * OAS 3.1 §4.8.12.1: "If in is "header" and the name field is "Accept",
 * "Content-Type" or "Authorization", the parameter definition SHALL be
 * ignored." Each is checked elsewhere, by what the note says.
 */
const IGNORED_HEADERS: Record<string, string> = {
  accept: "the responses' media types decide what Accept gets",
  'content-type': "the requestBody's media types decide which Content-Type is accepted",
  authorization: 'the security schemes decide which Authorization is accepted',
}

/** Whether OpenAPI says to ignore this parameter (a header parameter named Accept, Content-Type or Authorization). */
export function isIgnoredHeader(param: Pick<ParameterObject, 'in' | 'name'>): boolean {
  return param.in === 'header' && Object.hasOwn(IGNORED_HEADERS, param.name.toLowerCase())
}

/** True (and a note, once per parameter) for a header parameter OpenAPI says to ignore. */
export function ignoredHeader(spec: LoadedSpec, param: ParameterObject, noted: Set<string>): boolean {
  if (!isIgnoredHeader(param)) return false
  const why = IGNORED_HEADERS[param.name.toLowerCase()]
  if (!noted.has(param.pointer)) {
    noted.add(param.pointer)
    spec.notes.add(
      'parameter',
      param.pointer,
      `a header parameter named '${param.name}' is ignored, as OpenAPI says: ${why}, so doorman neither requires nor validates it as a parameter.`,
    )
  }
  return true
}

export interface ObjectKeys {
  declared: Set<string>
  patterns: RegExp[]
}

/**
 * The property names an object schema declares, following `$ref`s and the
 * members of `allOf`/`anyOf`/`oneOf`, and its patternProperties.
 */
export function objectKeys(doc: unknown, schema: unknown): ObjectKeys {
  const keys: ObjectKeys = { declared: new Set(), patterns: [] }
  const seen = new Set<unknown>()
  const visit = (node: unknown, depth: number) => {
    if (node === null || typeof node !== 'object' || depth > 16 || seen.has(node)) return
    seen.add(node)
    const s = node as Record<string, unknown>
    if (typeof s.$ref === 'string' && s.$ref.startsWith('#')) visit(resolvePointer(doc, s.$ref), depth + 1)
    if (s.properties && typeof s.properties === 'object') for (const name of Object.keys(s.properties)) keys.declared.add(name)
    if (s.patternProperties && typeof s.patternProperties === 'object') {
      for (const source of Object.keys(s.patternProperties)) {
        try {
          keys.patterns.push(new RegExp(source, 'u'))
        } catch {
          // A pattern ECMAScript cannot read claims no key here; the validator's own reading of it stands.
        }
      }
    }
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = s[key]
      if (Array.isArray(list)) for (const item of list) visit(item, depth + 1)
    }
  }
  visit(schema, 0)
  return keys
}

/**
 * Query keys that are not an exploded object's to take (unless it declares
 * them): the query parameters' names, credentials that travel in the query
 * (an API key, RFC 6750 `access_token`), and what other exploded objects declare.
 */
export function reservedQueryKeys(spec: LoadedSpec, params: ParameterObject[], others: ObjectKeys[]): Set<string> {
  return new Set([...params.map((p) => p.name), ...credentialQueryNames(spec.document), ...others.flatMap((o) => [...o.declared])])
}
