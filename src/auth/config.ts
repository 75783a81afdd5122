import { SetupError } from '../setup-error.js'
import { DURATION_HINT, parseDuration } from './duration.js'
import {
  algorithmsForKey,
  describeKey,
  isPairOf,
  JWT_ALGORITHMS,
  pem,
  readJwks,
  readPemKey,
  SECRET_ALGORITHMS,
  type JwtAlgorithm,
  type KeyLocation,
} from './keys.js'

/** `auth` in the config file. See docs/auth.md. */
export interface AuthConfig {
  /** `realm` of every WWW-Authenticate challenge. Default: the spec's info.title. */
  realm?: string
  bearer?: {
    jwt?: {
      /** Shared secret for HS256/384/512. */
      secret?: string
      /** PEM public key file (RS*, PS*, ES*, EdDSA), relative to the config file. */
      publicKey?: string
      /** JWKS file; the token's `kid` picks the key. */
      jwks?: string
      /** PEM private key file, for minting tokens (`doorman token`) with publicKey or jwks. */
      privateKey?: string
      /** Accepted algorithms. Default: HS256 for a secret, the key's own algorithm (RS256, ES256, EdDSA …) otherwise. */
      algorithms?: string[]
      /** Accepted `iss` value(s). */
      issuer?: string | string[]
      /** Accepted `aud` value(s): the token must carry one of them. */
      audience?: string | string[]
      /** Leeway for `exp` and `nbf`: seconds, or a duration such as '30s'. Default 0. */
      clockTolerance?: number | string
      /** Claims every token must carry. */
      requiredClaims?: string[]
    }
    /**
     * Opaque tokens accepted as they are: a list (each with every scope), or
     * token → { scopes, sub } (only those scopes, so a 403 can be tested).
     */
    tokens?: string[] | Record<string, OpaqueTokenGrant>
  }
  /** Accepted keys by securityScheme name. */
  apiKeys?: Record<string, string[]>
  /** Accepted HTTP basic credentials: user → password. */
  basic?: Record<string, string>
  /** Accepted HTTP digest credentials (RFC 7616): user → password. Without it, any well-formed Digest credential passes. */
  digest?: Record<string, string>
}

const stringList = { type: 'array', items: { type: 'string', minLength: 1 } } as const

/** What an opaque token in the object form of `auth.bearer.tokens` grants. */
export interface OpaqueTokenGrant {
  /** The scopes the token carries; absent: every scope, as in the list form. */
  scopes?: string[]
  /** The subject, for the journal and for a handler's view of the caller. */
  sub?: string
}

/** The `auth` part of the config JSON Schema. */
// JSON Schema is data: its objects are alike in shape to src/config.ts's (`duplicates` pairs them), not logic to share.
export const AUTH_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    realm: { type: 'string', minLength: 1 },
    bearer: {
      type: 'object',
      additionalProperties: false,
      properties: {
        jwt: {
          type: 'object',
          additionalProperties: false,
          properties: {
            secret: { type: 'string', minLength: 1 },
            publicKey: { type: 'string', minLength: 1 },
            jwks: { type: 'string', minLength: 1 },
            privateKey: { type: 'string', minLength: 1 },
            algorithms: { type: 'array', minItems: 1, items: { enum: [...JWT_ALGORITHMS] } },
            issuer: { type: ['string', 'array'], minLength: 1, items: { type: 'string', minLength: 1 } },
            audience: { type: ['string', 'array'], minLength: 1, items: { type: 'string', minLength: 1 } },
            clockTolerance: { type: ['number', 'string'], minimum: 0 },
            requiredClaims: stringList,
          },
        },
        tokens: {
          oneOf: [
            stringList,
            {
              type: 'object',
              propertyNames: { minLength: 1 },
              additionalProperties: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  scopes: { type: 'array', items: { type: 'string', pattern: '^[\\x21\\x23-\\x5b\\x5d-\\x7e]+$' } },
                  sub: { type: 'string' },
                },
              },
            },
          ],
        },
      },
    },
    apiKeys: { type: 'object', additionalProperties: stringList },
    basic: { type: 'object', additionalProperties: { type: 'string' } },
    digest: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const

/** A key that verifies tokens; `kid` only for JWKS keys. */
export interface VerifyKey {
  kid: string | undefined
  /** A shared secret or a SPKI PEM: what fast-jwt takes. */
  material: string
  /** The pinned algorithms this key can check. */
  algorithms: JwtAlgorithm[]
  /** 'the secret', 'an RSA key' … for messages. */
  label: string
}

export interface SigningKey {
  material: string
  algorithm: JwtAlgorithm
  kid: string | undefined
}

export interface JwtSettings {
  source: 'secret' | 'publicKey' | 'jwks'
  keys: VerifyKey[]
  /** Undefined when only a public key is configured: verify mode, no minting. */
  signing: SigningKey | undefined
  algorithms: JwtAlgorithm[]
  issuer: string[] | undefined
  audience: string[] | undefined
  clockToleranceMs: number
  requiredClaims: string[]
}

export interface ResolvedAuth {
  realm: string | undefined
  /** Undefined when no `auth.bearer.jwt` is configured. */
  jwt: JwtSettings | undefined
  /** Every accepted opaque token. */
  tokens: string[]
  /** Opaque tokens with their own scopes (the object form); a token not here carries every scope. */
  tokenGrants: Map<string, OpaqueTokenGrant>
  apiKeys: Record<string, string[]>
  basic: Record<string, string>
  digest: Record<string, string>
  /** The config file, for errors found once the spec is known (unknown scheme names). */
  configFile: string | undefined
  /** Said at start-up: private key files other users can read. */
  warnings: string[]
}

