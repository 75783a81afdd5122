import { lazyRequire } from '../util/lazy-require.js'
import { safeEqual } from './compare.js'
import type { JwtSettings, ResolvedAuth, VerifyKey } from './config.js'
import type { JwtHost } from './jwt-host.js'
import type { Credentials } from './credentials.js'
import { isTokenError, tokenExpired, tokenNotYetValid, translateJwtError, type TokenFailure } from './jwt-errors.js'
import type { Scheme } from './security.js'
import { shown, type AuthFailure } from './verdict.js'

type BearerScheme = Extract<Scheme, { kind: 'bearer' }>
type Claims = Record<string, unknown>
export type TokenCheck = { ok: true; claims: Claims | undefined } | { ok: false; failure: TokenFailure }

/** fast-jwt (with its ASN.1 stack) loads when a key is configured or the first token comes, not at every start. */
export const fastJwt = lazyRequire<typeof import('fast-jwt')>('fast-jwt')

/** RFC 6750 §2.1 b64token: the only characters a bearer token may hold. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/

/**
 * One bearer scheme's verdict: where the token is (RFC 6750 §2.1 header or
 * §2.3 query; the §2.2 form body is not read, this step runs before the
 * body arrives), whether it is good, and whether it carries the scopes.
 */
export function checkBearer(scheme: BearerScheme, scopes: string[], creds: Credentials, verifier: BearerVerifier): AuthFailure | undefined {
  const found = readBearerToken(scheme, creds)
  if (typeof found !== 'string') return found
  const result = verifier.check(found, scheme.jwtFormat)
  if (!result.ok) return { kind: 'invalid', scheme, ...result.failure }
  // Opaque tokens (and unreadable ones in presence mode) carry no scopes to check.
  if (scopes.length === 0 || result.claims === undefined) return undefined
  const granted = grantedScopes(result.claims)
  return scopes.every((s) => granted.includes(s)) ? undefined : { kind: 'scope', scheme, required: scopes, granted }
}

function readBearerToken(scheme: BearerScheme, creds: Credentials): string | AuthFailure {
  const fromHeader = creds.hasScheme('bearer') ? creds.authorization?.value : undefined
  const fromQuery = creds.query('access_token')
  const malformed = (description: string): AuthFailure => ({ kind: 'malformed', scheme, description })
  if (fromHeader === undefined && fromQuery === undefined) {
    const other = creds.authorization
    const description = other ? `The Authorization header uses the ${shown(other.scheme, 20)} scheme, not Bearer` : 'The request carries no bearer token'
    return { kind: 'missing', scheme, description }
  }
  // RFC 6750 §2: clients MUST NOT use more than one method to transmit the token.
  if (fromHeader !== undefined && fromQuery !== undefined) {
    return malformed('The request carries a token both in the Authorization header and in the access_token query parameter; send it one way only')
  }
  if (Array.isArray(fromQuery)) return malformed(`The access_token query parameter appears ${fromQuery.length} times; send one token`)
  // One of them is a string by now (neither-nor and both returned above).
  const token = fromHeader ?? fromQuery ?? ''
  if (token === '') {
    return malformed(fromHeader !== undefined ? 'The Authorization header says Bearer but no token follows' : 'The access_token query parameter is empty')
  }
  if (!B64TOKEN.test(token)) {
    const at = token.search(/[^A-Za-z0-9\-._~+/=]|=[^=]/)
    const char = token[at] === '=' ? `'=' before the end` : /\s/.test(token[at]) ? 'a space' : `a ${shown(token[at])} character`
    return malformed(
      `The token holds ${char} at position ${at + 1}; a bearer token is letters, digits and - . _ ~ + / with = only at the end (RFC 6750 section 2.1)`,
    )
  }
  return token
}

// A token seen again brings back the same claims object (BearerVerifier): its scopes are read once.
const scopesOf = new WeakMap<Claims, string[]>()

/** `scope` (space-separated, RFC 8693/9068) and `scp` (array or string, common in Azure AD and Okta). */
export function grantedScopes(claims: Claims): string[] {
  const known = scopesOf.get(claims)
  if (known !== undefined) return known
  const scopes: string[] = []
  for (const claim of [claims.scope, claims.scp]) {
    if (typeof claim === 'string') scopes.push(...claim.split(' ').filter(Boolean))
    else if (Array.isArray(claim)) scopes.push(...claim.filter((s): s is string => typeof s === 'string'))
  }
  const granted = [...new Set(scopes)]
  scopesOf.set(claims, granted)
  return granted
}

/**
 * Decides whether a token is good. With `auth.bearer.jwt`, JWTs are verified
 * for real (signature, pinned algorithms, iss/aud, exp/nbf, required claims);
 * `auth.bearer.tokens` are accepted as they are; with neither, the mock only
 * reads tokens (presence mode) and says so at start-up.
 */
