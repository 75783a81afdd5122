import { safeEqual } from './compare.js'
import type { Credentials } from './credentials.js'
import type { Scheme } from './security.js'
import { shown, type AuthFailure } from './verdict.js'

type BasicScheme = Extract<Scheme, { kind: 'basic' }>

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * HTTP basic (RFC 7617): `Authorization: Basic base64(user:password)`. With
 * no users configured, any well-formed pair passes.
 */
export function checkBasic(scheme: BasicScheme, creds: Credentials, users: Record<string, string>): AuthFailure | undefined {
  if (!creds.hasScheme('basic')) {
    const other = creds.authorization
    const description = other ? `The Authorization header uses the ${shown(other.scheme, 20)} scheme, not Basic` : 'The request carries no basic credentials'
    return { kind: 'missing', scheme, description }
  }
  const encoded = creds.authorization?.value ?? ''
  // RFC 7617 has no 400 (that is RFC 6750's invalid_request, for Bearer only): a malformed Basic credential is a
  // failed authentication, answered 401 with the Basic challenge like a wrong password, under its own code.
  const malformed = (description: string): AuthFailure => ({
    kind: 'invalid',
    scheme,
    code: 'BASIC_CREDENTIALS_MALFORMED',
    description,
    hint: "Send base64 of user:password after 'Basic ' (curl -u user:password does).",
  })
  if (encoded === '') return malformed('The Authorization header says Basic but no credentials follow')
  if (!BASE64.test(encoded)) return malformed('The basic credentials are not base64; send base64 of user:password (RFC 7617)')
  const decoded = Buffer.from(encoded, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon === -1) return malformed('The basic credentials decode to text without a colon; send base64 of user:password (RFC 7617)')
  const user = decoded.slice(0, colon)
  const password = decoded.slice(colon + 1)
  const entries = Object.entries(users)
  if (entries.length === 0) return undefined
  // Every pair is compared, user and password both, so timing tells neither which user exists nor how close the guess was.
  let ok = false
  for (const [u, p] of entries) {
    const userMatches = safeEqual(user, u)
    const passwordMatches = safeEqual(password, p)
    ok = (userMatches && passwordMatches) || ok
  }
  if (ok) return undefined
  return {
    kind: 'invalid',
    scheme,
    code: 'BASIC_CREDENTIALS_INVALID',
    description: `The basic credentials of user ${shown(user, 40)} are not accepted (unknown user or wrong password)`,
    hint: 'Send a user and password from auth.basic in the config.',
  }
}
