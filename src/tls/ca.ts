/**
 * doorman's local CA: made on first use in the TLS folder, then reused, so
 * that a person trusts it once (`REQUESTS_CA_BUNDLE`, `NODE_EXTRA_CA_CERTS`,
 * `curl --cacert`). Two files, both 0600 in a 0700 folder:
 *
 * - `ca.key`: the private key *and* its certificate, created in one atomic
 *   step (written aside, then hard-linked into place, which fails if another
 *   doorman got there first), so two mocks starting at once can never end up
 *   with a key and a certificate that do not belong together;
 * - `ca.pem`: the certificate alone, the file users point their clients at.
 */
import { randomBytes, X509Certificate, createPrivateKey } from 'node:crypto'
import { chmod, link, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { SetupError } from '../setup-error.js'
import { importKeyPair, keyToPem, makeCertificate, newKeyPair, type Issuer } from './x509.js'

export const CA_FILE = 'ca.pem'
export const CA_KEY_FILE = 'ca.key'
/** Ten years: a CA a person trusted should not lapse under them. */
const CA_VALID_DAYS = 3650

export interface LocalCa {
  dir: string
  /** Absolute path of ca.pem. */
  file: string
  certPem: string
  /** The CA as a signer: its key is imported (and the X.509 library loaded) only when something is signed. */
  issuer(): Promise<Issuer>
  /** Said at start-up: a CA key file other users can read (doorman writes it 0600; something changed that). */
  warnings: string[]
}

/** `--tls-dir` when given, else `doorman/tls` in the user's cache folder (`$XDG_CACHE_HOME`, or `~/.cache`). */
export function defaultTlsDir(env: NodeJS.ProcessEnv = process.env): string {
  // XDG Base Directory: a relative $XDG_CACHE_HOME is invalid and must be ignored.
  const xdg = env.XDG_CACHE_HOME
  const cache = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache')
  return path.join(cache, 'doorman', 'tls')
}

export function resolveTlsDir(dir: string | undefined): string {
  return path.resolve(dir ?? defaultTlsDir())
}

/** The CA in `dir`, made there first if there is none. Every problem with the folder is a SetupError naming the path. */
export async function loadOrCreateCa(dirOption: string | undefined): Promise<LocalCa> {
  const dir = resolveTlsDir(dirOption)
  await ensureDir(dir)
  const keyFile = path.join(dir, CA_KEY_FILE)
  let text = await readIfThere(keyFile)
  if (text === undefined) {
    await createCa(dir, keyFile)
    text = await readIfThere(keyFile)
    if (text === undefined) throw new SetupError(`doorman's CA key ${keyFile} vanished as it was made: is another program cleaning ${dir}?`)
  }
  const { keyPem, certPem } = parseCaFile(keyFile, text, dir)
  const warnings = await sharedKeyWarning(keyFile)
  const file = path.join(dir, CA_FILE)
  await publishCertificate(file, certPem)
  let issuer: Promise<Issuer> | undefined
  return { dir, file, certPem, issuer: () => (issuer ??= importKeyPair(keyPem).then((keys) => ({ certPem, keys }))), warnings }
}

/** The CA's certificate, for `doorman tls ca`: made if there is none yet. */
export async function caFile(dir: string | undefined): Promise<string> {
  return (await loadOrCreateCa(dir)).file
}

async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new SetupError(`${dir} is not a folder: pass --tls-dir a folder doorman may keep its CA in`)
    throw new SetupError(`cannot create the TLS folder ${dir} (${describe(error)}): pass --tls-dir a folder doorman may write to`)
  }
  const info = await stat(dir).catch((error: unknown) => {
    throw new SetupError(`cannot read the TLS folder ${dir} (${describe(error)})`)
  })
  if (!info.isDirectory()) throw new SetupError(`${dir} is not a folder: pass --tls-dir a folder doorman may keep its CA in`)
}

