import { HTTP_METHODS } from './route-table.js'

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

/** An entry of a map keyword that is not a schema: `dependencies: {a: ['b']}` names properties. */
export function notASchemaEntry(keyword: string, value: unknown): boolean {
  return keyword === 'dependencies' && Array.isArray(value)
}

/** The keys of a Path Item Object that hold operations: the methods the route table routes. */
export const OPERATION_KEYS: ReadonlySet<string> = new Set(HTTP_METHODS.map((method) => method.toLowerCase()))