export class BearerVerifier {
  readonly presenceOnly: boolean
  readonly #tokens: string[]
  /** The scoped opaque tokens' claims: `scope` from their scopes, `sub` as configured. */
  readonly #opaqueClaims = new Map<string, Claims>()
  readonly #jwt: JwtSettings | undefined
  readonly #verifiers = new Map<VerifyKey, (token: string) => Claims>()
  /** The verifier when there is one key (a secret or a public key, not a JWKS): it alone decides a good token. */
  readonly #singleKeyVerifier: ((token: string) => Claims) | undefined
  /**
   * Good tokens by their own text, each for a second at most and never past its
   * exp: a client sends one token many times, and fast-jwt's cache hashes it
   * (SHA-256) on every lookup, which cost a fifth of a valid POST.
   */
  readonly #recentlyVerified = new Map<string, { claims: Claims; untilMs: number }>()
  #decode: ((token: string) => { header: Claims; payload: Claims }) | undefined

  constructor(auth: ResolvedAuth, host: JwtHost) {
    this.#tokens = auth.tokens
    for (const [token, grant] of auth.tokenGrants) {
      this.#opaqueClaims.set(token, { scope: (grant.scopes ?? []).join(' '), ...(grant.sub !== undefined ? { sub: grant.sub } : {}) })
    }
    this.#jwt = auth.jwt
    this.presenceOnly = !auth.jwt && auth.tokens.length === 0
    const jwt = auth.jwt
    // Verification goes through @fastify/jwt on the mock's fastify instance (src/auth/jwt-host.ts).
    for (const key of jwt?.keys ?? []) {
      if (key.algorithms.length > 0) this.#verifiers.set(key, (token) => host.verify(key, jwt as JwtSettings, token))
    }
    this.#singleKeyVerifier = jwt && jwt.source !== 'jwks' && jwt.keys.length === 1 ? this.#verifiers.get(jwt.keys[0]) : undefined
  }

