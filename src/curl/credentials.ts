import type { AuthRuntime } from '../auth/runtime.js'
import type { Alternative, SchemeRequirement } from '../auth/security.js'
import type { ResolvedAuth } from '../auth/config.js'
import type { ProblemCode } from '../problems/catalog.js'
import { SetupError } from '../setup-error.js'

/** Where credentials go in a request: headers, query parameters, cookies. */
export interface CredentialsToSend {
  headers: Array<[string, string]>
  query: Array<[string, string]>
  cookies: Array<[string, string]>
}

/** A refusal the auth step gives, and the credentials that earn it. */
export interface AuthRefusal {
  title: string
  status: number
  code: ProblemCode
  credentials: CredentialsToSend
}

export interface AuthPlan {
  /** Credentials that pass (empty when the operation needs none). */
  valid: CredentialsToSend
  refusals: AuthRefusal[]
  /** Why no credentials that pass could be made, when that is so (the valid request is then refused too). */
  problem?: string
}

/** A key or password that passes presence mode (nothing configured): any non-empty key, any well-formed user:password. */
const DEMO_KEY = 'doorman-demo-key'
const DEMO_USER: [string, string] = ['demo', 'demo']

const none = (): CredentialsToSend => ({ headers: [], query: [], cookies: [] })

/**
 * Credentials for one operation: the first security alternative doorman can
 * satisfy (tokens it mints, keys and users from the config, or placeholders
 * that pass when nothing is configured), and the refusals around it — none,
 * an expired token, a token short of a scope, a wrong key or password, a
 * malformed basic header — each predicted the way the auth step decides
 * (the alternative that got furthest is reported, src/auth/verdict.ts).
 */
export function planAuth(given: Alternative[] | undefined, auth: AuthRuntime, config: ResolvedAuth, overTls: boolean): AuthPlan {
  // No security, `security: []`, or an empty requirement ({}) that makes credentials optional.
  if (given === undefined) return { valid: none(), refusals: [] }
  // mutualTLS is checked on HTTPS listeners only: over plain HTTP, the auth step lets it pass (src/auth/mutual-tls.ts).
  const alternatives = overTls ? given : given.map((alt) => alt.filter((r) => r.scheme.kind !== 'mutualTLS'))
  // An alternative made only of schemes doorman cannot check lets every request in.
  if (alternatives.some((alt) => alt.every((r) => r.scheme.kind === 'unchecked'))) return { valid: none(), refusals: [] }

  let reason = 'no security alternative can be satisfied'
  for (const alternative of alternatives) {
    const built = satisfy(alternative, auth, config)
    if (typeof built === 'string') {
      reason = built
      continue
    }
    return { valid: built, refusals: [...refusalsFor(alternative, built, auth, config), ...otherWaysIn(alternatives, alternative, auth, config)] }
  }
  const refusals: AuthRefusal[] = [{ title: 'no credentials', status: 401, code: 'AUTH_MISSING', credentials: none() }]
  return { valid: none(), refusals, problem: reason }
}

/** The credentials that pass every scheme of one alternative, or why they cannot be made. */
function satisfy(alternative: Alternative, auth: AuthRuntime, config: ResolvedAuth): CredentialsToSend | string {
  const out = none()
  let authorization: string | undefined
  for (const requirement of alternative) {
    const { scheme } = requirement
    switch (scheme.kind) {
      case 'bearer': {
        const token = bearerToken(requirement, auth, config)
        if (token.problem !== undefined) return token.problem
        if (authorization !== undefined) return 'two schemes of one requirement both need the Authorization header'
        authorization = `Bearer ${token.token}`
        break
      }
      case 'basic': {
        if (authorization !== undefined) return 'two schemes of one requirement both need the Authorization header'
        const [user, password] = Object.entries(config.basic)[0] ?? DEMO_USER
        authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
        break
      }
      case 'apiKey': {
        const key = scheme.keys?.[0] ?? DEMO_KEY
        if (scheme.in === 'header') out.headers.push([scheme.param, key])
        else if (scheme.in === 'query') out.query.push([scheme.param, key])
        else out.cookies.push([scheme.param, key])
        break
      }
      case 'digest':
        // A Digest response answers the nonce of a live 401: no fixed header can carry it.
        return 'digest credentials answer a nonce the running server issues: send them with curl --digest -u user:password'
      case 'unchecked':
        break
    }
  }
  if (authorization !== undefined) out.headers.unshift(['Authorization', authorization])
  return out
}

