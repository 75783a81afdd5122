import { resolvePointer } from '../spec/refs.js'
import type { LoadedSpec } from '../spec/load-spec.js'
import type { HttpMethod, Operation, PathRoute } from '../spec/route-table.js'
import type { ResolvedCors } from './config.js'

/**
 * Headers a page needs to read from doorman's answers: the 401 challenge,
 * the 503/429 Retry-After, a 201's Location, a 405's Allow, a 415's
 * Accept-Post/Accept-Patch/Accept, and which Prefer was applied. Without
 * them a browser app cannot read its own refusal (the Fetch standard hides
 * every header outside the CORS-safelisted few).
 */
const DOORMAN_EXPOSED = ['www-authenticate', 'retry-after', 'location', 'allow', 'accept-post', 'accept-patch', 'accept', 'preference-applied']

/** Fetch's CORS-safelisted response header names: a page reads them anyway. */
const SAFELISTED_RESPONSE = new Set(['cache-control', 'content-language', 'content-length', 'content-type', 'expires', 'last-modified', 'pragma'])

/**
 * Request headers every operation may be sent with: doorman reads them
 * (negotiation, `Prefer: code=`/`example=`, Idempotency-Key in the client
 * report), and Content-Type, which apps send out of habit, even on a GET.
 */
const ALWAYS_ALLOWED = ['accept', 'accept-language', 'content-language', 'content-type', 'prefer', 'idempotency-key']

/** What doorman says to one origin, compiled once per mock state; per route and operation, computed on first use. */
export class CorsPolicy {
  readonly #config: ResolvedCors
  readonly #document: LoadedSpec['document']
  readonly #originVerdicts = new Map<string, boolean>()
  readonly #exposed = new WeakMap<PathRoute, string>()
  readonly #usable = new WeakMap<Operation, Set<string>>()
  /** The exposed list for a path no route matched (a 404 needs no documented headers). */
  readonly #baseExposed: string

  constructor(config: ResolvedCors, spec: LoadedSpec) {
    this.#config = config
    this.#document = spec.document
    this.#baseExposed = exposeList([...DOORMAN_EXPOSED, ...config.exposeHeaders])
  }

  get credentials(): boolean {
    return this.#config.credentials
  }

  get maxAgeSeconds(): number {
    return this.#config.maxAgeSeconds
  }

