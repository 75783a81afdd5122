import type { RefSite } from './resolve-refs.js'

/**
 * What replaces a `$ref` that cannot be resolved, by where it sits: whatever
 * stands for "not checked" there (docs/specs.md has the table).
 */

// Keywords under which the next token is a name the author chose, not an OpenAPI field.
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'dependentSchemas'])

/** Replaces the `$ref` at `site` with what stands for "unchecked" where it sits; returns what that means, for the note. */
export function standIn(site: RefSite, dropped: Map<unknown[], Set<object>>): string {
  const { holder, key, tokens } = site
  const n = tokens.length
  const last = tokens[n - 1]
  const parent = tokens[n - 2]
  const grand = tokens[n - 3]
  const named = (map: string) => parent === map && !SCHEMA_MAPS.has(grand ?? '')
  const set = (value: unknown) => {
    ;(holder as Record<string | number, unknown>)[key] = value
  }
  if (named('parameters') && Array.isArray(holder)) {
    const nodes = dropped.get(holder) ?? new Set<object>()
    dropped.set(holder, nodes.add(site.node))
    return 'the parameter is left out (not checked)'
  }
  const component = (n === 3 && tokens[0] === 'components') || n === 2
  if (component && (parent === 'parameters' || parent === 'requestBodies') && !Array.isArray(holder)) {
    // What $refs it see no parameter: each of them is then left out, with its own note.
    delete holder[key as string]
    return `it is left out, and so is every parameter that $refs it`
  }
  if (named('responses')) {
    set({ description: `(stand-in for the unresolvable $ref '${site.ref}')` })
    return 'that response is answered with no body'
  }
  if (last === 'requestBody' && !SCHEMA_MAPS.has(parent ?? '')) {
    set({ content: { '*/*': {} } })
    return 'any request body is accepted'
  }
  if (named('headers')) {
    set({ schema: {} })
    return 'that header takes any value'
  }
  if (named('examples') && !Array.isArray(holder)) {
    delete holder[key as string]
    return 'that example is left out'
  }
  if (named('securitySchemes') || named('securityDefinitions')) {
    // src/auth/security.ts reads an unknown type as a scheme it cannot check: requests that need it pass.
    set({ type: 'unresolvable $ref' })
    return 'requests that need that scheme pass unchecked'
  }
  if ((n === 2 && (parent === 'paths' || parent === 'webhooks')) || named('callbacks') || named('links')) {
    set({})
    return n === 2 && parent === 'paths' ? 'that path is not served' : 'it is left empty'
  }
  set({})
  return 'that schema accepts any value'
}