  check(token: string, jwtFormat: boolean): TokenCheck {
    if (this.#tokens.length) {
      const opaque = this.#opaque(token)
      if (opaque !== null) return { ok: true, claims: opaque }
    }
    if (this.#singleKeyVerifier) {
      const now = Date.now()
      const known = this.#recentlyVerified.get(token)
      if (known !== undefined && now < known.untilMs) return { ok: true, claims: known.claims }
      // A good token: the verifier checks alg (pinned), signature and claims.
      // Only a refusal needs the token decoded, to say which check failed (below).
      try {
        const claims = this.#singleKeyVerifier(token)
        // fast-jwt takes an exp of Infinity, and an iat that is a string, as they come.
        const badDate = checkDateClaims(claims)
        if (badDate) return badDate
        // fast-jwt's cache keeps an entry up to and including exp (+ tolerance); the token expires AT exp.
        if (this.#expiredNow(claims, now)) return { ok: false, failure: tokenExpired(claims, this.#jwt) }
        if (this.#recentlyVerified.size >= 1000) this.#recentlyVerified.clear()
        this.#recentlyVerified.set(token, { claims, untilMs: Math.min(now + 1000, typeof claims.exp === 'number' ? claims.exp * 1000 : Infinity) })
        return { ok: true, claims }
      } catch {
        // explained below
      }
    }
    let decoded: { header: Claims; payload: Claims }
    this.#decode ??= fastJwt().createDecoder({ complete: true }) as (token: string) => { header: Claims; payload: Claims }
    try {
      decoded = this.#decode(token)
    } catch (error) {
      if (this.presenceOnly && !jwtFormat) return { ok: true, claims: undefined }
      if (!this.#jwt && !this.presenceOnly) return fail('TOKEN_INVALID', 'The token is not one of the tokens in auth.bearer.tokens')
      return fail('TOKEN_INVALID', notAJwt(error as Error & { code?: string }))
    }
    const { header, payload } = decoded
    if (header.alg === 'none' || typeof header.alg !== 'string') {
      return fail('TOKEN_ALGORITHM_REJECTED', `The token is not signed (alg ${shown(header.alg)}), and unsigned tokens never pass`)
    }
    const badDate = checkDateClaims(payload)
    if (badDate) return badDate
    if (this.presenceOnly) return checkTimes(payload)
    const jwt = this.#jwt
    if (!jwt) return fail('TOKEN_INVALID', 'The token is not one of the tokens in auth.bearer.tokens')
    if (!jwt.algorithms.includes(header.alg as never)) {
      return fail('TOKEN_ALGORITHM_REJECTED', `The token is signed with ${shown(header.alg)}, but this API accepts only ${jwt.algorithms.join(', ')}`, {
        expected: jwt.algorithms,
        received: header.alg,
      })
    }
    const key = this.#pickKey(jwt, header)
    if (!('material' in key)) return { ok: false, failure: key }
    const verify = this.#verifiers.get(key)
    if (!verify || !key.algorithms.includes(header.alg as never)) {
      return fail(
        'TOKEN_ALGORITHM_REJECTED',
        `The token is signed with ${shown(header.alg)}, which ${key.label} cannot check (it takes ${key.algorithms.join(', ') || 'none of the pinned algorithms'})`,
      )
    }
    try {
      const claims = verify(token)
      if (this.#expiredNow(claims, Date.now())) return { ok: false, failure: tokenExpired(claims, jwt) }
      return { ok: true, claims }
    } catch (error) {
      if (!isTokenError(error)) throw error
      return { ok: false, failure: translateJwtError(error, { header, payload, key, settings: jwt }) }
    }
  }

  /** RFC 7519 §4.1.4: not accepted on or after exp (within the clock tolerance), whatever a cache remembers. */
  #expiredNow(claims: Claims, nowMs: number): boolean {
    return typeof claims.exp === 'number' && claims.exp * 1000 + (this.#jwt?.clockToleranceMs ?? 0) <= nowMs
  }

  /**
   * An accepted opaque token's claims: undefined for one that carries every
   * scope, null when the token is none of them. Every token is compared (no
   * early exit), so the time says nothing about which one matched.
   */
  #opaque(token: string): Claims | undefined | null {
    let matched: string | undefined
    for (const candidate of this.#tokens) if (safeEqual(token, candidate)) matched ??= candidate
    if (matched === undefined) return null
    return this.#opaqueClaims.get(matched)
  }

  /** A JWKS key by the token's kid; a lone key also serves tokens without one. */
  #pickKey(jwt: JwtSettings, header: Claims): VerifyKey | TokenFailure {
    const keys = jwt.keys
    if (jwt.source !== 'jwks') return keys[0]
    const kids = keys.map((k) => k.kid).filter((k) => k !== undefined)
    if (header.kid === undefined) {
      if (keys.length === 1) return keys[0]
      return failure('TOKEN_KEY_UNKNOWN', `The token has no kid header, and the JWKS holds ${keys.length} keys (${kids.join(', ')})`)
    }
    return (
      keys.find((k) => k.kid === header.kid) ??
      failure('TOKEN_KEY_UNKNOWN', `The token kid ${shown(header.kid)} names no key in the JWKS (kids: ${kids.join(', ')})`, {
        expected: kids,
        received: header.kid,
      })
    )
  }
}

function notAJwt(error: Error & { code?: string }): string {
  if (error.code === 'FAST_JWT_INVALID_PAYLOAD') return 'The token payload is not a JSON object'
  if (/^The token is malformed/.test(error.message)) return 'The token is not a JWT (three base64url parts separated by dots)'
  // fast-jwt names the part: 'The token header is not a valid base64url serialized JSON.'
  return `The token is not a JWT: ${error.message[0].toLowerCase()}${error.message.slice(1).replace(/\.$/, '')}`
}

// JavaScript dates reach ±8.64e15 ms; seconds past that name no date (and fast-jwt's messages about them throw).
const MAX_NUMERIC_DATE = 8.64e12

/**
 * RFC 7519 §2: exp, nbf and iat are NumericDates, seconds since 1970. A
 * string, or a number no date can hold (1e999 reads as Infinity, -1e308 is
 * before any calendar), makes the token unusable, signed or not.
 */
function checkDateClaims(payload: Claims): TokenCheck | undefined {
  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    const value = payload[claim]
    if (value === undefined) continue
    if (typeof value !== 'number') return fail('TOKEN_INVALID', `The token ${claim} claim must be a number of seconds, not ${shown(value)}`)
    if (!Number.isFinite(value) || Math.abs(value) > MAX_NUMERIC_DATE) {
      return fail(
        'TOKEN_INVALID',
        `The token ${claim} claim ${value} is not a date: a NumericDate counts seconds since 1970 and must lie within ±${MAX_NUMERIC_DATE} (the year 275760)`,
      )
    }
  }
  return undefined
}

/** Presence mode: no signature to trust, but a JWT's own exp and nbf still hold (checkDateClaims has made them numbers). */
function checkTimes(payload: Claims): TokenCheck {
  const now = Date.now() / 1000
  if (typeof payload.exp === 'number' && payload.exp <= now) return { ok: false, failure: tokenExpired(payload) }
  if (typeof payload.nbf === 'number' && payload.nbf > now) return { ok: false, failure: tokenNotYetValid(payload) }
  return { ok: true, claims: payload }
}

const HINTS: Partial<Record<TokenFailure['code'], string>> = {
  TOKEN_KEY_UNKNOWN: 'Put the kid of a JWKS key in the token header.',
  TOKEN_ALGORITHM_REJECTED: 'Sign the token with an accepted algorithm (doorman token does).',
}

function failure(code: TokenFailure['code'], description: string, extra?: Record<string, unknown>): TokenFailure {
  return { code, description, hint: HINTS[code] ?? 'Send a token issued for this API (doorman token mints one).', ...(extra ? { extra } : {}) }
}

function fail(code: TokenFailure['code'], description: string, extra?: Record<string, unknown>): TokenCheck {
  return { ok: false, failure: failure(code, description, extra) }
}
