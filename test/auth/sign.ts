// Token helpers for the auth tests: signs the good, bad and ugly tokens the mock must tell apart.
import { readFileSync } from 'node:fs'
import { createSigner, type Algorithm } from 'fast-jwt'
import { fetchJson, fixture } from '../helpers.js'

/** The secret in fixtures/configs/auth-secret.yaml. */
export const SECRET = 'test-secret-not-for-production'
export const ISSUER = 'https://issuer.example'
export const AUDIENCE = 'orders-api'

export const now = () => Math.floor(Date.now() / 1000)

/** Claims that pass auth-secret.yaml's checks; override to break one. */
export const goodClaims = (extra: Record<string, unknown> = {}) => ({ sub: 'alice', iss: ISSUER, aud: AUDIENCE, exp: now() + 600, ...extra })

export function signHs(claims: Record<string, unknown>, options: { secret?: string; algorithm?: Algorithm } = {}): string {
  return createSigner({ key: options.secret ?? SECRET, algorithm: options.algorithm ?? 'HS256' })(claims)
}

/** Signs with a PEM private key from fixtures/keys/ (`rs256`, `es256`, `eddsa`, `untrusted`). */
export function signWithKey(name: string, algorithm: Algorithm, claims: Record<string, unknown>, kid?: string): string {
  const key = readFileSync(fixture('keys', `${name}.key.pem`), 'utf8')
  return createSigner({ key, algorithm, ...(kid === undefined ? {} : { kid }) })(claims)
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** A JWT with any header and payload, and no valid signature (`alg: none` and other forgeries). */
export function forge(header: Record<string, unknown>, payload: Record<string, unknown>, signature = ''): string {
  return `${b64url(header)}.${b64url(payload)}.${signature}`
}

/** GET/POST with the given headers; returns status, the WWW-Authenticate header and the problem body. */
export async function call(url: string, init: RequestInit = {}) {
  const { status, headers, body } = await fetchJson(url, init)
  return { status, challenge: headers.get('www-authenticate'), code: body?.code as string | undefined, body }
}

export const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })
