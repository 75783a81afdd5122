import type { ErrorObject } from 'ajv'
import { inputValidator } from '../util/input-validator.js'
import { DURATION_HINT } from './duration.js'

/** Claims one minted token may carry, and how long a string claim may be: a token goes into every request's headers. */
export const MAX_TOKEN_CLAIMS = 100
const MAX_CLAIM_LENGTH = 4096

const stringOrList = {
  anyOf: [
    { type: 'string', maxLength: MAX_CLAIM_LENGTH },
    { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 256 } },
  ],
}
const numericDate = { type: 'integer', minimum: 0, maximum: 253402300799 }
const duration = { anyOf: [{ type: 'string', maxLength: 64 }, { type: 'number' }] }

/**
 * What POST /__doorman/tokens (and mock.tokens.sign) takes: any claims, with the registered ones
 * (RFC 7519 §4.1) of the type a verifier expects, plus `expiresIn`/`notBefore` durations. A wrong
 * type was once a 500 (`{"exp": "x"}` made the signer throw).
 */
const TOKEN_INPUT_SCHEMA = {
  type: 'object',
  maxProperties: MAX_TOKEN_CLAIMS,
  properties: {
    iss: { type: 'string', maxLength: MAX_CLAIM_LENGTH },
    sub: { type: 'string', maxLength: MAX_CLAIM_LENGTH },
    aud: stringOrList,
    exp: numericDate,
    nbf: numericDate,
    iat: numericDate,
    jti: { type: 'string', maxLength: MAX_CLAIM_LENGTH },
    scope: stringOrList,
    expiresIn: duration,
    notBefore: duration,
  },
}

const validateInput = inputValidator(TOKEN_INPUT_SCHEMA)

/** The first thing wrong with a token request, with its JSON pointer; undefined when it is fine. */
export function checkTokenInput(input: unknown): { pointer: string; message: string } | undefined {
  const validate = validateInput()
  if (validate(input)) return undefined
  const errors = validate.errors ?? []
  const error = errors.find((e) => e.keyword !== 'anyOf') ?? errors[0]
  return { pointer: error.instancePath, message: describe(error) }
}

function describe(error: ErrorObject): string {
  const at = error.instancePath || '/'
  const claim = error.instancePath.slice(1)
  if (error.keyword === 'maxProperties') return `${at}: at most ${MAX_TOKEN_CLAIMS} claims`
  if (['exp', 'nbf', 'iat'].includes(claim)) {
    return `${at}: '${claim}' is a NumericDate, seconds since 1970 as an integer (${Math.floor(Date.now() / 1000)} is now); or send expiresIn/notBefore as a duration such as "15m"`
  }
  if (claim === 'expiresIn' || claim === 'notBefore') return `${at}: ${claim} must be ${DURATION_HINT}`
  if (claim === 'aud' || claim === 'scope' || /^(aud|scope)\/\d+$/.test(claim)) return `${at}: a string, or a list of strings`
  return `${at}: ${error.message ?? 'is not valid'}`
}