/** Like ssh with a private key others can read: a warning (the CA signs certificates this machine may trust). */
async function sharedKeyWarning(keyFile: string): Promise<string[]> {
  if (process.platform === 'win32') return []
  const mode = (await stat(keyFile).catch(() => undefined))?.mode
  if (mode === undefined || (mode & 0o077) === 0) return []
  const octal = (mode & 0o777).toString(8).padStart(4, '0')
  return [`doorman's CA key ${keyFile} can be read by other users (mode ${octal}); make it yours alone: chmod 600 ${keyFile}`]
}

async function readIfThere(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new SetupError(`cannot read doorman's CA key ${file} (${describe(error)}): fix its permissions, or pass another --tls-dir`)
  }
}

async function createCa(dir: string, keyFile: string): Promise<void> {
  const keys = await newKeyPair()
  // A name of its own: trust stores and browsers tell CAs apart by subject, and every machine makes its own.
  const certPem = await makeCertificate({
    commonName: `doorman local CA ${randomBytes(4).toString('hex')}`,
    keys,
    ca: true,
    validFromDays: -1,
    validToDays: CA_VALID_DAYS,
  })
  const aside = path.join(dir, `.${CA_KEY_FILE}.${process.pid}.${randomBytes(4).toString('hex')}`)
  try {
    await writeFile(aside, (await keyToPem(keys.privateKey)) + certPem, { mode: 0o600, flag: 'wx' })
    // link() fails when ca.key exists: a doorman that started at the same moment made it first, and its CA is the one.
    await link(aside, keyFile).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error
    })
  } catch (error) {
    throw new SetupError(`cannot write doorman's CA to ${dir} (${describe(error)}): pass --tls-dir a folder doorman may write to`)
  } finally {
    await unlink(aside).catch(() => undefined)
  }
}

function parseCaFile(keyFile: string, text: string, dir: string): { keyPem: string; certPem: string } {
  const corrupt = (what: string) =>
    new SetupError(`${keyFile} is not a doorman CA (${what}): delete it (or the folder ${dir}) to make a new CA, or pass another --tls-dir`)
  const keyPem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n?/.exec(text)?.[0]
  const certPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(text)?.[0]
  if (!keyPem || !certPem) throw corrupt(keyPem ? 'no certificate in it' : 'no PKCS#8 private key in it')
  let certificate: X509Certificate
  try {
    certificate = new X509Certificate(certPem)
    if (!certificate.checkPrivateKey(createPrivateKey(keyPem))) throw corrupt('the key and the certificate do not belong together')
  } catch (error) {
    if (error instanceof SetupError) throw error
    throw corrupt(`it does not parse: ${(error as Error).message}`)
  }
  if (!certificate.ca) throw corrupt('its certificate is not a CA certificate')
  if (Date.parse(certificate.validTo) < Date.now()) {
    throw new SetupError(
      `doorman's CA in ${keyFile} expired on ${new Date(certificate.validTo).toISOString().slice(0, 10)}: delete ${keyFile} and ${CA_FILE} beside it to make a new one (and trust the new ca.pem)`,
    )
  }
  return { keyPem, certPem: certPem.endsWith('\n') ? certPem : `${certPem}\n` }
}

/** ca.pem is written from ca.key whenever it is missing or differs; never torn (written aside, then renamed). */
async function publishCertificate(file: string, certPem: string): Promise<void> {
  let current: string | undefined
  try {
    current = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'EACCES') {
      throw new SetupError(`cannot read ${file} (${describe(error)})`)
    }
  }
  if (current === certPem) return
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`
  try {
    await writeFile(aside, certPem, { mode: 0o600 })
    await chmod(aside, 0o600)
    await rename(aside, file)
  } catch (error) {
    await unlink(aside).catch(() => undefined)
    throw new SetupError(`cannot write doorman's CA certificate ${file} (${describe(error)}): pass --tls-dir a folder doorman may write to`)
  }
}

function describe(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EROFS') return 'read-only file system'
  if (code === 'EISDIR') return 'it is a folder'
  return code ?? message
}
