/**
 * A handshake that failed, as a journal entry (`step: "tls"`, status 0, no
 * method or path: no request ever came) and a log line. The alert says who
 * refused what; clients that check certificates outside OpenSSL (Node.js,
 * Go) close the connection without an alert, and the entry says so.
 */
import type { JournalEntry } from '../journal/entry.js'
import { logLineJson } from '../journal/record.js'
import type { TlsFacts } from './facts.js'
import { MODE_FACTS, type TlsMode } from './modes.js'

/** The alerts of RFC 8446 §6 (and RFC 5246 §7.2), by number, in the words OpenSSL uses. */
const ALERTS: Record<number, string> = {
  0: 'close notify',
  10: 'unexpected message',
  20: 'bad record mac',
  22: 'record overflow',
  40: 'handshake failure',
  42: 'bad certificate',
  43: 'unsupported certificate',
  44: 'certificate revoked',
  45: 'certificate expired',
  46: 'certificate unknown',
  47: 'illegal parameter',
  48: 'unknown ca',
  49: 'access denied',
  50: 'decode error',
  51: 'decrypt error',
  70: 'protocol version',
  71: 'insufficient security',
  80: 'internal error',
  86: 'inappropriate fallback',
  90: 'user canceled',
  109: 'missing extension',
  110: 'unsupported extension',
  112: 'unrecognized name',
  116: 'certificate required',
  120: 'no application protocol',
}

/** Errors the server itself raised, and the alert OpenSSL sent the client with them. */
const SERVER_REFUSALS: Record<string, { alert: string; why: string }> = {
  ERR_SSL_UNSUPPORTED_PROTOCOL: { alert: 'protocol version', why: 'none of the TLS versions the client offered is one this listener speaks' },
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: {
    alert: 'certificate required',
    why: "the client sent no client certificate, and this listener requires one issued by doorman's CA (doorman tls client-cert mints one)",
  },
  ERR_SSL_CERTIFICATE_VERIFY_FAILED: {
    alert: 'unknown ca',
    why: "the client's certificate was not issued by doorman's CA (doorman tls client-cert mints one that is)",
  },
  ERR_SSL_NO_SHARED_CIPHER: { alert: 'handshake failure', why: 'the client and this listener share no cipher suite' },
  ERR_SSL_WRONG_VERSION_NUMBER: { alert: 'protocol version', why: 'what the client sent is not a TLS hello' },
  ERR_SSL_HTTP_REQUEST: { alert: 'protocol version', why: 'the client sent plain HTTP to an HTTPS listener; use https://' },
}

export interface HandshakeFailure {
  alert?: string
  alertFrom?: 'client' | 'server'
  error: string
  /** One clause for people: what happened. */
  why: string
}

/** Reads Node's error for a failed handshake: an alert the client sent, a refusal of the server's own, or a close. */
export function describeFailure(error: Error & { code?: string; reason?: string }): HandshakeFailure {
  const code = error.code ?? 'ERR_TLS_HANDSHAKE'
  const number = /SSL alert number (\d+)/.exec(error.message)?.[1]
  const alertCode = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(\w+)$/.exec(code)?.[1]
  if (number !== undefined || alertCode !== undefined) {
    const alert = (number !== undefined ? ALERTS[Number(number)] : undefined) ?? (alertCode ?? `alert ${number}`).toLowerCase().replace(/_/g, ' ')
    return { alert, alertFrom: 'client', error: code, why: `the client refused the handshake with the TLS alert '${alert}'${number ? ` (${number})` : ''}` }
  }
  const refusal = SERVER_REFUSALS[code]
  if (refusal) return { alert: refusal.alert, alertFrom: 'server', error: code, why: refusal.why }
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up|other side closed/.test(error.message)) {
    return {
      error: code,
      why: 'the client closed the connection during the handshake without a TLS alert (Node.js and Go clients close this way when they refuse a certificate)',
    }
  }
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return { error: code, why: 'the client did not finish the handshake in time' }
  return { error: code, why: `the handshake failed: ${error.reason ?? error.message.split('\n')[0]}` }
}

/** A client that completed the handshake and left without a request: on a listener with a bad certificate, that is a refusal. */
export function silentRefusal(): HandshakeFailure {
  return {
    error: 'CLOSED_BEFORE_REQUEST',
    why: 'the client completed the handshake, then closed the connection without sending a request (Node.js clients do this when they refuse a certificate)',
  }
}

export function handshakeDetail(mode: TlsMode | undefined, failure: HandshakeFailure, offered: string[] | undefined): string {
  const listener = mode ? `the '${mode}' listener (${MODE_FACTS[mode].serves})` : "the main listener (a certificate from doorman's CA)"
  const versions = mode === 'legacy-tls' && offered?.length ? `; the client offered ${offered.join(', ')}` : ''
  const hint =
    mode === undefined && failure.alertFrom !== 'server' ? "; a client that should trust the mock needs doorman's CA (doorman tls ca prints its path)" : ''
  return `Handshake on ${listener} failed: ${failure.why}${versions}${hint}.`
}

export interface HandshakeEntryInput {
  requestId: string
  startedAt: number
  connection: number
  facts: TlsFacts
  detail: string
}

/** The journal entry of a handshake that never carried a request: same keys as every entry, plus `tls`. */
export function handshakeEntry({ requestId, startedAt, connection, facts, detail }: HandshakeEntryInput): JournalEntry {
  return {
    requestId,
    time: new Date(startedAt).toISOString(),
    method: '',
    path: '',
    query: '',
    operation: undefined,
    headers: {},
    body: undefined,
    httpVersion: undefined,
    response: undefined,
    status: 0,
    step: 'tls',
    code: undefined,
    detail,
    durationMs: Math.round((Date.now() - startedAt) * 100) / 100,
    connection,
    fault: undefined,
    responseStartMs: undefined,
    responseEndMs: undefined,
    clientGaveUpMs: undefined,
    retryAfter: undefined,
    tls: facts,
  }
}

/** `TLS expired --- certificate expired 3ms → <detail>`: the log line of a failed handshake. */
export function handshakeLogLine(entry: JournalEntry, mode: 'pretty' | 'json'): string {
  const tls = entry.tls ?? {}
  if (mode === 'json') {
    // The request log line's shape (one contract, docs/logging.md), with no operation, status, code or fault, and `tls` last.
    return JSON.stringify({
      ...logLineJson({ ...entry, operation: undefined, status: 0, step: 'tls', code: undefined, fault: undefined }),
      tls,
    })
  }
  return `TLS ${tls.mode ?? 'main'} --- ${tls.alert ?? 'no alert'} ${entry.durationMs}ms → ${entry.detail}`
}