function bearerToken(requirement: SchemeRequirement, auth: AuthRuntime, config: ResolvedAuth): { token: string; problem?: undefined } | { problem: string } {
  // Only opaque tokens accepted: the first that carries the scopes (a token of the list form carries every scope).
  if (config.jwt === undefined && config.tokens.length > 0) {
    const fits = config.tokens.find((token) => {
      const granted = config.tokenGrants.get(token)?.scopes
      return granted === undefined || requirement.scopes.every((s) => granted.includes(s))
    })
    if (fits !== undefined) return { token: fits }
    return { problem: `no token in auth.bearer.tokens carries the scope ${requirement.scopes.join(' ')}` }
  }
  try {
    return { token: mint(auth, requirement.scopes, '1h') }
  } catch (error) {
    if (error instanceof SetupError) return { problem: error.message }
    throw error
  }
}

function mint(auth: AuthRuntime, scopes: string[], expiresIn: string): string {
  return auth.tokens.sign({ sub: 'doorman-curl', ...(scopes.length ? { scope: scopes.join(' ') } : {}) }, { expiresIn })
}

/**
 * The refusals of the other alternatives too, where each is one scheme used
 * nowhere else (`headerKey` OR `basic`): sent alone, its credential leaves
 * every other alternative with none, and a wrong credential (401) or a
 * malformed one (400) is reported over a missing one.
 */
function otherWaysIn(alternatives: Alternative[], chosen: Alternative, auth: AuthRuntime, config: ResolvedAuth): AuthRefusal[] {
  const out: AuthRefusal[] = []
  for (const alternative of alternatives) {
    if (alternative === chosen || alternative.length !== 1) continue
    const { scheme } = alternative[0]
    const shared = alternatives.some((other) => other !== alternative && other.some((r) => r.scheme.name === scheme.name))
    const credentials = shared ? undefined : satisfy(alternative, auth, config)
    if (credentials === undefined || typeof credentials === 'string') continue
    for (const refusal of refusalsFor(alternative, credentials, auth, config).slice(1))
      out.push({ ...refusal, title: `${refusal.title} (${scheme.name}, the other way in)` })
  }
  return out
}

function refusalsFor(alternative: Alternative, valid: CredentialsToSend, auth: AuthRuntime, config: ResolvedAuth): AuthRefusal[] {
  const refusals: AuthRefusal[] = [{ title: 'no credentials', status: 401, code: 'AUTH_MISSING', credentials: none() }]
  const withAuthorization = (value: string): CredentialsToSend => ({
    ...valid,
    headers: valid.headers.map(([name, v]): [string, string] => (name === 'Authorization' ? [name, value] : [name, v])),
  })
  for (const requirement of alternative) {
    const { scheme, scopes } = requirement
    if (scheme.kind === 'bearer' && !(config.jwt === undefined && config.tokens.length > 0)) {
      refusals.push({ title: 'an expired token', status: 401, code: 'TOKEN_EXPIRED', credentials: withAuthorization(`Bearer ${mint(auth, scopes, '-5m')}`) })
      if (scopes.length > 0) {
        refusals.push({
          title: `a token without the scope ${scopes.join(' ')}`,
          status: 403,
          code: 'SCOPE_INSUFFICIENT',
          credentials: withAuthorization(`Bearer ${mint(auth, [], '1h')}`),
        })
      }
    }
    if (scheme.kind === 'bearer' && config.jwt === undefined && scopes.length > 0) {
      // Opaque tokens only: a scoped one short of the operation's scopes shows the 403.
      const short = config.tokens.find((token) => {
        const granted = config.tokenGrants.get(token)?.scopes
        return granted !== undefined && !scopes.every((s) => granted.includes(s))
      })
      if (short !== undefined) {
        refusals.push({
          title: `an opaque token without the scope ${scopes.join(' ')}`,
          status: 403,
          code: 'SCOPE_INSUFFICIENT',
          credentials: withAuthorization(`Bearer ${short}`),
        })
      }
    }
    if (scheme.kind === 'basic') {
      refusals.push({
        title: 'basic credentials that are not base64',
        status: 401,
        code: 'BASIC_CREDENTIALS_MALFORMED',
        credentials: withAuthorization('Basic not*base64'),
      })
      const [user] = Object.keys(config.basic)
      if (user !== undefined) {
        const wrong = Buffer.from(`${user}:wrong-password`).toString('base64')
        refusals.push({
          title: `a wrong password for ${user}`,
          status: 401,
          code: 'BASIC_CREDENTIALS_INVALID',
          credentials: withAuthorization(`Basic ${wrong}`),
        })
      }
    }
    if (scheme.kind === 'apiKey' && scheme.keys !== undefined) {
      const swap = (list: Array<[string, string]>) => list.map(([name, v]): [string, string] => (name === scheme.param ? [name, 'wrong-key'] : [name, v]))
      const credentials =
        scheme.in === 'header'
          ? { ...valid, headers: swap(valid.headers) }
          : scheme.in === 'query'
            ? { ...valid, query: swap(valid.query) }
            : { ...valid, cookies: swap(valid.cookies) }
      refusals.push({ title: `a wrong API key in ${scheme.param}`, status: 401, code: 'API_KEY_INVALID', credentials })
    }
  }
  return refusals
}
