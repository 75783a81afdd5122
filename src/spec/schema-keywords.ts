import { METHOD_KEYS } from './route-table.js'

/*
 * Where a schema holds other schemas, for every walk over the document's schemas (the notes of
 * src/spec/schema-notes.ts, the request document of src/spec/request-document.ts): one list, so that a
 * keyword one walk knows the other cannot miss.
 */

/** Keywords whose value maps names to schemas. draft-07 `dependencies` also holds lists of property names (not schemas). */
export const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas', 'dependencies'] as const
/** Keywords whose value is a list of schemas. */
export const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'] as const
/** Keywords whose value is one schema (`items` may also be a draft-04/07 tuple: a list of them). */
export const SUBSCHEMA_SINGLE = [
  'additionalProperties',
  'items',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
  'unevaluatedItems',
  'unevaluatedProperties',
  'additionalItems',
  'contentSchema',
] as const

// Each keyword by its rank in the order the walks visit them: maps, then lists, then single ones.
const RANK: Record<string, number> = Object.assign(
  Object.create(null) as Record<string, number>,
  Object.fromEntries([...SUBSCHEMA_MAPS, ...SUBSCHEMA_LISTS, ...SUBSCHEMA_SINGLE].map((key, rank) => [key, rank])),
)
const FIRST_LIST = SUBSCHEMA_MAPS.length
const FIRST_SINGLE = FIRST_LIST + SUBSCHEMA_LISTS.length

/**
 * The subschema keywords `s` has, in the walks' order (a sparse list: skip the holes), or undefined for none. Reads
 * the schema's own keys once: asking each of GitHub's 90,000 schemas for twenty keywords it mostly lacks was half of
 * a walk's time.
 */
function subschemaKeywords(s: Record<string, unknown>): Array<string | undefined> | undefined {
  let keywords: Array<string | undefined> | undefined
  for (const key in s) {
    const rank = RANK[key]
    if (rank !== undefined) (keywords ??= [])[rank] = key
  }
  return keywords
}

/**
 * Calls `visit(holder, key, keyword, entry)` for each place in `s` that holds a subschema, keyword by keyword in the
 * order of SUBSCHEMA_MAPS, SUBSCHEMA_LISTS, SUBSCHEMA_SINGLE: `holder[key]` is the subschema; `entry` says whether it
 * is an entry of the keyword's map or list (its pointer is `…/keyword/key`) or the keyword's one schema
 * (`…/keyword`, with `holder` = `s`). A draft-04/07 `items: [..]` (tuples) is a list. Map entries that are not
 * schemas (`dependencies: {a: ['b']}` names properties) are passed over.
 */
export function forEachSubschema(
  s: Record<string, unknown>,
  visit: (holder: Record<string, unknown> | unknown[], key: string | number, keyword: string, entry: boolean) => void,
): void {
  const keywords = subschemaKeywords(s)
  if (keywords === undefined) return
  for (let k = 0; k < keywords.length; k++) {
    const keyword = keywords[k]
    if (keyword === undefined) continue
    const sub = s[keyword]
    const rank = RANK[keyword]
    if (rank < FIRST_LIST) {
      if (sub === null || typeof sub !== 'object' || Array.isArray(sub)) continue
      for (const name in sub) {
        const value = (sub as Record<string, unknown>)[name]
        if (keyword === 'dependencies' && Array.isArray(value)) continue
        visit(sub as Record<string, unknown>, name, keyword, true)
      }
    } else if (Array.isArray(sub)) {
      for (let i = 0; i < sub.length; i++) visit(sub, i, keyword, true)
    } else if (rank >= FIRST_SINGLE && sub !== undefined) visit(s, keyword, keyword, false)
  }
}

/** The keys of a Path Item Object that hold operations: the methods the route table routes. */
export const OPERATION_KEYS: ReadonlySet<string> = new Set(METHOD_KEYS)
