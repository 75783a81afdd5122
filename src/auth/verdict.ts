import type { ProblemCode } from '../problems/catalog.js'
import type { Scheme } from './security.js'

/** The codes a presented-but-wrong credential can earn (all 401, but a client certificate's 403: src/auth/mutual-tls.ts). */
export type InvalidCode = Extract<
  ProblemCode,
  | 'TOKEN_INVALID'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_NOT_YET_VALID'
  | 'TOKEN_SIGNATURE_INVALID'
  | 'TOKEN_ALGORITHM_REJECTED'
  | 'TOKEN_KEY_UNKNOWN'
  | 'TOKEN_ISSUER_MISMATCH'
  | 'TOKEN_AUDIENCE_MISMATCH'
  | 'TOKEN_CLAIM_MISSING'
  | 'API_KEY_INVALID'
  | 'BASIC_CREDENTIALS_INVALID'
  | 'BASIC_CREDENTIALS_MALFORMED'
  | 'DIGEST_CREDENTIALS_MALFORMED'
  | 'DIGEST_CREDENTIALS_INVALID'
  | 'DIGEST_NONCE_INVALID'
  | 'DIGEST_NONCE_STALE'
  | 'DIGEST_NONCE_REPLAYED'
  | 'DIGEST_URI_MISMATCH'
  | 'MUTUAL_TLS_CERT_UNTRUSTED'
>

/**
 * Why one scheme did not let the request in. `description` is one clause
 * without a final period: it becomes the bearer `error_description` and the
 * start of the problem detail, so it never quotes a whole credential.
 */
export type AuthFailure =
  | { kind: 'missing'; scheme: Scheme; description: string }
  | { kind: 'malformed'; scheme: Scheme; description: string }
  | { kind: 'invalid'; scheme: Scheme; code: InvalidCode; description: string; hint: string; extra?: Record<string, unknown> }
  | { kind: 'scope'; scheme: Scheme; required: string[]; granted: string[] }

/**
 * When no alternative passes, the one that got furthest is reported: valid
 * credentials short of a scope beat wrong ones, which beat malformed ones,
 * which beat none at all (the client evidently meant that scheme).
 */
export const RANK: Record<AuthFailure['kind'], number> = { missing: 0, malformed: 1, invalid: 2, scope: 3 }

/** Of two failures, the one that got further (RANK): the one to report. */
export function furthest(a: AuthFailure | undefined, b: AuthFailure | undefined): AuthFailure | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return RANK[b.kind] > RANK[a.kind] ? b : a
}

/** Shown in messages: how long-lived values from the token appear (never the token itself). */
export function shown(value: unknown, max = 60): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
  return `'${text.length > max ? `${text.slice(0, max - 3)}...` : text}'`
}
