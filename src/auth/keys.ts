import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { SetupError } from '../setup-error.js'

/** Every algorithm doorman verifies or signs with. `none` is deliberately absent: it never passes. */
export const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number]

export const SECRET_ALGORITHMS: readonly JwtAlgorithm[] = ['HS256', 'HS384', 'HS512']

const CURVE_ALGORITHM: Record<string, JwtAlgorithm> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' }
const CURVE_NAME: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' }

/** What an asymmetric key can sign or verify, the usual default first. */
export function algorithmsForKey(key: KeyObject): JwtAlgorithm[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512']
    case 'ec': {
      const alg = CURVE_ALGORITHM[key.asymmetricKeyDetails?.namedCurve ?? '']
      return alg ? [alg] : []
    }
    case 'ed25519':
      return ['EdDSA']
    default:
      return []
  }
}

/** 'an RSA key', 'an EC P-256 key', 'an Ed25519 key': for messages. */
export function describeKey(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return 'an RSA key'
    case 'ec':
      return `an EC ${CURVE_NAME[key.asymmetricKeyDetails?.namedCurve ?? ''] ?? key.asymmetricKeyDetails?.namedCurve ?? ''} key`
    case 'ed25519':
      return 'an Ed25519 key'
    default:
      return `a ${key.asymmetricKeyType ?? 'symmetric'} key`
  }
}

/** Where a key setting sits: SetupErrors name the config file, the key path in it and the key file. */
export interface KeyLocation {
  configFile: string | undefined
  baseDir: string
  location: string
}

function readKeyText(ref: string, what: string, where: KeyLocation): { text: string; shown: string } {
  const full = path.resolve(where.baseDir, ref)
  const shown = path.relative(process.cwd(), full) || full
  try {
    return { text: readFileSync(full, 'utf8'), shown }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message
    throw new SetupError(`cannot read the ${what} file '${shown}': ${reason} (paths are relative to the config file)`, {
      file: where.configFile,
      location: where.location,
    })
  }
}

/** A PEM file (SPKI/PKCS#1/X.509 for public keys, PKCS#8/SEC1/PKCS#1 for private ones). */
export function readPemKey(ref: string, kind: 'public' | 'private', where: KeyLocation): KeyObject {
  const { text, shown } = readKeyText(ref, `${kind} key`, where)
  let key: KeyObject
  try {
    key = kind === 'public' ? createPublicKey(text) : createPrivateKey(text)
  } catch (error) {
    throw new SetupError(`'${shown}' is not a PEM ${kind} key (${(error as Error).message})`, {
      file: where.configFile,
      location: where.location,
    })
  }
  if (algorithmsForKey(key).length === 0) {
    throw new SetupError(`'${shown}' holds ${describeKey(key)}, which no JWT algorithm doorman supports can use`, {
      file: where.configFile,
      location: where.location,
    })
  }
  return key
}

export interface JwksKey {
  kid: string | undefined
  key: KeyObject
  /** The JWK's own `alg`, when it names one. */
  alg: JwtAlgorithm | undefined
}

/** A JWKS file (`{ "keys": [...] }`); keys meant for encryption (`use: enc`) are left out. */
export function readJwks(ref: string, where: KeyLocation): JwksKey[] {
  const { text, shown } = readKeyText(ref, 'JWKS', where)
  const fail = (problem: string) => new SetupError(`'${shown}': ${problem}`, { file: where.configFile, location: where.location })
  let document: { keys?: unknown }
  try {
    document = JSON.parse(text) as { keys?: unknown }
  } catch (error) {
    throw fail(`not valid JSON (${(error as Error).message})`)
  }
  if (!Array.isArray(document?.keys)) throw fail("a JWKS is an object with a 'keys' array")
  const keys: JwksKey[] = []
  const kids = new Set<string>()
  document.keys.forEach((jwk: JsonWebKey & { kid?: string; use?: string; alg?: string }, i: number) => {
    if (jwk?.use === 'enc') return
    const name = jwk?.kid === undefined ? `keys[${i}]` : `key '${jwk.kid}'`
    if (jwk?.kty === 'oct') throw fail(`${name} is a symmetric (oct) key; put a shared secret in auth.bearer.jwt.secret instead`)
    let key: KeyObject
    try {
      key = createPublicKey({ key: jwk, format: 'jwk' })
    } catch (error) {
      throw fail(`${name} is not a usable public JWK (${(error as Error).message})`)
    }
    if (jwk.alg !== undefined && !(JWT_ALGORITHMS as readonly string[]).includes(jwk.alg)) {
      throw fail(`${name} has alg '${jwk.alg}'; doorman verifies ${JWT_ALGORITHMS.join(', ')}`)
    }
    if (jwk.kid !== undefined) {
      if (kids.has(jwk.kid)) throw fail(`two keys have the kid '${jwk.kid}'; a token's kid must pick one key`)
      kids.add(jwk.kid)
    }
    keys.push({ kid: jwk.kid, key, alg: jwk.alg as JwtAlgorithm | undefined })
  })
  if (keys.length === 0) throw fail('the JWKS has no signing keys')
  return keys
}

/** True when `privateKey` is the other half of `publicKey`. */
export function isPairOf(privateKey: KeyObject, publicKey: KeyObject): boolean {
  return createPublicKey(privateKey).equals(publicKey)
}

export function pem(key: KeyObject): string {
  return key.type === 'private' ? (key.export({ type: 'pkcs8', format: 'pem' }) as string) : (key.export({ type: 'spki', format: 'pem' }) as string)
}
