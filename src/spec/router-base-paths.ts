import type { NoteSink } from './notes.js'
import { encodePointerToken } from './refs.js'

interface ServerObject {
  url?: unknown
  variables?: Record<string, { default?: unknown; enum?: unknown } | undefined>
}

/** More base paths than this (from one server's enums, or from all servers): the rest are not routed, and a note says so. */
const MAX_EXPANSIONS = 32

/**
 * The base paths a `servers` list puts in front of the path templates:
 * `https://api.example.com/v1` → `/v1`. Only the URL's path part matters to
 * routing; the host, the scheme and their variables do not.
 *
 * Several servers with different base paths (`/v1` in production, `/api` on
 * a staging host) all route: a client written against any documented server
 * must get the same answers from the mock, and the cost is one more branch in
 * the router per base path. (Prism routes under the first one only, so half of
 * such a client's calls 404.) The first base path is the one messages and
 * labels name. A path variable routes each of its `enum` values; one with
 * neither `default` nor `enum` is left as a template parameter that matches
 * any segment. `undefined` when the list is absent or gives no usable server.
 */
export function basePathsOf(servers: unknown, pointer: string, notes: NoteSink): string[] | undefined {
  if (servers === undefined) return undefined
  if (!Array.isArray(servers)) {
    notes.add('server', pointer, "'servers' is not a list; doorman ignores it")
    return undefined
  }
  const out: string[] = []
  servers.forEach((server: ServerObject | null, index) => {
    const at = `${pointer}/${index}`
    if (server === null || typeof server !== 'object' || typeof server.url !== 'string') {
      notes.add('server', at, "a server needs a 'url' string; doorman ignores this one")
      return
    }
    for (const base of serverBasePaths(server, at, notes)) if (!out.includes(base)) out.push(base)
  })
  if (out.length > MAX_EXPANSIONS) {
    // Every operation is routed once per base path: bound what a long server list costs.
    notes.add('server', pointer, `the servers give ${out.length} base paths; doorman routes the first ${MAX_EXPANSIONS} (${out[0] || '/'} first)`)
    out.splice(MAX_EXPANSIONS)
  }
  return out.length > 0 ? out : undefined
}

function serverBasePaths(server: ServerObject, at: string, notes: NoteSink): string[] {
  const url = server.url as string
  const variables = server.variables !== null && typeof server.variables === 'object' ? server.variables : {}
  const { path, hostVariables } = splitUrl(url, at, notes, variables)
  for (const name of hostVariables) {
    const variable = variables[name]
    if (variable === undefined || typeof variable !== 'object' || variable === null) {
      notes.add('server', `${at}/url`, `server variable '{${name}}' is not defined in 'variables'; it is not in the base path, so routing is unaffected`)
    } else if (typeof variable.default !== 'string') {
      notes.add(
        'server',
        `${at}/variables/${encodePointerToken(name)}`,
        `server variable '${name}' has no default (OpenAPI requires one); it is not in the base path, so routing is unaffected`,
      )
    }
  }
  // Each path variable's values: its enum (default first), or its default, or itself (a template parameter).
  const choices: Array<[string, string[]]> = []
  for (const match of path.matchAll(/\{([^{}]+)\}/g)) {
    const name = match[1]
    if (choices.some(([n]) => n === name)) continue
    choices.push([name, variableValues(name, variables[name], at, notes)])
  }
  let bases = [path]
  for (const [name, values] of choices) {
    if (bases.length * values.length > MAX_EXPANSIONS) {
      notes.add('server', `${at}/url`, `the server variables give more than ${MAX_EXPANSIONS} base paths; doorman routes '{${name}}' as '${values[0]}' only`)
      values.splice(1)
    }
    bases = bases.flatMap((base) => values.map((value) => base.replaceAll(`{${name}}`, value)))
  }
  return bases.map(normalize)
}

function variableValues(name: string, variable: { default?: unknown; enum?: unknown } | undefined, at: string, notes: NoteSink): string[] {
  const values = Array.isArray(variable?.enum) ? variable.enum.filter((v): v is string => typeof v === 'string') : []
  if (typeof variable?.default === 'string') return [variable.default, ...values.filter((v) => v !== variable.default)]
  if (variable === undefined) {
    notes.add('server', `${at}/url`, `server variable '{${name}}' is not defined in 'variables'; doorman accepts any value for it in the path`)
    return [`{${name}}`]
  }
  if (values.length > 0) {
    notes.add(
      'server',
      `${at}/variables/${encodePointerToken(name)}`,
      `server variable '${name}' has no default (OpenAPI requires one); doorman routes each of its enum values`,
    )
    return values
  }
  notes.add(
    'server',
    `${at}/variables/${encodePointerToken(name)}`,
    `server variable '${name}' has no default and no enum; doorman accepts any value for it in the path`,
  )
  return [`{${name}}`]
}

/**
 * The path part of a server URL, and the variables in the part before it.
 * `https://h/v1`, `{scheme}://{host}/v1` and protocol-relative `//h/v1` have
 * an authority; `/v1` and `v1` (relative to where the document is served) do
 * not. `api.example.com/v1` is a host without its scheme, a common slip.
 */
function splitUrl(url: string, at: string, notes: NoteSink, variables: Record<string, unknown>): { path: string; hostVariables: string[] } {
  let rest = url.split(/[?#]/)[0]
  let authority = ''
  const scheme = /^(?:[a-z][a-z0-9+.-]*:|\{[^{}/]+\}:)?\/\//i.exec(rest)
  if (scheme) {
    rest = rest.slice(scheme[0].length)
    const slash = rest.indexOf('/')
    authority = scheme[0] + (slash === -1 ? rest : rest.slice(0, slash))
    rest = slash === -1 ? '' : rest.slice(slash)
  } else if (!rest.startsWith('/') && /^(localhost|[\w-]+(\.[\w-]+)+)(:\d+)?(\/|$)/i.test(rest)) {
    const slash = rest.indexOf('/')
    authority = slash === -1 ? rest : rest.slice(0, slash)
    rest = slash === -1 ? '' : rest.slice(slash)
    notes.add(
      'server',
      `${at}/url`,
      `'${url}' looks like a host without a scheme (https://); doorman takes '${authority}' as the host and routes under '${normalize(rest) || '/'}'`,
    )
  }
  // eBay's `https://apiz.ebay.com{basePath}` with basePath '/commerce/identity/v1': a variable that ends the authority
  // and whose values all start with '/' is the path.
  const last = /\{([^{}]+)\}$/.exec(authority)
  if (last && startsThePath(variables[last[1]])) {
    authority = authority.slice(0, last.index)
    rest = last[0] + rest
  }
  const hostVariables = [...authority.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1])
  return { path: rest, hostVariables }
}

function startsThePath(variable: unknown): boolean {
  if (variable === null || typeof variable !== 'object') return false
  const { default: value, enum: values } = variable as { default?: unknown; enum?: unknown }
  const all: unknown[] = [value, ...(Array.isArray(values) ? (values as unknown[]) : [])].filter((v) => v !== undefined)
  return all.length > 0 && all.every((v) => typeof v === 'string' && v.startsWith('/'))
}

/** `/v1/` → `/v1`, `v1` → `/v1`, `/` → ''. */
function normalize(path: string): string {
  const trimmed = path.replace(/\/+$/, '')
  if (trimmed === '') return ''
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`
}
