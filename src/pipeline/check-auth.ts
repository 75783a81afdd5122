import type { FastifyRequest } from 'fastify'
import { apiKeyPlace, checkApiKey } from '../auth/api-key.js'
import { checkBasic } from '../auth/basic.js'
import { checkBearer } from '../auth/bearer.js'
import { challengeFor, quotable, renderChallenges, type Challenge } from '../auth/challenge.js'
import { digestChallenges } from '../auth/digest.js'
import { Credentials } from '../auth/credentials.js'
import { checkMutualTls, refuseMutualTls } from '../auth/mutual-tls.js'
import type { AuthRuntime } from '../auth/runtime.js'
import type { Alternative, Scheme, SchemeRequirement } from '../auth/security.js'
import { furthest, type AuthFailure } from '../auth/verdict.js'
import { Problem } from '../problems/problem.js'
import type { Operation } from '../spec/route-table.js'
import { matchedOperation, type Stage } from './context.js'
import { ReusedRefusals } from './reused-refusals.js'

/**
 * Step 3. The operation's security requirements (OR of alternatives, each
 * an AND of schemes) against the credentials in the headers, query and
 * cookies. Header-only, so a 401 goes out instead of `100 Continue`.
 */
export const checkAuth: Stage = {
  name: 'auth',
  needsBody: false,
  run(ctx, request, mock) {
    const operation = matchedOperation(ctx)
    const alternatives = mock.auth.requirements.get(operation)
    // No security, `security: []`, or an empty requirement ({}) that makes credentials optional.
    if (operation === undefined || alternatives === undefined) return undefined
    const creds = new Credentials(request)
    let reported: AuthFailure | undefined
    for (const alternative of alternatives) {
      let failure: AuthFailure | undefined
      // AND: every scheme is checked, so the most telling failure among them is the one reported.
      for (const requirement of alternative) failure = furthest(failure, checkScheme(requirement, creds, mock.auth, request))
      if (failure === undefined) return undefined
      reported = furthest(reported, failure)
    }
    // No alternative to fail: an operation that lists none asks for no credentials.
    if (reported === undefined) return undefined
    return refuse(reported, alternatives, operation, mock.auth.realm)
  },
}

function checkScheme({ scheme, scopes }: SchemeRequirement, creds: Credentials, auth: AuthRuntime, request: FastifyRequest): AuthFailure | undefined {
  switch (scheme.kind) {
    case 'bearer':
      return checkBearer(scheme, scopes, creds, auth.bearer)
    case 'basic':
      return checkBasic(scheme, creds, auth.basicUsers)
    case 'apiKey':
      return checkApiKey(scheme, creds)
    case 'digest':
      return auth.digest.check(scheme, creds, request)
    case 'mutualTLS':
      return checkMutualTls(scheme, request)
    case 'unchecked':
      return undefined
  }
}

// A request without credentials gets the same 401 every time from one operation, and a token short of a scope the
// same 403: describing the schemes and rendering the challenges was most of their cost.
const refusals = new ReusedRefusals()

function refuse(failure: AuthFailure, alternatives: Alternative[], op: Operation, realm: string): Problem {
  const certificateRefusal = refuseMutualTls(failure, alternatives, op)
  if (certificateRefusal) return certificateRefusal
  const key = reusableKey(failure)
  // A Digest challenge carries a fresh nonce: such answers are never reused.
  if (key === undefined || hasDigest(alternatives)) return describeRefusal(failure, alternatives, op, realm)
  return refusals.get(op, key, () => describeRefusal(failure, alternatives, op, realm))
}

/** What makes one operation's refusal of this kind differ from another; undefined where it may say more (a token's times, a nonce). */
function reusableKey(failure: AuthFailure): string | undefined {
  if (failure.kind === 'missing') return `missing ${failure.scheme.name} ${failure.description}`
  if (failure.kind === 'scope') return `scope ${failure.scheme.name} ${failure.required.join(' ')} | ${failure.granted.join(' ')}`
  return undefined
}

