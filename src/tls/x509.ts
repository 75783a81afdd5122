/**
 * Certificates made in-process with @peculiar/x509 (the library mockttp
 * uses): no `openssl` on the PATH needed. The library is loaded on first use
 * only (src/tls/x509-library.ts), so a mock without TLS, or one whose
 * certificates are cached, never pays for it; keys are made, read and written
 * with Node's own crypto.
 */
import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto'

type X509 = typeof import('./x509-library.js')
type ParsedCertificate = InstanceType<X509['X509Certificate']>
type Extension = InstanceType<X509['Extension']>

/** EC P-256 with SHA-256 for every key and signature: fast to make, and every TLS client takes it. */
export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const
const DAY_MS = 86_400_000

let loading: Promise<X509> | undefined

export function loadX509(): Promise<X509> {
  loading ??= import('./x509-library.js').then((x509) => {
    x509.cryptoProvider.set(webcrypto as unknown as Crypto)
    return x509
  })
  return loading
}

export function newKeyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])
}

/** A PKCS#8 PEM private key back into a key pair (the CA's, or the cached leaf key): its public half is derived from it. */
export async function importKeyPair(keyPem: string): Promise<CryptoKeyPair> {
  const privateKeyObject = createPrivateKey(keyPem)
  const pkcs8 = privateKeyObject.export({ type: 'pkcs8', format: 'der' })
  const spki = createPublicKey(privateKeyObject).export({ type: 'spki', format: 'der' })
  const [privateKey, publicKey] = await Promise.all([
    webcrypto.subtle.importKey('pkcs8', pkcs8, EC_P256, true, ['sign']),
    webcrypto.subtle.importKey('spki', spki, EC_P256, true, ['verify']),
  ])
  return { privateKey, publicKey }
}

export async function keyToPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key as never))
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END PRIVATE KEY-----\n`
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

// Parsing an issuer's certificate and hashing a key cost more than signing: done once per issuer and key.
const parsedIssuers = new WeakMap<Issuer, Promise<{ certificate: ParsedCertificate; authorityKey: Extension }>>()
const subjectKeys = new WeakMap<CryptoKey, Promise<{ spki: ArrayBuffer; subjectKey: Extension }>>()

export async function makeCertificate(recipe: CertificateRecipe): Promise<string> {
  const x509 = await loadX509()
  const now = Date.now()
  const subject = `CN=${recipe.commonName}, O=doorman`
  const issuer = recipe.issuer && (await parsedIssuer(x509, recipe.issuer))
  const { spki, subjectKey } = await subjectKeyOf(x509, recipe.keys.publicKey)
  const extensions: Extension[] = [...fixedExtensions(x509, recipe), subjectKey]
  if (issuer) extensions.push(issuer.authorityKey)
  const subjectName = nameOf(x509, subject)
  const certificate = await x509.X509CertificateGenerator.create({
    subject: subjectName,
    issuer: issuer ? issuer.certificate.subjectName : subjectName,
    notBefore: new Date(now + recipe.validFromDays * DAY_MS),
    notAfter: new Date(now + recipe.validToDays * DAY_MS),
    publicKey: spki,
    signingKey: (recipe.issuer?.keys ?? recipe.keys).privateKey,
    signingAlgorithm: EC_P256,
    extensions,
  })
  return certificate.toString('pem') + '\n'
}

// Every leaf carries the same constraints, usages and names: each is encoded once.
const encoded = new Map<string, unknown>()

function fixedExtensions(x509: X509, recipe: CertificateRecipe): Extension[] {
  const key = JSON.stringify([recipe.ca === true, recipe.usage, recipe.dnsNames, recipe.ipAddresses])
  let extensions = encoded.get(key) as Extension[] | undefined
  if (extensions === undefined) {
    const flags = recipe.ca
      ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature
      : x509.KeyUsageFlags.digitalSignature
    extensions = [new x509.BasicConstraintsExtension(recipe.ca === true, undefined, true), new x509.KeyUsagesExtension(flags, true)]
    if (recipe.usage) {
      extensions.push(new x509.ExtendedKeyUsageExtension([recipe.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]))
    }
    const names = [
      ...(recipe.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
      ...(recipe.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
    ]
    if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names))
    encoded.set(key, extensions)
  }
  return extensions
}

function nameOf(x509: X509, subject: string): InstanceType<X509['Name']> {
  let name = encoded.get(subject) as InstanceType<X509['Name']> | undefined
  if (name === undefined) encoded.set(subject, (name = new x509.Name(subject)))
  return name
}

function parsedIssuer(x509: X509, issuer: Issuer) {
  let parsed = parsedIssuers.get(issuer)
  if (parsed === undefined) {
    parsed = (async () => {
      const certificate = new x509.X509Certificate(issuer.certPem)
      return { certificate, authorityKey: await x509.AuthorityKeyIdentifierExtension.create(certificate) }
    })()
    parsedIssuers.set(issuer, parsed)
  }
  return parsed
}

function subjectKeyOf(x509: X509, publicKey: CryptoKey) {
  let known = subjectKeys.get(publicKey)
  if (known === undefined) {
    known = (async () => ({
      spki: await webcrypto.subtle.exportKey('spki', publicKey),
      subjectKey: await x509.SubjectKeyIdentifierExtension.create(publicKey),
    }))()
    subjectKeys.set(publicKey, known)
  }
  return known
}