  /** Whether a page from `origin` may read the mock's answers (cached: a page sends the same Origin every time). */
  allows(origin: string): boolean {
    let verdict = this.#originVerdicts.get(origin)
    if (verdict === undefined) {
      const config = this.#config
      verdict = config.anyOrigin || config.origins.has(origin) || (origin === 'null' ? false : config.loopback && isLoopbackOrigin(origin))
      // Origins come from requests: the cache is bounded.
      if (this.#originVerdicts.size < 256) this.#originVerdicts.set(origin, verdict)
    }
    return verdict
  }

  /** Which origins are allowed, in the words of the config (for messages). */
  describeOrigins(): string {
    const config = this.#config
    if (config.anyOrigin) return 'any origin'
    const parts = [...(config.loopback ? ['loopback origins (localhost, 127.x.x.x, [::1])'] : []), ...config.origins]
    return parts.length ? parts.join(', ') : 'no origin'
  }

  /** The headers of an actual response to an allowed origin (refusals included). */
  actualHeaders(origin: string, route: PathRoute | undefined): Record<string, string> {
    const headers: Record<string, string> = {
      'access-control-allow-origin': origin,
      'access-control-expose-headers': route ? this.#exposedFor(route) : this.#baseExposed,
    }
    // Never `*` with credentials (Fetch §3.3.5 refuses it): the origin is always echoed, so Vary says the answer depends on it.
    if (this.#config.credentials) headers['access-control-allow-credentials'] = 'true'
    headers.vary = 'Origin'
    return headers
  }

  /**
   * The request headers `operations` (those of one path and method) can use:
   * their documented header parameters, Authorization or the API-key header
   * their security needs, the headers doorman reads, and `cors.allowHeaders`.
   */
  usableHeaders(operations: Operation[]): Set<string> {
    const out = new Set<string>()
    for (const operation of operations) {
      let usable = this.#usable.get(operation)
      if (usable === undefined) this.#usable.set(operation, (usable = this.#compileUsable(operation)))
      for (const name of usable) out.add(name)
    }
    return out
  }

  #compileUsable(operation: Operation): Set<string> {
    const usable = new Set([...ALWAYS_ALLOWED, ...this.#config.allowHeaders])
    for (const parameter of operation.parameters) if (parameter.in === 'header') usable.add(parameter.name.toLowerCase())
    // Every scheme of every alternative, the optional ones (`{}`) included: a client may send them anyway.
    for (const requirement of operation.security) {
      for (const name of Object.keys(requirement)) {
        const header = this.#credentialHeader(name)
        if (header !== undefined) usable.add(header)
      }
    }
    return usable
  }

  /** The request header a security scheme's credentials travel in, if any (a cookie or query API key has none). */
  #credentialHeader(schemeName: string): string | undefined {
    const schemes: Record<string, unknown> = this.#document.components?.securitySchemes ?? {}
    let scheme = schemes[schemeName] as { $ref?: string; type?: string; in?: string; name?: string } | undefined
    if (scheme && typeof scheme.$ref === 'string') scheme = resolvePointer(this.#document, scheme.$ref) as typeof scheme
    if (!scheme || typeof scheme !== 'object') return undefined
    if (scheme.type === 'apiKey') return scheme.in === 'header' && typeof scheme.name === 'string' ? scheme.name.toLowerCase() : undefined
    // http (bearer, basic, digest …), oauth2 and openIdConnect all send Authorization; mutualTLS sends no header.
    return scheme.type === 'mutualTLS' ? undefined : 'authorization'
  }

  #exposedFor(route: PathRoute): string {
    let list = this.#exposed.get(route)
    if (list === undefined) {
      const documented: string[] = []
      for (const operation of route.operations.values()) {
        for (const response of Object.values(operation.responses)) documented.push(...Object.keys(response.headers ?? {}))
      }
      for (const candidates of route.candidates?.values() ?? []) {
        for (const { operation } of candidates)
          for (const response of Object.values(operation.responses)) documented.push(...Object.keys(response.headers ?? {}))
      }
      this.#exposed.set(route, (list = exposeList([...DOORMAN_EXPOSED, ...documented, ...this.#config.exposeHeaders])))
    }
    return list
  }
}

/** The operations a preflight asks about: those of `route` for `method` (HEAD is GET's where no HEAD is documented). */
export function operationsFor(route: PathRoute, method: HttpMethod): Operation[] {
  const single = route.operations.get(method)
  const own = route.candidates?.get(method)?.map((c) => c.operation) ?? (single ? [single] : [])
  if (own.length > 0 || method !== 'HEAD') return own
  return operationsFor(route, 'GET')
}

function exposeList(names: string[]): string {
  const unique = new Set(names.map((name) => name.toLowerCase()).filter((name) => !SAFELISTED_RESPONSE.has(name) && !name.startsWith('access-control-')))
  return [...unique].join(', ')
}

/** localhost (and *.localhost, RFC 6761), 127.0.0.0/8 and [::1], on any scheme and port. */
export function isLoopbackOrigin(origin: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/(localhost|[a-z0-9.-]+\.localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d{1,5})?$/i.test(origin)
}

/** The headers of an actual response go on as it is sent; a Vary the answer has already gets Origin added, not replaced. */
export function applyCorsHeaders(set: (name: string, value: string) => unknown, get: (name: string) => unknown, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (name !== 'vary') {
      set(name, value)
      continue
    }
    const existing = get('vary')
    const list = (Array.isArray(existing) ? existing.join(',') : typeof existing === 'string' ? existing : '').split(',').map((token) => token.trim())
    if (!list.some((token) => token.toLowerCase() === 'origin' || token === '*')) set('vary', [...list, value].filter(Boolean).join(', '))
  }
}
