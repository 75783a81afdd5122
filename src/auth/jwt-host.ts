import { createPublicKey } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { lazyRequire } from '../util/lazy-require.js'
import type { JwtSettings, ResolvedAuth, SigningKey, VerifyKey } from './config.js'

type Claims = Record<string, unknown>

/** What one @fastify/jwt registration decorates `fastify.jwt[namespace]` with, as doorman calls it. */
interface JwtNamespace {
  verify(token: string, options?: Record<string, unknown>): Claims
  sign(payload: Claims, options?: Record<string, unknown>): string
}

type FastifyJwtPlugin = (typeof import('@fastify/jwt'))['default']
const fastJwt = lazyRequire<typeof import('fast-jwt')>('fast-jwt')

// Loaded when a mock (or `doorman token`) first needs it: @fastify/jwt brings fast-jwt and its ASN.1 stack.
const fastifyJwt = lazyRequire<FastifyJwtPlugin>('@fastify/jwt')

/** The base namespace: neutral verify options (per-call options are merged over them), the dev secret to sign with. */
const BASE = 'doorman'

/**
 * JWTs go through @fastify/jwt, registered on the mock's fastify instance:
 * one namespace per verification key of the start-up config, whose global
 * verifier @fastify/jwt builds once (with fast-jwt's verification cache on),
 * and one to sign with. `fastify.jwt.verify(token, options)` with options
 * builds a new verifier per call in @fastify/jwt 10 (it caches only for
 * `request.jwtVerify()`, whose FST_JWT_* wrappers would blur doorman's codes),
 * so the per-key namespaces are what keep verification fast. A reload that
 * brings other keys (--watch) cannot register plugins on a running instance:
 * its keys go through the base namespace with explicit per-call options
 * (`fastify.jwt.doorman.verify(token, { key, algorithms, … })`), and
 * BearerVerifier's own memo of good tokens keeps that off the hot path.
 */
export class JwtHost {
  #app: FastifyInstance | undefined
  /** Registered namespaces by what they verify or sign with (see fingerprint). */
  readonly #namespaces = new Map<string, string>()
  /** Per key object of a compiled config: its namespace, or null for the per-call path (fingerprints cost a JSON.stringify). */
  readonly #byKey = new WeakMap<VerifyKey, string | null>()
  readonly #fallbacks = new WeakMap<object, unknown>()
  #devKey: SigningKey = { material: '', algorithm: 'HS256', kid: undefined }

  /**
   * Registers @fastify/jwt on the mock's instance (before it is ready) for the start-up config's keys. Without
   * `auth.bearer.jwt` (presence mode) nothing is registered unless `always`: loading @fastify/jwt and fast-jwt
   * costs a start-up as much as fastify itself, for a mock that verifies nothing (see #fallback).
   */
  attach(app: FastifyInstance, auth: ResolvedAuth, devSecret: string, always = false): void {
    this.#devKey = { material: devSecret, algorithm: 'HS256', kid: undefined }
    const jwt = auth.jwt
    if (!jwt && !always) return
    const plugin = fastifyJwt()
    this.#app = app
    app.register(plugin, { namespace: BASE, secret: devSecret, sign: { algorithm: 'HS256' }, verify: {} })
    if (!jwt) return
    jwt.keys.forEach((key, i) => {
      if (key.algorithms.length === 0) return
      const namespace = `doorman-key-${i}`
      // Only a public half: @fastify/jwt then builds no signer for it (verify mode), which a public key could not be.
      app.register(plugin, { namespace, secret: { public: key.material }, verify: verifyOptions(key, jwt) })
      this.#namespaces.set(verifyFingerprint(key, jwt), namespace)
    })
    if (jwt.signing) {
      const namespace = 'doorman-signing'
      app.register(plugin, { namespace, secret: signingSecret(jwt.signing), sign: signOptions(jwt.signing) })
      this.#namespaces.set(signFingerprint(jwt.signing), namespace)
    }
  }

