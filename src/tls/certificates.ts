/**
 * The certificates of one mock, made at start-up: the main listener's leaf,
 * and for each mode the certificate (or handshake rule) that is wrong on
 * purpose. One leaf key serves every leaf (a mock has nothing to protect),
 * so a set takes three EC keys besides the CA's; everything is made
 * concurrently, and the set is kept in the TLS folder (src/tls/cache.ts).
 */
import type { SecureContextOptions, TlsOptions } from 'node:tls'
import type { LocalCa } from './ca.js'
import type { TlsMode } from './modes.js'
import { importKeyPair, keyToPem, makeCertificate, newKeyPair, type Issuer } from './x509.js'

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

/** The modes with a certificate of their own; the others serve the main one. */
export const CERTIFICATE_MODES = ['expired', 'not-yet-valid', 'wrong-host', 'self-signed', 'untrusted-root', 'incomplete-chain'] as const
export type CertificateMode = (typeof CERTIFICATE_MODES)[number]
export type ChainName = 'main' | CertificateMode
export const CHAIN_NAMES: readonly ChainName[] = ['main', ...CERTIFICATE_MODES]

/** The PEM chain each listener serves, by mode ('main' for the main listener), and the one key of every leaf. */
export interface CertificateSet {
  key: string
  chains: Record<ChainName, string>
}

/**
 * The chains named, signed for the leaf key `keyPem` (a new one when absent):
 * the cache (src/tls/cache.ts) renews only the chains that went stale.
 */
export async function makeChains(
  localCa: LocalCa,
  names: readonly ChainName[],
  keyPem?: string,
): Promise<{ key: string; chains: Partial<Record<ChainName, string>> }> {
  const needs = (name: ChainName) => names.includes(name)
  const [ca, leafKeys, otherRootKeys, intermediateKeys] = await Promise.all([
    localCa.issuer(),
    keyPem ? importKeyPair(keyPem) : newKeyPair(),
    needs('untrusted-root') ? newKeyPair() : undefined,
    needs('incomplete-chain') ? newKeyPair() : undefined,
  ])
  const leaf = (issuer: Issuer | undefined, validFromDays: number, validToDays: number, dnsNames = LOCAL_DNS_NAMES, ipAddresses = LOCAL_IP_ADDRESSES) =>
    makeCertificate({ commonName: dnsNames[0], keys: leafKeys, issuer, validFromDays, validToDays, dnsNames, ipAddresses, usage: 'server' })
  // Keys made above only for the chains that need them.
  const own = (keys: CryptoKeyPair | undefined): CryptoKeyPair => {
    if (keys === undefined) throw new Error('a chain was made without its key')
    return keys
  }
  const recipes: Record<ChainName, () => Promise<string>> = {
    main: () => leaf(ca, -1, LEAF_DAYS),
    expired: () => leaf(ca, -31, -1),
    'not-yet-valid': () => leaf(ca, 1, 31),
    'wrong-host': () => leaf(ca, -1, LEAF_DAYS, [WRONG_HOST], []),
    'self-signed': () => leaf(undefined, -1, LEAF_DAYS),
    // The untrusted root is sent in the chain: the client sees a complete chain to a root it does not trust.
    'untrusted-root': async () => {
      const keys = own(otherRootKeys)
      const root = await makeCertificate({ commonName: 'untrusted root (doorman)', keys, ca: true, validFromDays: -1, validToDays: LEAF_DAYS })
      return (await leaf({ certPem: root, keys }, -1, LEAF_DAYS)) + root
    },
    // Only the leaf is sent: a client that does not fetch or cache the intermediate cannot build the chain.
    'incomplete-chain': async () => {
      const keys = own(intermediateKeys)
      const intermediate = await makeCertificate({ commonName: 'doorman intermediate', keys, issuer: ca, ca: true, validFromDays: -1, validToDays: LEAF_DAYS })
      return leaf({ certPem: intermediate, keys }, -1, LEAF_DAYS)
    },
  }
  const made = await Promise.all(names.map(async (name) => [name, await recipes[name]()] as const))
  return { key: keyPem ?? (await keyToPem(leafKeys.privateKey)), chains: Object.fromEntries(made) }
}

/** What each listener is given: its chain, the leaf key, and the handshake rules of its mode. */
export function listenerSecurity(ca: LocalCa, set: CertificateSet, modes: readonly TlsMode[]): MockCertificates {
  // Every listener asks for a client certificate (mutualTLS schemes read it) without requiring one; a client
  // with none answers with an empty Certificate message, as TLS allows.
  const asking = { requestCert: true, rejectUnauthorized: false, ca: ca.certPem, key: set.key }
  const security = new Map<TlsMode, ListenerSecurity>()
  for (const mode of modes) {
    const own = (CERTIFICATE_MODES as readonly string[]).includes(mode) ? set.chains[mode as CertificateMode] : set.chains.main
    const base: ListenerSecurity = { ...asking, cert: own }
    if (mode === 'legacy-tls') {
      // OpenSSL 3 turns TLS 1.0/1.1 off at its default security level; level 0 lets them (and SHA-1) back in.
      Object.assign(base, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' })
    }
    if (mode === 'client-cert-required') base.rejectUnauthorized = true
    security.set(mode, base)
  }
  return { main: { ...asking, cert: set.chains.main }, modes: security }
}

/** A client certificate signed by doorman's CA: what `client-cert-*` listeners and mutualTLS schemes accept. */
export async function makeClientCertificate(ca: LocalCa, commonName = 'doorman client'): Promise<ClientCertificate> {
  const keys = await newKeyPair()
  const cert = await makeCertificate({ commonName, keys, issuer: await ca.issuer(), validFromDays: -1, validToDays: LEAF_DAYS, usage: 'client' })
  return { cert, key: await keyToPem(keys.privateKey) }
}
