import type { JwtSettings, VerifyKey } from './config.js'
import { shown, type InvalidCode } from './verdict.js'

/** What the failing token said about itself, for the description. */
export interface JwtErrorContext {
  header: Record<string, unknown>
  payload: Record<string, unknown>
  key: VerifyKey
  settings: JwtSettings
  /** fast-jwt's own message: names the claim for claim errors. */
  message: string
}

export interface TokenFailure {
  code: InvalidCode
  description: string
  hint: string
  extra?: Record<string, unknown>
}

type Translate = (ctx: JwtErrorContext) => TokenFailure

const FRESH = 'Get a fresh token (doorman token mints one).'
const SIGN = 'Sign the token with the configured secret or key (doorman token --config FILE does).'

const iso = (seconds: unknown) => (typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : String(seconds))
const tolerance = (s: JwtSettings) => (s.clockToleranceMs ? ` (clock tolerance ${s.clockToleranceMs / 1000}s)` : '')
const claimIn = (message: string) => /\b(?:The|of) (\S+) claim/.exec(message)?.[1]

/** A token past its exp: from fast-jwt's check, or from presence mode's own (no signature to verify, but exp still holds). */
export function tokenExpired(payload: Record<string, unknown>, settings?: JwtSettings): TokenFailure {
  return {
    code: 'TOKEN_EXPIRED',
    description: `The token expired at ${iso(payload.exp)}${settings ? tolerance(settings) : ''}`,
    hint: FRESH,
    extra: { expiredAt: iso(payload.exp) },
  }
}

/** A token before its nbf (see tokenExpired). */
export function tokenNotYetValid(payload: Record<string, unknown>, settings?: JwtSettings): TokenFailure {
  return {
    code: 'TOKEN_NOT_YET_VALID',
    description: `The token is not valid before ${iso(payload.nbf)}${settings ? tolerance(settings) : ''}`,
    hint: "Wait until then, or mint a token without a not-before time; check the client's clock.",
    extra: { notBefore: iso(payload.nbf) },
  }
}

// issuerMismatch and audienceMismatch are alike in shape (`duplicates` pairs them) but differ in claim, code and hint: a shared
// builder would take five arguments and read worse than the two.
function issuerMismatch({ payload, settings }: JwtErrorContext): TokenFailure {
  const expected = settings.issuer ?? []
  return {
    code: 'TOKEN_ISSUER_MISMATCH',
    description: `${payload.iss === undefined ? 'The token has no iss claim' : `The token issuer is ${shown(payload.iss)}`}, expected ${expected.map((i) => shown(i)).join(' or ')}`,
    hint: 'Use a token from the expected issuer (doorman token sets it from the config).',
    extra: { expected, received: payload.iss ?? null },
  }
}

function audienceMismatch({ payload, settings }: JwtErrorContext): TokenFailure {
  const expected = settings.audience ?? []
  return {
    code: 'TOKEN_AUDIENCE_MISMATCH',
    description: `${payload.aud === undefined ? 'The token has no aud claim' : `The token audience is ${shown(payload.aud)}`}, expected ${expected.map((a) => shown(a)).join(' or ')}`,
    hint: 'Use a token issued for this API (doorman token --aud sets the audience).',
    extra: { expected, received: payload.aud ?? null },
  }
}

function claimValue(ctx: JwtErrorContext): TokenFailure {
  const claim = claimIn(ctx.message)
  if (claim === 'iss') return issuerMismatch(ctx)
  if (claim === 'aud') return audienceMismatch(ctx)
  return {
    code: 'TOKEN_INVALID',
    description: `The token ${claim ? `${claim} claim` : 'claims'} cannot be used: ${ctx.message.replace(/\.$/, '')}`,
    hint: FRESH,
  }
}

function missingClaim(ctx: JwtErrorContext): TokenFailure {
  const claim = claimIn(ctx.message) ?? 'a required'
  // doorman requires iss/aud whenever an issuer/audience is configured: a token without one is from elsewhere.
  if (claim === 'iss' && ctx.settings.issuer) return issuerMismatch(ctx)
  if (claim === 'aud' && ctx.settings.audience) return audienceMismatch(ctx)
  return {
    code: 'TOKEN_CLAIM_MISSING',
    description: `The token has no ${claim} claim, which this API requires`,
    hint: `Use a token that carries it (doorman token --claim ${claim}=...).`,
    extra: { expected: ctx.settings.requiredClaims },
  }
}

