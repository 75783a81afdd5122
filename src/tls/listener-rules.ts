import type { Socket } from 'node:net'
import { Problem } from '../problems/problem.js'
import { tlsFactsOf } from './facts.js'

/**
 * The `tls` step for a request that did arrive: the client-cert-optional
 * listener lets the handshake complete without a client certificate, then
 * refuses every request on that connection with a problem naming the missing
 * or untrusted certificate (what a server that checks certificates in HTTP,
 * not in the handshake, does). Undefined everywhere else.
 */
export function listenerRefusal(socket: (Socket & { encrypted?: boolean }) | undefined): Problem | undefined {
  if (socket?.encrypted !== true) return undefined
  const facts = tlsFactsOf(socket)
  if (facts?.mode !== 'client-cert-optional') return undefined
  const certificate = facts.clientCertificate
  if (certificate === undefined) {
    return new Problem('TLS_CLIENT_CERT_MISSING', {
      detail:
        "This listener (client-cert-optional) needs a client certificate issued by doorman's CA, and the connection presented none. Mint one with doorman tls client-cert, then send it (curl --cert client.crt --key client.key).",
      extra: { expected: "a client certificate issued by doorman's CA" },
    })
  }
  if (certificate.trusted) return undefined
  return new Problem('TLS_CLIENT_CERT_UNTRUSTED', {
    detail: `This listener (client-cert-optional) refuses the client certificate '${certificate.subject}' (issued by '${certificate.issuer}'): ${certificate.reason ?? "it does not chain to doorman's CA"}. Present one issued by doorman's CA (doorman tls client-cert mints one).`,
    extra: { expected: "a client certificate issued by doorman's CA", received: certificate.subject, reason: certificate.reason },
  })
}
