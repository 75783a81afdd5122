import type { NoteSink } from './notes.js'
import type { Operation, ParameterObject } from './route-table.js'

/**
 * Paths Object keys that carry more than a path. A query part (`/rides?page={page}`,
 * `/{Bucket}?acl`) is not part of the path; AWS's descriptions (as published on
 * APIs.guru) put the query parameters or headers that tell an operation apart
 * after a `#` (`/{Bucket}#acl`, `/#X-Amz-Target=DynamoDB_20120810.GetItem`),
 * which no client sends. doorman routes such a key on its path, and where one
 * method has several operations there, picks the one whose named query
 * parameters and headers the request carries.
 */

export type RouteCondition =
  | {
      in: 'query' | 'header'
      /** Header names in lower case. */
      name: string
      /** `name=value` in the key; `undefined` for a bare `name` (present with any value). */
      value: string | undefined
    }
  /**
   * Operations that differ only in their request body's media types (Azure's `/analyze#overload=stream`
   * beside `/analyze`): the request's Content-Type (essence, lower case) picks.
   */
  | { in: 'content-type'; types: string[] }

/** The path part of a Paths Object key, with a note for anything else in it. */
export function routedPart(key: string, pointer: string, notes: NoteSink): string {
  let path = expandOperators(key, pointer, notes)
  if (!path.startsWith('/')) {
    path = `/${path}`
    notes.add('route', pointer, `path '${key}' does not start with '/'; doorman routes it as '${path.split(/[?#]/)[0]}'`)
  }
  const cut = path.search(/[?#]/)
  if (cut === -1) return path
  const routed = path.slice(0, cut)
  const what = path[cut] === '?' ? 'a query part, which is not part of the path' : 'a fragment, which clients never send'
  notes.add('route', pointer, `'${key}' has ${what} ('${path.slice(cut)}'); doorman routes it as '${routed}'`)
  return routed
}

/**
 * RFC 6570 expressions with an operator (NASA's `/apod{.format}`): OpenAPI path templates have only `{name}`, but
 * what the author meant is clear: `{.format}` is a dot and the parameter `format`, `{/id}` a slash and `id`,
 * `{;v}` the matrix pair `;v={v}`, and `{+path}` the parameter itself.
 */
function expandOperators(key: string, pointer: string, notes: NoteSink): string {
  if (!/\{[./;+]/.test(key)) return key
  const expanded = key.replace(/\{([./;+])([A-Za-z0-9_]+)\}/g, (_, operator: string, name: string) =>
    operator === '+' ? `{${name}}` : operator === ';' ? `;${name}={${name}}` : `${operator}{${name}}`,
  )
  if (expanded !== key) {
    notes.add('route', pointer, `'${key}' uses RFC 6570 operators, which OpenAPI path templates do not have; doorman routes it as '${expanded}'`)
  }
  return expanded
}

/** The conditions a key's query part and fragment put on a request, read against the operation's parameters. */
export function conditionsOf(key: string, parameters: readonly ParameterObject[]): RouteCondition[] {
  const out: RouteCondition[] = []
  if (!key.includes('?') && !key.includes('#')) return out
  const query = /\?([^#]*)/.exec(key)?.[1]
  const fragment = /#(.*)$/.exec(key)?.[1]
  for (const [text, fromQuery] of [
    [query, true],
    [fragment, false],
  ] as const) {
    if (!text) continue
    for (const token of text.split('&')) {
      const eq = token.indexOf('=')
      const name = decode(eq === -1 ? token : token.slice(0, eq))
      // `page={page}` asks for the parameter with any value (weatherbit: `/current?city_id={city_id}` beside
      // `/current?lat={lat}&lon={lon}`); `deprecated!` is a marker, not a parameter.
      const raw = eq === -1 ? undefined : decode(token.slice(eq + 1))
      const value = raw?.includes('{') ? undefined : raw
      if (name === '' || name.endsWith('!')) continue
      const param = parameters.find((p) => (p.in === 'header' ? p.name.toLowerCase() === name.toLowerCase() : p.in === 'query' && p.name === name))
      if (param?.in === 'header') out.push({ in: 'header', name: name.toLowerCase(), value })
      else if (param || fromQuery) out.push({ in: 'query', name, value })
    }
  }
  return out
}

export function sameConditions(a: readonly RouteCondition[], b: readonly RouteCondition[]): boolean {
  const keys = new Set(a.map(conditionKey))
  return a.length === b.length && b.every((c) => keys.has(conditionKey(c)))
}

function conditionKey(c: RouteCondition): string {
  return c.in === 'content-type' ? `content-type:${c.types.join(',')}` : `${c.in}:${c.name}=${c.value ?? ''}`
}

/**
 * The media types of an operation's request body, when they can tell it from another operation's: none may
 * be a wildcard. `undefined` when it has no body or takes any type.
 */
export function bodyTypes(operation: Operation): string[] | undefined {
  const types = Object.keys(operation.requestBody?.content ?? {}).map((t) => t.split(';')[0].trim().toLowerCase())
  return types.length > 0 && !types.some((t) => t.includes('*')) ? types : undefined
}

/** Whether a request meets every condition. */
export function conditionsHold(conditions: readonly RouteCondition[], query: URLSearchParams, headers: Record<string, string | string[] | undefined>): boolean {
  return conditions.every((c) => {
    if (c.in === 'content-type') {
      const header = headers['content-type']
      return typeof header === 'string' && c.types.includes(header.split(';')[0].trim().toLowerCase())
    }
    const found = c.in === 'query' ? query.get(c.name) : headers[c.name]
    if (found === null || found === undefined) return false
    return c.value === undefined || (Array.isArray(found) ? found.includes(c.value) : found === c.value)
  })
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
