/**
 * OpenAPI 3.1 `mutualTLS` security schemes: the request must come over TLS
 * with a client certificate issued by doorman's CA (`doorman tls client-cert`
 * mints one). Over plain HTTP there is no certificate to check: requests
 * pass, and start-up says so.
 *
 * No HTTP challenge asks for a TLS certificate, so a request that needs only
 * mutualTLS is refused with 403 (as IIS's 403.7 and 403.16 do), not a 401
 * that would have to carry a WWW-Authenticate header.
 */
import type { FastifyRequest } from 'fastify'
import type { MockState } from '../mock-state.js'
import { Problem } from '../problems/problem.js'
import type { Note } from '../spec/notes.js'
import type { Operation } from '../spec/route-table.js'
import { tlsFactsOf } from '../tls/facts.js'
import type { Alternative, Scheme } from './security.js'
import type { AuthFailure } from './verdict.js'

type MutualTlsScheme = Extract<Scheme, { kind: 'mutualTLS' }>

export function checkMutualTls(scheme: MutualTlsScheme, request: FastifyRequest): AuthFailure | undefined {
  const socket = request.raw.socket as (typeof request.raw.socket & { encrypted?: boolean }) | undefined
  // Plain HTTP (or inject()): nothing to check; the start-up note says these pass.
  if (socket?.encrypted !== true) return undefined
  const certificate = tlsFactsOf(socket)?.clientCertificate
  if (certificate === undefined) {
    return { kind: 'missing', scheme, description: `The request came over TLS without a client certificate (the mutualTLS scheme ${scheme.name})` }
  }
  if (certificate.trusted) return undefined
  return {
    kind: 'invalid',
    scheme,
    code: 'MUTUAL_TLS_CERT_UNTRUSTED',
    description: `The client certificate '${certificate.subject}' (issued by '${certificate.issuer}') is not trusted: ${certificate.reason ?? "it does not chain to doorman's CA"}`,
    hint: "Present a client certificate issued by doorman's CA: doorman tls client-cert mints one.",
    extra: { received: certificate.subject },
  }
}

/**
 * The refusal when the failure that got furthest is a mutualTLS one and no
 * other scheme of the operation can be challenged for; undefined leaves the
 * usual 401 (whose challenges name the other schemes).
 */
export function refuseMutualTls(failure: AuthFailure, alternatives: Alternative[], op: Operation): Problem | undefined {
  if (failure.scheme.kind !== 'mutualTLS') return undefined
  if (failure.kind === 'invalid') {
    return new Problem('MUTUAL_TLS_CERT_UNTRUSTED', {
      detail: `${failure.description}. ${failure.hint}`,
      extra: { scheme: failure.scheme.name, ...failure.extra },
    })
  }
  const challengeable = alternatives.some((alt) => alt.some((r) => r.scheme.kind !== 'mutualTLS' && r.scheme.kind !== 'unchecked'))
  if (challengeable || failure.kind !== 'missing') return undefined
  return new Problem('MUTUAL_TLS_CERT_MISSING', {
    detail: `${op.label} needs a client certificate issued by doorman's CA (the mutualTLS scheme ${failure.scheme.name}), and the connection presented none. Mint one with: doorman tls client-cert`,
    extra: { scheme: failure.scheme.name, expected: "a client certificate issued by doorman's CA" },
  })
}

/** Without TLS there is no client certificate to check: the operations that need one pass, and start-up says so. */
export function mutualTlsNote(state: MockState): Note[] {
  const names = new Set<string>()
  for (const alternatives of state.auth.requirements.values()) {
    for (const alternative of alternatives) for (const { scheme } of alternative) if (scheme.kind === 'mutualTLS') names.add(scheme.name)
  }
  if (names.size === 0) return []
  return [
    {
      kind: 'auth',
      where: '',
      message: `mutualTLS (${[...names].join(', ')}) is checked on HTTPS listeners only: start with --tls (library: tls: true); over plain HTTP, requests that need it pass.`,
    },
  ]
}
