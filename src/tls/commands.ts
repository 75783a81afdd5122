/** `doorman tls ca` and `doorman tls client-cert`, as library functions the CLI calls. */
import { mkdir, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { SetupError } from '../setup-error.js'
import { loadOrCreateCa } from './ca.js'
import { makeClientCertificate, type ClientCertificate } from './certificates.js'

/** The absolute path of doorman's CA certificate (ca.pem) in `dir` (default: the user's cache folder), made there if there is none. */
export async function tlsCaFile(dir?: string): Promise<string> {
  return (await loadOrCreateCa(dir)).file
}

export interface ClientCertificateOptions {
  /** The folder of doorman's CA (`--tls-dir`). */
  dir?: string
  /** The certificate's common name. Default 'doorman client'. */
  commonName?: string
  /** Where client.crt and client.key are written. Default: the CA's folder. */
  out?: string
}

/**
 * Mints a client certificate signed by doorman's CA and writes it as
 * `client.crt` and `client.key` (0600): what the client-cert-* listeners and
 * mutualTLS schemes accept.
 */
export async function mintClientCertificate(options: ClientCertificateOptions = {}): Promise<ClientCertificate & { certFile: string; keyFile: string }> {
  const ca = await loadOrCreateCa(options.dir)
  const minted = await makeClientCertificate(ca, options.commonName)
  const out = path.resolve(options.out ?? ca.dir)
  const certFile = path.join(out, 'client.crt')
  const keyFile = path.join(out, 'client.key')
  try {
    await mkdir(out, { recursive: true, mode: 0o700 })
    await writeAtomically(keyFile, minted.key)
    await writeAtomically(certFile, minted.cert)
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException
    throw new SetupError(
      `cannot write the client certificate to ${out} (${code === 'EACCES' ? 'permission denied' : (code ?? message)}): pass --out a folder doorman may write to`,
    )
  }
  return { ...minted, certFile, keyFile }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`
  await writeFile(aside, text, { mode: 0o600 })
  await rename(aside, file)
}
