/**
 * Certificates made in-process with @peculiar/x509 (the library mockttp
 * uses): no `openssl` on the PATH needed. The library is loaded on first use
 * only, so a mock without TLS never pays for it (it and its ASN.1 code are
 * the better part of TLS's start-up cost; docs/performance.md).
 */
import { webcrypto } from 'node:crypto'

type X509 = typeof import('@peculiar/x509')

/** EC P-256 with SHA-256 for every key and signature: fast to make, and every TLS client takes it. */
export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const
const DAY_MS = 86_400_000

let loading: Promise<X509> | undefined

export function loadX509(): Promise<X509> {
  loading ??= (async () => {
    // @peculiar/x509 2.x resolves its parts through tsyringe, which needs a Reflect metadata polyfill loaded first.
    await import('reflect-metadata')
    const x509 = await import('@peculiar/x509')
    x509.cryptoProvider.set(webcrypto as unknown as Crypto)
    return x509
  })()
  return loading
}

export function newKeyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']) as Promise<CryptoKeyPair>
}

/** A PKCS#8 PEM private key back into a signing key pair (the CA read from disk). */
export async function importKeyPair(keyPem: string, certPem: string): Promise<CryptoKeyPair> {
  const x509 = await loadX509()
  const der = x509.PemConverter.decodeFirst(keyPem)
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, EC_P256, true, ['sign'])
  const publicKey = await new x509.X509Certificate(certPem).publicKey.export(EC_P256, ['verify'], webcrypto as unknown as Crypto)
  return { privateKey: privateKey as unknown as CryptoKey, publicKey }
}

export async function keyToPem(key: CryptoKey): Promise<string> {
  const x509 = await loadX509()
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key as never), 'PRIVATE KEY') + '\n'
}

/** An issuer: its certificate (PEM) and keys. */
export interface Issuer {
  certPem: string
  keys: CryptoKeyPair
}

export interface CertificateRecipe {
  /** The subject's common name. */
  commonName: string
  keys: CryptoKeyPair
  /** Absent: self-signed. */
  issuer?: Issuer
  /** Days from now; negative is in the past. */
  validFromDays: number
  validToDays: number
  /** A CA may sign certificates; a leaf may not. */
  ca?: boolean
  /** subjectAltName entries of a server leaf. */
  dnsNames?: string[]
  ipAddresses?: string[]
  /** Extended key usage: a server or a client certificate. */
  usage?: 'server' | 'client'
}

export async function makeCertificate(recipe: CertificateRecipe): Promise<string> {
  const x509 = await loadX509()
  const now = Date.now()
  const subject = `CN=${recipe.commonName}, O=doorman`
  const issuerCert = recipe.issuer && new x509.X509Certificate(recipe.issuer.certPem)
  const extensions: InstanceType<X509['Extension']>[] = [
    new x509.BasicConstraintsExtension(recipe.ca === true, undefined, true),
    new x509.KeyUsagesExtension(
      recipe.ca ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature : x509.KeyUsageFlags.digitalSignature,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(recipe.keys.publicKey),
  ]
  if (issuerCert) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuerCert))
  if (recipe.usage) {
    extensions.push(new x509.ExtendedKeyUsageExtension([recipe.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]))
  }
  const names = [...(recipe.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })), ...(recipe.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value }))]
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names))
  const certificate = await x509.X509CertificateGenerator.create({
    subject,
    issuer: issuerCert ? issuerCert.subject : subject,
    notBefore: new Date(now + recipe.validFromDays * DAY_MS),
    notAfter: new Date(now + recipe.validToDays * DAY_MS),
    publicKey: recipe.keys.publicKey,
    signingKey: (recipe.issuer?.keys ?? recipe.keys).privateKey,
    signingAlgorithm: EC_P256,
    extensions,
  })
  return certificate.toString('pem') + '\n'
}
