import { SetupError } from '../setup-error.js'
import { displayFile, type LoadedSpec } from '../spec/load-spec.js'
import { deref, resolvePointer } from '../spec/refs.js'
import type { Operation, RouteTable } from '../spec/route-table.js'
import type { ResolvedAuth } from './config.js'
import { places, type Note } from '../spec/notes.js'

/** A securityScheme from the spec, reduced to what the auth step checks. */
export type Scheme =
  | { kind: 'bearer'; name: string; type: 'http' | 'oauth2' | 'openIdConnect'; jwtFormat: boolean }
  | { kind: 'basic'; name: string }
  | { kind: 'apiKey'; name: string; in: 'header' | 'query' | 'cookie'; param: string; keys: string[] | undefined }
  /** HTTP digest (RFC 7616): src/auth/digest.ts. */
  | { kind: 'digest'; name: string }
  /** OpenAPI 3.1: a client certificate from doorman's CA, checked on HTTPS listeners (src/auth/mutual-tls.ts). */
  | { kind: 'mutualTLS'; name: string }
  /** Schemes doorman cannot check (http digest …): requests pass, start-up says so. */
  | { kind: 'unchecked'; name: string; what: string }

export interface SchemeRequirement {
  scheme: Scheme
  /** Scopes a bearer token must carry: the requirement's own list plus `x-doorman.scopes`. */
  scopes: string[]
}

/** One security requirement object: every scheme in it must pass (AND). */
export type Alternative = SchemeRequirement[]

export interface SecurityPlan {
  /** Per operation, the alternatives (OR); absent when the operation needs no credentials. */
  byOperation: Map<Operation, Alternative[]>
  notes: Note[]
}

/** Reads the spec's security once, at start-up: a scheme the spec names but does not define is a note; mistakes in `auth` are SetupErrors. */
export function compileSecurity(spec: LoadedSpec, table: RouteTable, auth: ResolvedAuth): SecurityPlan {
  const file = displayFile(spec)
  const defined = spec.document.components?.securitySchemes ?? {}
  const schemes = new Map<string, Scheme>()
  for (const [name, raw] of Object.entries(defined)) {
    const where = `/components/securitySchemes/${name}`
    schemes.set(name, readScheme(name, deref(spec.document, raw, where, file) as RawScheme, auth, { file, location: where }))
  }
  checkApiKeyConfig(auth, schemes)

  const byOperation = new Map<Operation, Alternative[]>()
  let usesUnconfiguredBearer = false
  let usesUnconfiguredDigest = false
  const unchecked = new Set<string>()
  const undefinedSchemes = new Map<string, Set<string>>()
  const spacedScopes = new Map<string, Set<string>>()
  for (const op of table.operations) {
    // OpenAPI: an empty requirement object ({}) makes credentials optional; `security: []` drops them.
    if (op.security.length === 0 || op.security.some((req) => Object.keys(req).length === 0)) continue
    const own = (resolvePointer(spec.document, `#${op.pointer}`) as { security?: unknown } | undefined)?.security
    const location = own === undefined ? '/security' : `${op.pointer}/security`
    const extraScopes = readExtraScopes(op, file)
    byOperation.set(
      op,
      op.security.map((req) =>
        Object.entries(req).map(([name, scopes]) => {
          let scheme = schemes.get(name)
          if (!scheme) {
            // The author meant credentials of some kind, and doorman cannot tell which: the scheme is read as one it
            // cannot check (like http digest), so it passes, and the other schemes of its requirement are still checked.
            // A requirement naming only undefined schemes is not read as `{}` ("no credentials needed", which the
            // author did not write) but as credentials doorman cannot check: the same answer (requests pass), and
            // `doorman curl` and the notes say why.
            scheme = { kind: 'unchecked', name, what: 'not defined in components.securitySchemes' }
            const places = undefinedSchemes.get(name)
            if (places) places.add(location)
            else undefinedSchemes.set(name, new Set([location]))
          }
          if (scheme.kind === 'unchecked' && schemes.has(name)) unchecked.add(`${name} (${scheme.what})`)
          if (scheme.kind === 'bearer' && !auth.jwt && auth.tokens.length === 0) usesUnconfiguredBearer = true
          if (scheme.kind === 'digest' && Object.keys(auth.digest).length === 0) usesUnconfiguredDigest = true
          const required =
            scheme.kind === 'bearer'
              ? [
                  ...new Set([
                    ...tokenScopes(Array.isArray(scopes) ? scopes.filter((scope) => typeof scope === 'string') : [], location, spacedScopes),
                    ...extraScopes,
                  ]),
                ]
              : []
          return { scheme, scopes: required }
        }),
      ),
    )
  }

  for (const [name, where] of undefinedSchemes) {
    const known = [...schemes.keys()]
    spec.notes.add(
      'security',
      places([...where]),
      `'${name}' is not a securityScheme (components.securitySchemes defines ${known.length ? known.join(', ') : 'none'}): it is not checked, and requests that need it pass.`,
    )
  }
  for (const [scope, where] of spacedScopes) {
    spec.notes.add(
      'security',
      places([...where]),
      `the scope '${scope}' has spaces, which a token's scope claim cannot carry (RFC 6749 §3.3 separates scopes by spaces); doorman requires each of its words: ${scope
        .split(/\s+/)
        .filter(Boolean)
        .map((word) => `'${word}'`)
        .join(', ')}.`,
    )
  }
  const notes: Note[] = []
  if (usesUnconfiguredBearer) {
    notes.push({
      kind: 'auth',
      where: '',
      message:
        'bearer token signatures are NOT checked: the config has no auth.bearer.jwt. Tokens must still be well-formed ' +
        '(and, for bearerFormat: JWT, decodable, unexpired and already valid), and their scopes are checked. ' +
        "`doorman token` signs with the built-in development secret 'doorman-dev-secret' (HS256).",
    })
  }
  if (usesUnconfiguredDigest) {
    notes.push({
      kind: 'auth',
      where: '',
      message:
        'digest passwords are NOT checked: the config has no auth.digest. Any well-formed Digest credential answering this ' +
        "server's challenge passes (nonce, uri and nonce count are still checked); add auth.digest: { user: password } to verify the response hash.",
    })
  }
  if (unchecked.size) notes.push({ kind: 'auth', where: '', message: `not checked, requests that need them pass: ${[...unchecked].join(', ')}` })
  return { byOperation, notes }
}