/** Checks what the schema cannot (one key source, algorithms that fit the key) and reads the key files. */
export function resolveAuth(input: AuthConfig | undefined, where: { file: string | undefined; baseDir: string }): ResolvedAuth {
  const auth = input ?? {}
  const warnings: string[] = []
  return {
    realm: auth.realm,
    jwt: auth.bearer?.jwt ? resolveJwt(auth.bearer.jwt, { ...where, warnings }) : undefined,
    ...readOpaqueTokens(auth.bearer?.tokens),
    apiKeys: auth.apiKeys ?? {},
    basic: auth.basic ?? {},
    digest: auth.digest ?? {},
    configFile: where.file,
    warnings,
  }
}

function readOpaqueTokens(tokens: NonNullable<AuthConfig['bearer']>['tokens']): {
  tokens: string[]
  tokenGrants: Map<string, OpaqueTokenGrant>
} {
  if (tokens === undefined) return { tokens: [], tokenGrants: new Map() }
  if (Array.isArray(tokens)) return { tokens, tokenGrants: new Map() }
  // A grant without scopes carries every scope, as in the list form: only the scoped ones are checked.
  const grants = new Map(Object.entries(tokens).filter(([, grant]) => grant.scopes !== undefined))
  return { tokens: Object.keys(tokens), tokenGrants: grants }
}

type JwtInput = NonNullable<NonNullable<AuthConfig['bearer']>['jwt']>

function resolveJwt(jwt: JwtInput, where: { file: string | undefined; baseDir: string; warnings: string[] }): JwtSettings {
  const at = (key: string): KeyLocation => ({ configFile: where.file, baseDir: where.baseDir, location: `/auth/bearer/jwt/${key}`, warnings: where.warnings })
  const fail = (key: string, problem: string) => new SetupError(problem, { file: where.file, location: `/auth/bearer/jwt${key ? `/${key}` : ''}` })

  // Each key source with its value, so that the one chosen comes with its value typed as set.
  const given = (['secret', 'publicKey', 'jwks'] as const).flatMap((source) => {
    const ref = jwt[source]
    return ref === undefined ? [] : [{ source, ref }]
  })
  const sources = given.map((g) => g.source)
  if (sources.length !== 1) {
    throw fail(
      '',
      sources.length === 0 ? 'needs one of secret (HS*), publicKey (a PEM file) or jwks (a JWKS file)' : `has both ${sources.join(' and ')}; keep one of them`,
    )
  }
  const { source, ref } = given[0]
  if (source === 'secret' && jwt.privateKey !== undefined) {
    throw fail('privateKey', 'a privateKey goes with publicKey or jwks; with a secret, tokens are signed with the secret')
  }
  const pinned = jwt.algorithms as JwtAlgorithm[] | undefined
  const tolerance = parseDuration(jwt.clockTolerance ?? 0)
  if (tolerance === undefined || tolerance < 0) throw fail('clockTolerance', `must be ${DURATION_HINT}, not '${jwt.clockTolerance}'`)

  let keys: VerifyKey[]
  let signing: SigningKey | undefined
  if (source === 'secret') {
    const algorithms = pinned ?? ['HS256']
    const unfit = algorithms.filter((alg) => !SECRET_ALGORITHMS.includes(alg))
    if (unfit.length) throw fail('algorithms', `${unfit.join(', ')} cannot be checked with a secret; use publicKey or jwks for them, or pin HS256/HS384/HS512`)
    keys = [{ kid: undefined, material: ref, algorithms, label: 'the configured secret' }]
    signing = { material: ref, algorithm: algorithms[0], kid: undefined }
  } else {
    const found = source === 'publicKey' ? [{ kid: undefined, key: readPemKey(ref, 'public', at('publicKey')), alg: undefined }] : readJwks(ref, at('jwks'))
    keys = found.map(({ kid, key, alg }) => {
      const fits = algorithmsForKey(key).filter((a) => alg === undefined || a === alg)
      const algorithms = pinned ? fits.filter((a) => pinned.includes(a)) : fits.slice(0, 1)
      return { kid, material: pem(key), algorithms, label: kid === undefined ? describeKey(key) : `key '${kid}' (${describeKey(key).replace(/^an? /, '')})` }
    })
    for (const alg of pinned ?? []) {
      if (!keys.some((k) => k.algorithms.includes(alg))) {
        throw fail('algorithms', `${alg} fits no configured key (${keys.map((k) => k.label).join(', ')})`)
      }
    }
    if (jwt.privateKey !== undefined) {
      const privateKey = readPemKey(jwt.privateKey, 'private', at('privateKey'))
      const index = found.findIndex((f) => isPairOf(privateKey, f.key))
      if (index === -1) {
        throw fail('privateKey', source === 'publicKey' ? 'is not the private half of publicKey' : 'matches no key in the JWKS')
      }
      const key = keys[index]
      if (key.algorithms.length === 0) throw fail('privateKey', `its key (${key.label}) fits none of the pinned algorithms`)
      signing = { material: pem(privateKey), algorithm: key.algorithms[0], kid: key.kid }
    }
  }
  const algorithms = [...new Set(keys.flatMap((k) => k.algorithms))]
  return {
    source,
    keys,
    signing,
    algorithms,
    issuer: jwt.issuer === undefined ? undefined : [jwt.issuer].flat(),
    audience: jwt.audience === undefined ? undefined : [jwt.audience].flat(),
    clockToleranceMs: tolerance,
    requiredClaims: jwt.requiredClaims ?? [],
  }
}