const invalid =
  (what: string): Translate =>
  (ctx) => ({
    code: 'TOKEN_INVALID',
    description: `The token ${what}: ${ctx.message.replace(/\.$/, '')}`,
    hint: FRESH,
  })

/**
 * fast-jwt's error codes → doorman's, in one table. Every TokenError ends up
 * as a 401: fast-jwt has no notion of HTTP, and left to itself these become
 * 500s. doorman verifies with `fastify.jwt.<namespace>.verify()`
 * (src/auth/jwt-host.ts), which throws fast-jwt's own TokenErrors unwrapped
 * (unlike `request.jwtVerify()`, whose FST_JWT_* wrappers would blur them), so
 * only FAST_JWT_* codes reach here.
 */
export const FAST_JWT_ERRORS: Record<string, Translate> = {
  FAST_JWT_EXPIRED: ({ payload, settings }) => tokenExpired(payload, settings),
  FAST_JWT_INACTIVE: ({ payload, settings }) => tokenNotYetValid(payload, settings),
  FAST_JWT_INVALID_ALGORITHM: ({ header, key }) => ({
    code: 'TOKEN_ALGORITHM_REJECTED',
    description: `The token is signed with ${shown(header.alg)}, but ${key.label} accepts only ${key.algorithms.join(', ')}`,
    hint: `Sign with ${key.algorithms.join(' or ')}.`,
    extra: { expected: key.algorithms, received: header.alg },
  }),
  FAST_JWT_INVALID_SIGNATURE: ({ key }) => ({
    code: 'TOKEN_SIGNATURE_INVALID',
    description: `The token signature does not verify with ${key.label}`,
    hint: SIGN,
  }),
  FAST_JWT_MISSING_SIGNATURE: () => ({ code: 'TOKEN_SIGNATURE_INVALID', description: 'The token has no signature', hint: SIGN }),
  FAST_JWT_VERIFY_ERROR: ({ key }) => ({
    code: 'TOKEN_SIGNATURE_INVALID',
    description: `The token signature cannot be checked with ${key.label}`,
    hint: SIGN,
  }),
  FAST_JWT_INVALID_KEY: ({ key, header }) => ({
    code: 'TOKEN_SIGNATURE_INVALID',
    description: `${key.label} cannot check a ${shown(header.alg)} signature`,
    hint: SIGN,
  }),
  FAST_JWT_MISSING_KEY: ({ header }) => ({
    code: 'TOKEN_KEY_UNKNOWN',
    description: `No key is configured for the token kid ${shown(header.kid)}`,
    hint: 'Use a kid from the configured JWKS.',
  }),
  FAST_JWT_KEY_FETCHING_ERROR: ({ header }) => ({
    code: 'TOKEN_KEY_UNKNOWN',
    description: `No key could be found for the token kid ${shown(header.kid)}`,
    hint: 'Use a kid from the configured JWKS.',
  }),
  FAST_JWT_MISSING_REQUIRED_CLAIM: missingClaim,
  FAST_JWT_INVALID_CLAIM_VALUE: claimValue,
  FAST_JWT_INVALID_CLAIM_TYPE: claimValue,
  FAST_JWT_MALFORMED: invalid('is not a well-formed JWT'),
  FAST_JWT_INVALID_TYPE: invalid('has the wrong type'),
  FAST_JWT_INVALID_PAYLOAD: invalid('payload is not a JSON object'),
  FAST_JWT_INVALID_CRIT_HEADER: invalid('crit header cannot be honoured'),
}

/** Any fast-jwt TokenError → a 401 failure; a code missing from the table is still TOKEN_INVALID, never a 500. */
export function translateJwtError(error: Error & { code?: string }, ctx: Omit<JwtErrorContext, 'message'>): TokenFailure {
  const translate = (error.code && FAST_JWT_ERRORS[error.code]) || invalid('was refused')
  return translate({ ...ctx, message: error.message })
}

export function isTokenError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code
  return error instanceof Error && typeof code === 'string' && code.startsWith('FAST_JWT_')
}
