/**
 * TLS for one mock: the CA (read or made), the certificates of the main
 * listener and of each mode, and the listeners that serve them. What
 * `startServer({ tls })` exposes as `mock.tls`.
 */
import type { Journal, JournalEntry } from '../journal/journal.js'
import type { LogMode, LogSink } from '../journal/record.js'
import { loadOrCreateCa, type LocalCa } from './ca.js'
import { certificateSet } from './cache.js'
import { listenerSecurity, makeClientCertificate, type ClientCertificate } from './certificates.js'
import { handshakeLogLine } from './handshake.js'
import { TlsListeners } from './listeners.js'
import { parseTlsModes, type TlsMode } from './modes.js'

export interface TlsOptions {
  /** Listeners with a broken certificate or handshake, one per mode: a list, a comma-separated string, or 'all'. */
  modes?: readonly TlsMode[] | string
  /** Where doorman's CA lives (made there on first use). Default: `doorman/tls` in the user's cache folder. */
  dir?: string
}

/** `mock.tls`: what a test suite needs to trust the mock, reach each mode, and present a client certificate. */
export interface MockTls {
  /** doorman's CA certificate, PEM: `new Agent({ connect: { ca: mock.tls.ca } })`. */
  ca: string
  /** Absolute path of ca.pem: `REQUESTS_CA_BUNDLE`, `NODE_EXTRA_CA_CERTS`, `curl --cacert`. */
  caFile: string
  /** The folder the CA lives in. */
  dir: string
  /** The URL of each mode's listener. */
  urls: Partial<Record<TlsMode, string>>
  /** A client certificate and key signed by doorman's CA (made once, then the same one): for client-cert-* modes and mutualTLS schemes. */
  clientCert(): Promise<ClientCertificate>
}

export interface TlsRuntime {
  ca: LocalCa
  modes: TlsMode[]
  /** Built by the server once it has a journal (src/server.ts). */
  listen(record: (entry: JournalEntry) => void, timing: { handshakeTimeoutMs: number; closeGraceMs: number }): TlsListeners
  api(listeners: TlsListeners): MockTls
}

/** Reads (or makes) the CA and makes every certificate the mock needs; SetupError for a bad --tls-dir or mode. */
export async function prepareTls(option: true | TlsOptions): Promise<TlsRuntime> {
  const options = option === true ? {} : option
  const modes = parseTlsModes(options.modes ?? [])
  const ca = await loadOrCreateCa(options.dir)
  const certificates = listenerSecurity(ca, await certificateSet(ca), modes)
  return {
    ca,
    modes,
    listen: (record, timing) => new TlsListeners({ certificates, record, ...timing }),
    api: (listeners) => {
      let client: Promise<ClientCertificate> | undefined
      return {
        ca: ca.certPem,
        caFile: ca.file,
        dir: ca.dir,
        urls: listeners.urls,
        clientCert: () => (client ??= makeClientCertificate(ca)),
      }
    },
  }
}

/** Failed handshakes go where requests go: the journal, and one log line each. */
export function handshakeRecorder(journal: Journal, log: LogMode | LogSink): (entry: JournalEntry) => void {
  return (entry) => {
    journal.add(entry)
    if (typeof log === 'function') log(entry)
    else if (log !== 'silent') process.stdout.write(handshakeLogLine(entry, log) + '\n')
  }
}
