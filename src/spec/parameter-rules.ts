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

/** True (and a note, once per parameter) for a header parameter OpenAPI says to ignore. */
export function ignoredHeader(spec: LoadedSpec, param: ParameterObject, noted: Set<string>): boolean {
  if (param.in !== 'header') return false
  const why = IGNORED_HEADERS[param.name.toLowerCase()]
  if (why === undefined) return false
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

export interface SpreadObjectFacts {
  declared: Set<string>
  patterns: RegExp[]
  open: boolean
}

/**
 * What an object schema says about its property names, following `$ref`s and
 * the members of `allOf`/`anyOf`/`oneOf`: the names it declares, its
 * patternProperties, and whether it admits others. It is closed by
 * `additionalProperties: false` or `unevaluatedProperties: false` (at its top
 * or in an `allOf` member), or by `rejectUnknownProperties` where it declares
 * properties and says nothing about others (as src/spec/schemas.ts applies it).
 */
export function objectFacts(doc: unknown, schema: unknown, rejectUnknownProperties: boolean): SpreadObjectFacts {
  const facts: SpreadObjectFacts = { declared: new Set(), patterns: [], open: true }
  const seen = new Set<unknown>()
  // `member`: reached as an allOf member, which src/spec/schemas.ts leaves open under rejectUnknownProperties.
  const visit = (node: unknown, closes: boolean, member: boolean, depth: number) => {
    if (node === null || typeof node !== 'object' || depth > 16 || seen.has(node)) return
    seen.add(node)
    const s = node as Record<string, unknown>
    if (typeof s.$ref === 'string' && s.$ref.startsWith('#')) visit(resolvePointer(doc, s.$ref), closes, member, depth + 1)
    if (s.properties && typeof s.properties === 'object') for (const name of Object.keys(s.properties)) facts.declared.add(name)
    if (s.patternProperties && typeof s.patternProperties === 'object') {
      for (const source of Object.keys(s.patternProperties)) {
        try {
          facts.patterns.push(new RegExp(source, 'u'))
        } catch {
          // A pattern ECMAScript cannot read names no key here; the validator's own reading of it stands.
        }
      }
    }
    if (closes && (s.additionalProperties === false || s.unevaluatedProperties === false)) facts.open = false
    const silent = s.additionalProperties === undefined && s.unevaluatedProperties === undefined && s.patternProperties === undefined
    if (closes && !member && rejectUnknownProperties && silent && (s.properties !== undefined || s.allOf !== undefined)) facts.open = false
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = s[key]
      // Only allOf members constrain the whole: an anyOf branch that is closed leaves the others open.
      if (Array.isArray(list)) for (const item of list) visit(item, closes && key === 'allOf', key === 'allOf', depth + 1)
    }
  }
  visit(schema, true, false, 0)
  return facts
}

/** Query keys that are not an exploded object's to take (unless it declares them): the query parameters' names, and credentials. */
export function reservedQueryKeys(spec: LoadedSpec, params: ParameterObject[]): Set<string> {
  return new Set([...params.map((p) => p.name), ...credentialQueryNames(spec.document)])
}
