/**
 * The certificates of one mock, made at start-up: the main listener's leaf,
 * and for each mode the certificate (or handshake rule) that is wrong on
 * purpose. One leaf key serves every leaf (a mock has nothing to protect),
 * so a start makes at most four EC keys; everything is made concurrently.
 */
import type { SecureContextOptions, TlsOptions } from 'node:tls'
import type { LocalCa } from './ca.js'
import type { TlsMode } from './modes.js'
import { keyToPem, makeCertificate, newKeyPair, type Issuer } from './x509.js'

/** The names every good leaf carries: what a client on this machine calls the mock. */
export const LOCAL_DNS_NAMES = ['localhost']
export const LOCAL_IP_ADDRESSES = ['127.0.0.1', '::1']
export const WRONG_HOST = 'wrong.host.invalid'
/** Browsers refuse leaves valid longer than 398 days; a year passes every client's rule. */
const LEAF_DAYS = 365

/** What one HTTPS listener is given: its certificate chain and key, and its handshake rules. */
export type ListenerSecurity = Pick<SecureContextOptions, 'cert' | 'key' | 'ca' | 'minVersion' | 'maxVersion' | 'ciphers'> &
  Pick<TlsOptions, 'requestCert' | 'rejectUnauthorized'>

export interface ClientCertificate {
  /** PEM certificate, signed by doorman's CA. */
  cert: string
  /** PEM PKCS#8 private key. */
  key: string
}

export interface MockCertificates {
  main: ListenerSecurity
  modes: Map<TlsMode, ListenerSecurity>
}

export async function makeMockCertificates(ca: LocalCa, modes: readonly TlsMode[]): Promise<MockCertificates> {
  const needs = (...wanted: TlsMode[]) => wanted.some((mode) => modes.includes(mode))
  const [leafKeys, otherRootKeys, intermediateKeys] = await Promise.all([
    newKeyPair(),
    needs('untrusted-root') ? newKeyPair() : undefined,
    needs('incomplete-chain') ? newKeyPair() : undefined,
  ])
  const leaf = (issuer: Issuer | undefined, validFromDays: number, validToDays: number, dnsNames = LOCAL_DNS_NAMES, ipAddresses = LOCAL_IP_ADDRESSES) =>
    makeCertificate({ commonName: dnsNames[0]!, keys: leafKeys, issuer, validFromDays, validToDays, dnsNames, ipAddresses, usage: 'server' })
  const otherRoot = otherRootKeys && makeCertificate({ commonName: 'untrusted root (doorman)', keys: otherRootKeys, ca: true, validFromDays: -1, validToDays: LEAF_DAYS })
  const intermediate =
    intermediateKeys && makeCertificate({ commonName: 'doorman intermediate', keys: intermediateKeys, issuer: ca, ca: true, validFromDays: -1, validToDays: LEAF_DAYS })

  const made = new Map<TlsMode, Promise<string>>()
  const make = (mode: TlsMode, certificate: () => Promise<string>) => {
    if (modes.includes(mode)) made.set(mode, certificate())
  }
  const main = leaf(ca, -1, LEAF_DAYS)
  make('expired', () => leaf(ca, -31, -1))
  make('not-yet-valid', () => leaf(ca, 1, 31))
  make('wrong-host', () => leaf(ca, -1, LEAF_DAYS, [WRONG_HOST], []))
  make('self-signed', () => leaf(undefined, -1, LEAF_DAYS))
  // The untrusted root is sent in the chain: the client sees a complete chain to a root it does not trust.
  make('untrusted-root', async () => {
    const root = (await otherRoot)!
    return (await leaf({ certPem: root, keys: otherRootKeys! }, -1, LEAF_DAYS)) + root
  })
  // Only the leaf is sent: a client that does not fetch or cache the intermediate cannot build the chain.
  make('incomplete-chain', async () => leaf({ certPem: (await intermediate)!, keys: intermediateKeys! }, -1, LEAF_DAYS))

  const key = await keyToPem(leafKeys.privateKey)
  const mainCert = await main
  // Every listener asks for a client certificate (mutualTLS schemes read it) without requiring one; a client
  // with none answers with an empty Certificate message, as TLS allows.
  const asking = { requestCert: true, rejectUnauthorized: false, ca: ca.certPem }
  const security = new Map<TlsMode, ListenerSecurity>()
  for (const mode of modes) {
    const own = made.get(mode)
    const base: ListenerSecurity = { ...asking, cert: own ? await own : mainCert, key }
    if (mode === 'legacy-tls') {
      // OpenSSL 3 turns TLS 1.0/1.1 off at its default security level; level 0 lets them (and SHA-1) back in.
      Object.assign(base, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })
    }
    if (mode === 'client-cert-required') base.rejectUnauthorized = true
    security.set(mode, base)
  }
  return { main: { ...asking, cert: mainCert, key }, modes: security }
}

/** A client certificate signed by doorman's CA: what `client-cert-*` listeners and mutualTLS schemes accept. */
export async function makeClientCertificate(ca: LocalCa, commonName = 'doorman client'): Promise<ClientCertificate> {
  const keys = await newKeyPair()
  const cert = await makeCertificate({ commonName, keys, issuer: ca, validFromDays: -1, validToDays: LEAF_DAYS, usage: 'client' })
  return { cert, key: await keyToPem(keys.privateKey) }
}