  /** Without a mock (`doorman token`, `doorman curl`): a fastify instance of its own, ready to sign and verify. */
  async standalone(auth: ResolvedAuth, devSecret: string): Promise<void> {
    const { default: Fastify } = await import('fastify')
    const app = Fastify({ logger: false })
    this.attach(app, auth, devSecret, true)
    await app.ready()
  }

  /** fast-jwt's TokenErrors come through as they are (FAST_JWT_*): src/auth/jwt-errors.ts translates them. */
  verify(key: VerifyKey, settings: JwtSettings, token: string): Claims {
    let registered = this.#byKey.get(key)
    if (registered === undefined) this.#byKey.set(key, (registered = this.#namespaces.get(verifyFingerprint(key, settings)) ?? null))
    if (registered !== null) return this.#jwt(registered).verify(token)
    if (this.#app === undefined)
      return this.#fallback<(token: string) => Claims>(key, () => fastJwt().createVerifier({ key: key.material, ...verifyOptions(key, settings) }))(token)
    return this.#jwt(BASE).verify(token, { key: key.material, ...verifyOptions(key, settings) })
  }

  /** Signs with the config's signing key, or the development secret when `signing` is undefined. */
  sign(signing: SigningKey | undefined, payload: Claims): string {
    if (this.#app === undefined) {
      const key = signing ?? this.#devKey
      return this.#fallback<(payload: Claims) => string>(key, () => fastJwt().createSigner({ key: key.material, ...signOptions(key) }))(payload)
    }
    if (signing === undefined) return this.#jwt(BASE).sign(payload)
    const registered = this.#namespaces.get(signFingerprint(signing))
    if (registered !== undefined) return this.#jwt(registered).sign(payload)
    return this.#jwt(BASE).sign(payload, { key: signing.material, ...signOptions(signing) })
  }

  /**
   * A mock started without auth.bearer.jwt registered nothing: its development-secret signing, and the keys of
   * a reload that adds auth.bearer.jwt, use fast-jwt (the library under @fastify/jwt) directly, built once per key.
   */
  #fallback<T>(key: object, build: () => unknown): T {
    let made = this.#fallbacks.get(key) as T | undefined
    if (made === undefined) this.#fallbacks.set(key, (made = build() as T))
    return made
  }

  #jwt(namespace: string): JwtNamespace {
    const jwt = (this.#app as unknown as { jwt?: Record<string, JwtNamespace> } | undefined)?.jwt?.[namespace]
    // The mock registers the plugin before it listens, and standalone() awaits it: only a bug gets here.
    if (jwt === undefined) throw new Error(`@fastify/jwt is not ready on this fastify instance (namespace ${namespace})`)
    return jwt
  }
}

function verifyOptions(key: VerifyKey, jwt: JwtSettings): Record<string, unknown> {
  return {
    algorithms: key.algorithms,
    allowedIss: jwt.issuer,
    allowedAud: jwt.audience,
    clockTolerance: jwt.clockToleranceMs,
    // fast-jwt skips iss/aud checks when the claim is absent: a configured issuer/audience makes it required.
    requiredClaims: [...jwt.requiredClaims, ...(jwt.issuer ? ['iss'] : []), ...(jwt.audience ? ['aud'] : [])],
    // fast-jwt's verification cache: a test suite sends one token thousands of times. Its entries end at the
    // token's exp (plus the clock tolerance); BearerVerifier checks exp again on every answer, to the millisecond.
    cache: true,
  }
}

function signOptions(signing: SigningKey): Record<string, unknown> {
  return { algorithm: signing.algorithm, ...(signing.kid !== undefined ? { kid: signing.kid } : {}) }
}

/** @fastify/jwt wants both halves for RS/ES/PS/EdDSA signing; a secret is both. */
function signingSecret(signing: SigningKey): string | { private: string; public: string } {
  if (signing.algorithm.startsWith('HS')) return signing.material
  return { private: signing.material, public: createPublicKey(signing.material).export({ type: 'spki', format: 'pem' }) as string }
}

function verifyFingerprint(key: VerifyKey, jwt: JwtSettings): string {
  return JSON.stringify([key.material, verifyOptions(key, jwt)])
}

function signFingerprint(signing: SigningKey): string {
  return JSON.stringify([signing.material, signOptions(signing)])
}
