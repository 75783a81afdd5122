import { createHash, createHmac, randomBytes } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { safeEqual } from './compare.js'
import type { Credentials } from './credentials.js'
import type { Scheme } from './security.js'
import { shown, type AuthFailure, type InvalidCode } from './verdict.js'

type DigestScheme = Extract<Scheme, { kind: 'digest' }>

/** How long a nonce this server issued stays fresh; after that it is stale (RFC 7616 §3.3, `stale=true`). */
export const NONCE_LIFETIME_MS = 5 * 60_000

// One secret and one opaque per process: nonces stay valid across reloads (--watch), and no state is kept to check them.
const NONCE_SECRET = randomBytes(32)
const OPAQUE = randomBytes(16).toString('hex')

type Algorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess'
const ALGORITHMS: Record<string, Algorithm> = { md5: 'MD5', 'md5-sess': 'MD5-sess', 'sha-256': 'SHA-256', 'sha-256-sess': 'SHA-256-sess' }

/** `<time>.<random>.<mac>`: the time says when it was issued, the MAC that this server issued it. */
function issueNonce(nowMs = Date.now()): string {
  const payload = `${nowMs.toString(36)}.${randomBytes(9).toString('base64url')}`
  return `${payload}.${mac(payload)}`
}

function mac(payload: string): string {
  return createHmac('sha256', NONCE_SECRET).update(payload).digest('base64url').slice(0, 22)
}

/** Issued here (the MAC holds) and when; undefined for a nonce this server never issued. */
function readNonce(nonce: string): { issuedMs: number } | undefined {
  const parts = nonce.split('.')
  if (parts.length !== 3) return undefined
  const [time, random, tag] = parts
  if (!safeEqual(tag, mac(`${time}.${random}`))) return undefined
  const issuedMs = parseInt(time, 36)
  return Number.isFinite(issuedMs) ? { issuedMs } : undefined
}

/**
 * The challenges for one 401 (RFC 7616 §3.3): SHA-256 first, as the RFC
 * prefers, then MD5 for older clients; one fresh nonce and the opaque for
 * both. `algorithm` and `stale` are tokens, the rest quoted-strings.
 */
export function digestChallenges(realm: string, quote: (text: string) => string, stale = false): string[] {
  const nonce = issueNonce()
  return (['SHA-256', 'MD5'] as const).map(
    (algorithm) => `Digest realm="${quote(realm)}", qop="auth", algorithm=${algorithm}, nonce="${nonce}", opaque="${OPAQUE}"${stale ? ', stale=true' : ''}`,
  )
}

