import type { JwtHost } from './jwt-host.js'
import { DEFAULT_JSON_DEPTH, nestedDeeperThan } from '../util/json-depth.js'
import { SetupError } from '../setup-error.js'
import type { ResolvedAuth, SigningKey } from './config.js'
import { DURATION_HINT, parseDuration } from './duration.js'
import { checkTokenInput } from './token-input.js'

/**
 * Signs tokens when the config has no `auth.bearer.jwt`. The mock then checks
 * no signature (presence mode), so any key would do; a fixed, documented one
 * means the same token also passes a config with `secret: doorman-dev-secret`.
 */
export const DEV_SECRET = 'doorman-dev-secret'

export type TokenClaims = Record<string, unknown>

export interface TokenSignOptions {
  /** Lifetime: seconds, or a duration such as '15m'; negative for an already expired token. Default '1h'. */
  expiresIn?: number | string
  /** Not valid until this long from now: seconds, or a duration such as '10m'. */
  notBefore?: number | string
}

export interface SignedToken {
  token: string
  header: { alg: string; kid?: string }
  claims: TokenClaims
}

/** `mock.tokens`, `doorman token` and POST /__doorman/tokens: tokens the running mock accepts. */
export class TokenMinter {
  readonly #signing: SigningKey | undefined
  readonly #why: string | undefined
  readonly #issuer: string | undefined
  readonly #audience: string | undefined
  readonly #host: JwtHost
  /** No auth.bearer.jwt: tokens are signed with DEV_SECRET, @fastify/jwt's base registration (src/auth/jwt-host.ts). */
  readonly #dev: boolean

  constructor(auth: ResolvedAuth, host: JwtHost) {
    this.#host = host
    this.#dev = !auth.jwt && auth.tokens.length === 0
    const jwt = auth.jwt
    this.#issuer = jwt?.issuer?.[0]
    this.#audience = jwt?.audience?.[0]
    if (jwt) {
      this.#signing = jwt.signing
      if (!jwt.signing) {
        this.#why = `auth.bearer.jwt has a ${jwt.source} but no privateKey; add privateKey: <PEM file> (the private half of one of its keys) to sign tokens`
      }
    } else if (auth.tokens.length) {
      this.#why = 'the config accepts only the opaque tokens in auth.bearer.tokens; send one of those (or add auth.bearer.jwt to mint JWTs)'
    } else {
      this.#signing = { material: DEV_SECRET, algorithm: 'HS256', kid: undefined }
    }
  }

  /** Throws SetupError when the config cannot sign, or an option is not a duration. */
  sign(claims: TokenClaims = {}, options: TokenSignOptions = {}): string {
    return this.mint(claims, options).token
  }

  mint(claims: TokenClaims = {}, options: TokenSignOptions = {}): SignedToken {
    if (!this.#signing) throw new SetupError(`cannot sign tokens: ${this.#why}`)
    if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
      throw new SetupError('token claims must be an object such as { sub: "alice", scope: "orders:write" }')
    }
    // Signing writes the claims as JSON: claims nested past the stack would fail there, as a 500.
    if (nestedDeeperThan(claims, DEFAULT_JSON_DEPTH)) throw new SetupError(`token claims must not nest deeper than ${DEFAULT_JSON_DEPTH} levels`)
    const bad = checkTokenInput(claims)
    if (bad !== undefined) throw new SetupError(`token claims: ${bad.message}`)
    const now = Math.floor(Date.now() / 1000)
    const payload: TokenClaims = {
      ...(this.#issuer !== undefined ? { iss: this.#issuer } : {}),
      ...(this.#audience !== undefined ? { aud: this.#audience } : {}),
      ...claims,
      iat: now,
    }
    if (Array.isArray(payload.scope)) payload.scope = payload.scope.join(' ')
    if (claims.exp === undefined) payload.exp = now + seconds('expiresIn', options.expiresIn ?? '1h')
    if (options.notBefore !== undefined) payload.nbf = now + seconds('notBefore', options.notBefore)
    const header = { alg: this.#signing.algorithm, ...(this.#signing.kid !== undefined ? { kid: this.#signing.kid } : {}) }
    return { token: this.#host.sign(this.#dev ? undefined : this.#signing, payload), header, claims: payload }
  }
}

function seconds(option: string, value: unknown): number {
  const ms = typeof value === 'number' || typeof value === 'string' ? parseDuration(value) : undefined
  if (ms === undefined) throw new SetupError(`${option} must be ${DURATION_HINT}, not '${String(value)}'`)
  return Math.round(ms / 1000)
}
