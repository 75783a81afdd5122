/**
 * The TLS part of the client report: per listener, the handshakes the
 * client refused and the requests it sent anyway. A request that came over a
 * listener whose certificate a careful client refuses is flagged in plain
 * words: the client is not verifying certificates.
 */
import type { JournalEntry } from '../journal/entry.js'
import { MODE_FACTS, TLS_MODES, type TlsMode } from './modes.js'

export interface TlsModeReport {
  /** The mode, or 'main' for the main listener. */
  mode: TlsMode | 'main'
  /** Handshakes that failed, or that the client left without a request. */
  refused: number
  /** Why they failed: the TLS alert, or 'no alert' (the client just closed), and how often. */
  alerts: Array<{ alert: string; count: number }>
  /** Requests that arrived over this listener. */
  requests: number
  /** Of those, requests that presented a client certificate from doorman's CA. */
  withClientCertificate: number
  /** The client accepted what it should have refused. */
  flagged: boolean
  explain: string
}

export interface TlsReport {
  listeners: TlsModeReport[]
  /** The flagged listeners' sentences: what the client accepted that it should not have. */
  flags: string[]
}

/** Undefined when no entry came over TLS. */
export function buildTlsReport(entries: JournalEntry[]): TlsReport | undefined {
  const byListener = new Map<TlsMode | 'main', JournalEntry[]>()
  for (const entry of entries) {
    if (entry.tls === undefined) continue
    const key = entry.tls.mode ?? 'main'
    const list = byListener.get(key) ?? []
    list.push(entry)
    byListener.set(key, list)
  }
  if (byListener.size === 0) return undefined
  const order: Array<TlsMode | 'main'> = ['main', ...TLS_MODES]
  const listeners = order.flatMap((mode) => {
    const entries = byListener.get(mode)
    return entries ? [judgeListener(mode, entries)] : []
  })
  return { listeners, flags: listeners.filter((l) => l.flagged).map((l) => l.explain) }
}

function judgeListener(mode: TlsMode | 'main', entries: JournalEntry[]): TlsModeReport {
  // A handshake entry has no method: no request ever came. Plain HTTP refused on the listener is neither.
  const handshakes = entries.filter((e) => e.step === 'tls' && e.method === '')
  const requests = entries.filter((e) => e.method !== '' && e.code !== 'HTTPS_REQUIRED')
  const counts = new Map<string, number>()
  for (const e of handshakes) {
    const alert = e.tls?.alert ?? 'no alert'
    counts.set(alert, (counts.get(alert) ?? 0) + 1)
  }
  const alerts = [...counts].map(([alert, count]) => ({ alert, count }))
  const withClientCertificate = requests.filter((e) => e.tls?.clientCertificate?.trusted === true).length
  const accepted = mode === 'main' ? undefined : MODE_FACTS[mode].accepted
  const flagged = accepted !== undefined && requests.length > 0
  const refusedText =
    handshakes.length > 0 ? `${times(handshakes.length, 'handshake')} refused (${alerts.map((a) => `${a.alert} ×${a.count}`).join(', ')})` : ''
  return {
    mode,
    refused: handshakes.length,
    alerts,
    requests: requests.length,
    withClientCertificate,
    flagged,
    explain: explain(mode, accepted, refusedText, requests.length, withClientCertificate),
  }
}

function explain(mode: TlsMode | 'main', accepted: string | undefined, refused: string, requests: number, certified: number): string {
  const sent = `${times(requests, 'request')} sent`
  if (accepted !== undefined && requests > 0) {
    const what = mode === 'legacy-tls' ? 'it allows obsolete protocol versions' : 'it is not verifying certificates'
    return `the client accepted ${accepted}: ${what} (${sent} over '${mode}'${refused ? `; ${refused}` : ''})`
  }
  if (accepted !== undefined) {
    return mode === 'legacy-tls' ? `the client refused TLS 1.0/1.1: ${refused}` : `the client refused ${accepted}: ${refused}; it verifies certificates`
  }
  if (mode === 'main') {
    const failed = refused ? `; ${refused}: a client without doorman's CA (doorman tls ca prints its path)` : ''
    return `${sent} over the main listener${failed}`
  }
  const parts = [refused, requests > 0 ? `${sent}, ${certified} with a client certificate from doorman's CA` : ''].filter(Boolean)
  return `${mode}: ${parts.join('; ')}`
}

function times(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`
}

/** The TLS lines of the text report. */
export function formatTlsReport(report: TlsReport): string[] {
  const lines = ['', 'TLS:']
  for (const listener of report.listeners) lines.push(`  ${listener.mode}: ${listener.explain}`)
  if (report.flags.length > 0) lines.push('', ...report.flags.map((flag) => `WARNING: ${flag}`))
  return lines
}
