/**
 * Credentials a client of the document would send, and the config that makes
 * the mock accept exactly those: a signed JWT for bearer, OAuth2 and OpenID
 * Connect schemes (the mock's own `tokens.sign`, so signatures are checked),
 * a configured key for each apiKey scheme, a configured basic user.
 */
import type { ApiDocument, Json, Operation, SecurityAlternative, SecurityScheme } from './openapi-document.js'
import type { Random } from 'json-schema-faker'
import { isHeaderName } from './serialize.js'

export const JWT_SECRET = 'property-suite-secret-3b9f'
export const API_KEY = 'property-api-key-1'
export const BASIC = { user: 'property-user', password: 'property-password' }

/** Signs a token the mock accepts (`mock.tokens.sign`). */
export type Minter = (claims: { sub: string; scope?: string }) => string

export interface Credentials {
  headers: Record<string, string>
  query: Array<[string, string]>
  cookies: Array<[string, string]>
  /** What was sent, for the report: 'bearer (oauth2 petstore_auth)'. */
  label: string
}

export const NO_CREDENTIALS: Credentials = { headers: {}, query: [], cookies: [], label: 'none' }

/** The mock's config: its answers depend on nothing the suite did not choose. */
export function propertyConfig(api: ApiDocument): Json {
  const apiKeySchemes = Object.values(api.securitySchemes).filter(isApiKey)
  return {
    auth: {
      bearer: { jwt: { secret: JWT_SECRET } },
      ...(apiKeySchemes.length ? { apiKeys: Object.fromEntries(apiKeySchemes.map((s) => [s.name, [API_KEY]])) } : {}),
      basic: { [BASIC.user]: BASIC.password },
    },
    faults: { preferHeader: false },
    // Bodies the suite sends are at most 1 MiB of JSON (MAX_BODY_BYTES), a bit more once encoded.
    limits: { bodySize: '4mb' },
    journal: { size: 50 },
  }
}

const isApiKey = (s: SecurityScheme) => s.type === 'apiKey' && ['header', 'query', 'cookie'].includes(s.in ?? '') && !!s.paramName
// A header name with a space in it ('advicement api key') cannot be sent by any HTTP client.
const sendable = (s: SecurityScheme) => s.in !== 'header' || isHeaderName(s.paramName!)

/** What the scheme needs ('bearer', 'basic' or 'apiKey'), or why the suite cannot send it. */
function kindOf(scheme: SecurityScheme): string {
  if (scheme.type === 'http' && scheme.scheme === 'bearer') return 'bearer'
  if (scheme.type === 'http' && scheme.scheme === 'basic') return 'basic'
  if (scheme.type === 'oauth2' || scheme.type === 'openIdConnect') return 'bearer'
  if (isApiKey(scheme)) return sendable(scheme) ? 'apiKey' : 'apiKey in a header whose name is not an HTTP token'
  return `${scheme.type}${scheme.scheme ? ` ${scheme.scheme}` : ''}`
}

/** Credentials for one of the operation's alternatives (seeded choice), or why none can be sent. */
export function chooseCredentials(op: Operation, random: Random, mint: Minter): Credentials | string {
  if (op.security.length === 0) return NO_CREDENTIALS
  const sendable = op.security.filter((alternative) => unsendable(alternative) === undefined)
  if (sendable.length === 0) return `no security alternative the suite can send (${[...new Set(op.security.map(unsendable))].join('; ')})`
  return credentialsFor(random.pick(sendable), op, mint)
}

/**
 * Whether leaving every credential out must be refused: each alternative
 * needs a scheme the mock checks (it lets unchecked ones through). http digest is checked (RFC 7616), though the
 * suite cannot answer its challenges.
 */
export function credentialsRequired(op: Operation): boolean {
  return op.security.length > 0 && op.security.every((alt) => alt.some(({ scheme }) => ['bearer', 'basic', 'apiKey', 'http digest'].includes(kindOf(scheme))))
}

function unsendable(alternative: SecurityAlternative): string | undefined {
  const kinds = alternative.map(({ scheme }) => kindOf(scheme))
  const odd = kinds.find((kind) => !['bearer', 'basic', 'apiKey'].includes(kind))
  if (odd) return `a '${odd}' scheme`
  // Several bearer schemes (Google's implicit and code OAuth2 flows) take one token with every scope.
  const authorization = new Set(
    alternative.map(({ scheme }) =>
      kindOf(scheme) === 'apiKey' ? (scheme.in === 'header' && scheme.paramName!.toLowerCase() === 'authorization' ? 'apiKey' : undefined) : kindOf(scheme),
    ),
  )
  authorization.delete(undefined)
  if (authorization.size > 1) return 'schemes that need two different Authorization headers'
  return undefined
}

function addOnce(list: Array<[string, string]>, name: string) {
  if (!list.some(([n]) => n === name)) list.push([name, API_KEY])
}

function credentialsFor(alternative: SecurityAlternative, op: Operation, mint: Minter): Credentials {
  const out: Credentials = { headers: {}, query: [], cookies: [], label: '' }
  const labels: string[] = []
  const scopes = new Set<string>()
  let bearer = false
  for (const { scheme, scopes: needed } of alternative) {
    const kind = kindOf(scheme)
    labels.push(`${kind} (${scheme.name})`)
    if (kind === 'bearer') {
      bearer = true
      for (const scope of [...needed, ...op.extraScopes]) scopes.add(scope)
    } else if (kind === 'basic') {
      out.headers.authorization = `Basic ${Buffer.from(`${BASIC.user}:${BASIC.password}`).toString('base64')}`
    } else if (scheme.in === 'header') out.headers[scheme.paramName!.toLowerCase()] = API_KEY
    // Two schemes may name the same parameter: the key goes once.
    else if (scheme.in === 'query') addOnce(out.query, encodeURIComponent(scheme.paramName!))
    else addOnce(out.cookies, scheme.paramName!)
  }
  if (bearer) {
    const scope = [...scopes].join(' ')
    out.headers.authorization = `Bearer ${mint({ sub: 'property-suite', ...(scope ? { scope } : {}) })}`
  }
  out.label = labels.join(' + ') || 'none (optional)'
  return out
}