/** `name=token` or `name="quoted string"` pairs (RFC 9110 §11.2 auth-params), lower-cased names. */
export function parseDigestParams(text: string): Map<string, string> | undefined {
  const params = new Map<string, string>()
  const pair = /\s*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([!#$%&'*+\-.^_`|~0-9A-Za-z/:]+))\s*(?:,|$)/y
  let at = 0
  while (at < text.length) {
    pair.lastIndex = at
    const match = pair.exec(text)
    if (!match) return undefined
    const name = match[1].toLowerCase()
    if (params.has(name)) return undefined
    params.set(name, match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3])
    at = pair.lastIndex
  }
  return params
}

const REQUIRED = ['username', 'realm', 'nonce', 'uri', 'response', 'qop', 'nc', 'cnonce'] as const

/**
 * HTTP digest (RFC 7616) with `qop=auth`: MD5, SHA-256 and their -sess
 * variants. Checked: the nonce was issued here and is fresh (stale ones get
 * `stale=true`), the opaque came back unchanged, `uri` is the request target,
 * the nonce count goes up, and, with users configured, the response hash.
 */
export class DigestVerifier {
  readonly #users: Record<string, string>
  readonly #realm: string
  /** The highest nonce count accepted per nonce; nonces drop out once stale. */
  readonly #counts = new Map<string, { nc: number; issuedMs: number }>()

  constructor(users: Record<string, string>, realm: string) {
    this.#users = users
    this.#realm = realm
  }

  check(scheme: DigestScheme, creds: Credentials, request: FastifyRequest): AuthFailure | undefined {
    if (!creds.hasScheme('digest')) {
      const other = creds.authorization
      const description = other
        ? `The Authorization header uses the ${shown(other.scheme, 20)} scheme, not Digest`
        : 'The request carries no digest credentials'
      return { kind: 'missing', scheme, description }
    }
    const invalid = (code: InvalidCode, description: string, hint: string, extra?: Record<string, unknown>): AuthFailure => ({
      kind: 'invalid',
      scheme,
      code,
      description,
      hint,
      ...(extra ? { extra } : {}),
    })
    const malformed = (description: string) =>
      invalid(
        'DIGEST_CREDENTIALS_MALFORMED',
        description,
        'Answer the WWW-Authenticate Digest challenge as RFC 7616 says (curl --digest -u user:password does).',
      )
    const params = parseDigestParams(creds.authorization?.value ?? '')
    if (!params) return malformed('The Digest credentials are not a list of name=value or name="value" pairs')
    const absent = REQUIRED.filter((name) => !params.has(name))
    if (absent.length) return malformed(`The Digest credentials lack ${absent.join(', ')} (RFC 7616 section 3.4)`)
    const get = (name: (typeof REQUIRED)[number]) => params.get(name) ?? ''
    const algorithm = ALGORITHMS[(params.get('algorithm') ?? 'MD5').toLowerCase()]
    if (!algorithm) return malformed(`The Digest algorithm ${shown(params.get('algorithm'), 20)} is not one this server offers (SHA-256, MD5)`)
    if (get('qop') !== 'auth') return malformed(`The Digest qop is ${shown(get('qop'), 20)}; this server offers qop="auth" only`)
    if (!/^[0-9a-f]{8}$/i.test(get('nc'))) return malformed(`The Digest nonce count ${shown(get('nc'), 20)} is not 8 hexadecimal digits`)
    if (params.has('userhash') && params.get('userhash') !== 'false') return malformed('The Digest credentials use userhash, which this server did not offer')
    if (get('realm') !== this.#realm) {
      return invalid(
        'DIGEST_CREDENTIALS_INVALID',
        `The Digest realm is ${shown(get('realm'))}, not ${shown(this.#realm)}`,
        'Answer the challenge of this server.',
      )
    }
    const nonce = get('nonce')
    const issued = readNonce(nonce)
    if (!issued || params.get('opaque') !== OPAQUE) {
      return invalid(
        'DIGEST_NONCE_INVALID',
        issued ? 'The Digest opaque is not the one this server sent' : 'The Digest nonce was not issued by this server',
        'Answer the nonce and opaque of the latest WWW-Authenticate challenge.',
      )
    }
    const now = Date.now()
    if (now - issued.issuedMs > NONCE_LIFETIME_MS || issued.issuedMs > now + 1000) {
      return invalid(
        'DIGEST_NONCE_STALE',
        `The Digest nonce was issued ${Math.round((now - issued.issuedMs) / 1000)} s ago and is stale (nonces last ${NONCE_LIFETIME_MS / 1000} s)`,
        'Answer the fresh challenge in WWW-Authenticate (stale=true): the credentials were right, the nonce is old.',
      )
    }
    const target = request.url
    if (get('uri') !== target) {
      return invalid(
        'DIGEST_URI_MISMATCH',
        `The Digest uri ${shown(get('uri'))} is not the request target ${shown(target)}`,
        'Compute the credentials for the very request target sent (path and query).',
        { expected: target, received: get('uri') },
      )
    }
    const nc = parseInt(get('nc'), 16)
    const seen = this.#counts.get(nonce)
    if (seen && nc <= seen.nc) {
      return invalid(
        'DIGEST_NONCE_REPLAYED',
        `The Digest nonce count ${get('nc')} was already used with this nonce (the last was ${seen.nc.toString(16).padStart(8, '0')})`,
        'Send a higher nc with each request on the same nonce (RFC 7616 section 3.4), or answer a fresh challenge.',
      )
    }
    const users = Object.entries(this.#users)
    if (users.length > 0) {
      // Every user is hashed and compared, so the time tells neither which user exists nor how close the guess was.
      let ok = false
      for (const [user, password] of users) {
        const expected = responseFor(algorithm, {
          user,
          password,
          realm: this.#realm,
          method: request.method,
          uri: get('uri'),
          nonce,
          nc: get('nc'),
          cnonce: get('cnonce'),
        })
        const matches = safeEqual(get('username'), user) && safeEqual(get('response').toLowerCase(), expected)
        ok = matches || ok
      }
      if (!ok) {
        return invalid(
          'DIGEST_CREDENTIALS_INVALID',
          `The Digest response of user ${shown(get('username'), 40)} does not verify (unknown user or wrong password)`,
          'Send a user and password from auth.digest in the config.',
        )
      }
    }
    this.#remember(nonce, nc, issued.issuedMs, now)
    return undefined
  }

  #remember(nonce: string, nc: number, issuedMs: number, now: number): void {
    if (this.#counts.size >= 10_000) {
      for (const [key, value] of this.#counts) if (now - value.issuedMs > NONCE_LIFETIME_MS) this.#counts.delete(key)
    }
    this.#counts.set(nonce, { nc, issuedMs })
  }
}

/** RFC 7616 §3.4.1, qop=auth. */
export function responseFor(
  algorithm: Algorithm,
  p: { user: string; password: string; realm: string; method: string; uri: string; nonce: string; nc: string; cnonce: string },
): string {
  const hash = (text: string) =>
    createHash(algorithm.startsWith('MD5') ? 'md5' : 'sha256')
      .update(text, 'utf8')
      .digest('hex')
  let ha1 = hash(`${p.user}:${p.realm}:${p.password}`)
  if (algorithm.endsWith('-sess')) ha1 = hash(`${ha1}:${p.nonce}:${p.cnonce}`)
  const ha2 = hash(`${p.method}:${p.uri}`)
  return hash(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`)
}