interface RawScheme {
  type?: string
  scheme?: string
  bearerFormat?: string
  in?: string
  name?: string
}

function readScheme(name: string, raw: RawScheme, auth: ResolvedAuth, where: { file: string | undefined; location: string }): Scheme {
  const type = raw?.type
  if (type === 'http') {
    const httpScheme = String(raw.scheme ?? '').toLowerCase()
    if (httpScheme === 'bearer') return { kind: 'bearer', name, type, jwtFormat: /^jwt$/i.test(raw.bearerFormat ?? '') }
    if (httpScheme === 'basic') return { kind: 'basic', name }
    if (httpScheme === 'digest') return { kind: 'digest', name }
    return { kind: 'unchecked', name, what: `http ${raw.scheme ?? 'without a scheme'}` }
  }
  if (type === 'oauth2' || type === 'openIdConnect') {
    // Both send access tokens as bearer tokens (RFC 6750); openIdConnect access tokens are JWTs by convention, not by rule.
    return { kind: 'bearer', name, type, jwtFormat: /^jwt$/i.test(raw.bearerFormat ?? '') }
  }
  if (type === 'apiKey') {
    if (raw.in !== 'header' && raw.in !== 'query' && raw.in !== 'cookie') {
      throw new SetupError(`an apiKey scheme needs in: header, query or cookie (got ${JSON.stringify(raw.in)})`, where)
    }
    if (typeof raw.name !== 'string' || raw.name === '') {
      throw new SetupError('an apiKey scheme needs the name of its header, query parameter or cookie', where)
    }
    return { kind: 'apiKey', name, in: raw.in, param: raw.name, keys: auth.apiKeys[name] }
  }
  if (type === 'mutualTLS') return { kind: 'mutualTLS', name }
  return { kind: 'unchecked', name, what: String(type ?? 'no type') }
}

/** `auth.apiKeys` is keyed by securityScheme name: a typo there would silently accept any key. */
function checkApiKeyConfig(auth: ResolvedAuth, schemes: Map<string, Scheme>): void {
  const apiKeySchemes = [...schemes.values()].filter((s) => s.kind === 'apiKey').map((s) => s.name)
  for (const name of Object.keys(auth.apiKeys)) {
    if (apiKeySchemes.includes(name)) continue
    const known = apiKeySchemes.length ? `the spec's apiKey schemes are: ${apiKeySchemes.join(', ')}` : 'the spec defines no apiKey scheme'
    throw new SetupError(`'${name}' is not an apiKey securityScheme; ${known}`, {
      file: auth.configFile,
      location: `/auth/apiKeys/${name}`,
    })
  }
}

/** A requirement's scopes as a token carries them: a scope written with spaces (nbg.gr's) is its words, noted where it is. */
function tokenScopes(scopes: string[], location: string, spaced: Map<string, Set<string>>): string[] {
  if (!scopes.some((scope) => /\s/.test(scope))) return scopes
  return scopes.flatMap((scope) => {
    if (!/\s/.test(scope)) return [scope]
    const places = spaced.get(scope)
    if (places) places.add(location)
    else spaced.set(scope, new Set([location]))
    return scope.split(/\s+/).filter(Boolean)
  })
}

/** `x-doorman.scopes`: scopes for http bearer schemes, whose requirement lists must stay empty in OpenAPI 3.0. */
function readExtraScopes(op: Operation, file: string | undefined): string[] {
  const scopes = op.extension.scopes
  if (scopes === undefined) return []
  if (!Array.isArray(scopes) || !scopes.every((s): s is string => typeof s === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))) {
    throw new SetupError('x-doorman.scopes must be a list of scope names (no spaces, quotes or backslashes)', {
      file,
      location: `${op.pointer}/x-doorman/scopes`,
    })
  }
  return scopes
}

/** Where credentials travel outside the Authorization header: the journal redacts these query parameters. */
export function credentialQueryNames(document: LoadedSpec['document']): string[] {
  const schemes = Object.values(document.components?.securitySchemes ?? {}) as RawScheme[]
  const apiKeys = schemes.flatMap((s) => (s?.type === 'apiKey' && s.in === 'query' && s.name ? [s.name] : []))
  // RFC 6750 §2.3: a bearer token may travel as ?access_token=.
  return ['access_token', ...apiKeys]
}
