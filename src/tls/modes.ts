import { SetupError } from '../setup-error.js'
import { closest } from '../util/closest.js'

/**
 * The TLS failure modes: one HTTPS listener each (`--tls-modes`), each with
 * the certificate problem (or handshake rule) a client must notice. The order
 * is the order of the ready lines and of the report.
 */
export const TLS_MODES = [
  'expired',
  'not-yet-valid',
  'wrong-host',
  'self-signed',
  'untrusted-root',
  'incomplete-chain',
  'legacy-tls',
  'client-cert-required',
  'client-cert-optional',
] as const

export type TlsMode = (typeof TLS_MODES)[number]

export interface ModeFacts {
  /** What the listener serves, in a few words. */
  serves: string
  /**
   * For a mode whose certificate a verifying client must refuse: what a
   * client that sent a request anyway accepted ("an expired certificate").
   */
  accepted?: string
  /** What a verifying client reports: Node's error code, Python's message, curl's exit code. */
  node: string
  python: string
  curlExit: number
}

export const MODE_FACTS: Record<TlsMode, ModeFacts> = {
  expired: {
    serves: "a leaf signed by doorman's CA whose validity ended yesterday",
    accepted: 'an expired certificate',
    node: 'CERT_HAS_EXPIRED',
    python: 'certificate has expired',
    curlExit: 60,
  },
  'not-yet-valid': {
    serves: "a leaf signed by doorman's CA whose validity starts tomorrow",
    accepted: 'a certificate that is not valid yet',
    node: 'CERT_NOT_YET_VALID',
    python: 'certificate is not yet valid',
    curlExit: 60,
  },
  'wrong-host': {
    serves: "a leaf signed by doorman's CA that names only wrong.host.invalid",
    accepted: 'a certificate issued for another host (wrong.host.invalid)',
    node: 'ERR_TLS_CERT_ALTNAME_INVALID',
    python: 'Hostname mismatch (IP address mismatch for https://127.0.0.1)',
    curlExit: 60,
  },
  'self-signed': {
    serves: 'a self-signed leaf',
    accepted: 'a self-signed certificate',
    node: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    python: 'self-signed certificate',
    curlExit: 60,
  },
  'untrusted-root': {
    serves: 'a leaf and the root it chains to, a second CA that nobody trusts',
    accepted: 'a certificate from a root nobody trusts',
    node: 'SELF_SIGNED_CERT_IN_CHAIN',
    python: 'self-signed certificate in certificate chain',
    curlExit: 60,
  },
  'incomplete-chain': {
    serves: "a leaf signed by an intermediate of doorman's CA that the listener does not send",
    accepted: 'a certificate whose chain is incomplete (the intermediate was not sent)',
    node: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    python: 'unable to get local issuer certificate',
    curlExit: 60,
  },
  'legacy-tls': {
    serves: 'a valid certificate, over TLS 1.0 and 1.1 only',
    accepted: 'TLS 1.0/1.1, which RFC 8996 retired',
    node: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
    python: 'tlsv1 alert protocol version',
    curlExit: 35,
  },
  'client-cert-required': {
    serves: "a valid certificate, and the handshake demands a client certificate issued by doorman's CA",
    node: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED (or "other side closed")',
    python: 'tlsv13 alert certificate required',
    curlExit: 56,
  },
  'client-cert-optional': {
    serves: "a valid certificate; a request without a client certificate from doorman's CA gets a 403 problem",
    node: 'no error: a 403 TLS_CLIENT_CERT_MISSING problem',
    python: 'no error: a 403 TLS_CLIENT_CERT_MISSING problem',
    curlExit: 0,
  },
}

/** `--tls-modes expired,wrong-host` or `all`; a typo names the closest mode. */
export function parseTlsModes(input: string | readonly string[]): TlsMode[] {
  const names = (typeof input === 'string' ? input.split(',') : [...input]).map((name) => name.trim()).filter((name) => name !== '')
  if (names.includes('all')) return [...TLS_MODES]
  const modes: TlsMode[] = []
  for (const name of names) {
    if (!(TLS_MODES as readonly string[]).includes(name)) {
      const guess = closest(name, [...TLS_MODES])
      throw new SetupError(`unknown TLS mode '${name}'${guess ? ` (did you mean '${guess}'?)` : ''}; the modes are: all, ${TLS_MODES.join(', ')}`)
    }
    if (!modes.includes(name as TlsMode)) modes.push(name as TlsMode)
  }
  // The ready lines and the report follow the catalogue's order, whatever order they were asked in.
  return TLS_MODES.filter((mode) => modes.includes(mode))
}