function describeRefusal(failure: AuthFailure, alternatives: Alternative[], op: Operation, realm: string): Problem {
  const scheme = failure.scheme
  // mutualTLS and unchecked schemes have no challenge (and never get here: refuseMutualTls answers, unchecked never fails).
  const header = (...params: Challenge['params']): Record<string, string> => {
    const challenge = challengeFor(scheme, params)
    return challenge === undefined ? {} : { 'www-authenticate': renderChallenges(realm, [challenge]) }
  }
  switch (failure.kind) {
    case 'missing': {
      // RFC 6750 §3: no error attribute when the request carried no credentials; every accepted scheme is offered.
      const all = alternatives.flatMap((alt) => alt.map((r) => challengeFor(r.scheme))).filter((c) => c !== undefined)
      const bearer = alternatives.some((alt) => alt.some((r) => r.scheme.kind === 'bearer'))
      const digest = hasDigest(alternatives) ? digestChallenges(realm, quotable) : []
      return new Problem('AUTH_MISSING', {
        detail: `${op.label} needs ${describeAlternatives(alternatives)}; ${lowerFirst(failure.description)}.${bearer ? ' Mint a token with: doorman token' : ''}`,
        headers: { 'www-authenticate': [...digest, ...(all.length ? [renderChallenges(realm, all)] : [])].join(', ') },
        extra: { scheme: scheme.name, expected: alternatives.map((alt) => alt.map((r) => r.scheme.name).join(' + ')) },
      })
    }
    case 'malformed':
      return new Problem('AUTH_MALFORMED', {
        detail: `${failure.description}.`,
        headers: scheme.kind === 'bearer' ? header(['error', 'invalid_request'], ['error_description', failure.description]) : header(),
        extra: { scheme: scheme.name },
      })
    case 'invalid':
      return new Problem(failure.code, {
        detail: `${failure.description}. ${failure.hint}`,
        headers:
          scheme.kind === 'bearer'
            ? header(['error', 'invalid_token'], ['error_description', failure.description])
            : scheme.kind === 'digest'
              ? // RFC 7616 §3.3: every refusal carries a new challenge; stale=true when only the nonce was old.
                { 'www-authenticate': digestChallenges(realm, quotable, failure.code === 'DIGEST_NONCE_STALE').join(', ') }
              : header(),
        extra: { scheme: scheme.name, ...failure.extra },
      })
    case 'scope': {
      const missing = failure.required.filter((s) => !failure.granted.includes(s))
      const description = `The token lacks the scope ${missing.join(' ')}`
      const has = failure.granted.length ? `the token has ${failure.granted.join(' ')}` : 'the token has no scope'
      return new Problem('SCOPE_INSUFFICIENT', {
        detail: `${op.label} needs the scope ${failure.required.join(' ')}; ${has}. Mint one with: doorman token --scope "${failure.required.join(' ')}"`,
        // RFC 6750 §3: `scope` lists every scope the resource needs, not only the missing ones.
        headers: header(['error', 'insufficient_scope'], ['error_description', description], ['scope', failure.required.join(' ')]),
        extra: { scheme: scheme.name, expected: failure.required, received: failure.granted },
      })
    }
  }
}

/** 'a bearer token (bearerAuth) or an API key in the X-API-Key header (apiKeyAuth) together with …' */
function describeAlternatives(alternatives: Alternative[]): string {
  return alternatives.map((alt) => alt.map((r) => describeScheme(r.scheme, r.scopes)).join(' together with ')).join(', or ')
}

function describeScheme(scheme: Scheme, scopes: string[]): string {
  switch (scheme.kind) {
    case 'bearer':
      return `a bearer token${scopes.length ? ` with the scope ${scopes.join(' ')}` : ''} in 'Authorization: Bearer <token>' (${scheme.name})`
    case 'basic':
      return `HTTP basic credentials (${scheme.name})`
    case 'apiKey':
      return `an API key in ${apiKeyPlace(scheme)} (${scheme.name})`
    case 'digest':
      return `HTTP digest credentials (${scheme.name})`
    case 'mutualTLS':
      return `a client certificate issued by doorman's CA (${scheme.name})`
    case 'unchecked':
      return `credentials for ${scheme.name}`
  }
}

const hasDigest = (alternatives: Alternative[]) => alternatives.some((alt) => alt.some((r) => r.scheme.kind === 'digest'))

const lowerFirst = (text: string) => text[0].toLowerCase() + text.slice(1)
