/**
 * Every TLS mode against Node's fetch (undici), both ways: a client that
 * trusts doorman's CA and verifies fails with the error Node gives for that
 * problem, and the journal has the handshake; a client that verifies nothing
 * gets its answer, and the report says, in plain words, what it accepted.
 * One mock for the file: the certificates are made once.
 */
import t from 'tap'
import { TLS_MODES, type TlsMode } from '../../src/index.js'
import { startMock } from '../helpers.js'
import { agents, nextTlsEntry, nodeFetch, tempTlsDir } from './tls-helpers.js'

const dir = tempTlsDir(t)
const mock = await startMock(t, { tls: { modes: 'all', dir } })
const tls = mock.tls!
const clients = agents(t, tls.ca)
const seen = new Set<string>()

/** What Node says when it refuses each mode's certificate. */
const NODE_REFUSES: Partial<Record<TlsMode, string>> = {
  expired: 'CERT_HAS_EXPIRED',
  'not-yet-valid': 'CERT_NOT_YET_VALID',
  'wrong-host': 'ERR_TLS_CERT_ALTNAME_INVALID',
  'self-signed': 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'untrusted-root': 'SELF_SIGNED_CERT_IN_CHAIN',
  'incomplete-chain': 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
}
const BAD_CERTIFICATES = Object.keys(NODE_REFUSES) as TlsMode[]

t.test('the main listener is HTTPS, every mode has its own port, and health says where', async (t) => {
  t.match(mock.url, /^https:\/\/127\.0\.0\.1:\d+$/)
  t.same(Object.keys(tls.urls), [...TLS_MODES])
  const ports = new Set([mock.url, ...Object.values(tls.urls)].map((url) => new URL(url).port))
  t.equal(ports.size, TLS_MODES.length + 1, 'one port per listener')
  t.match(tls.caFile, new RegExp(`^${dir}/ca\\.pem$`))
  const health = await nodeFetch(`${mock.url}/__doorman/health`, clients.verifying)
  t.equal(health.status, 200)
  t.same(health.body!.tls, { ca: tls.caFile, modes: tls.urls })
})

t.test('the whole pipeline runs the same over TLS', async (t) => {
  const token = mock.tokens.sign({ scope: 'orders:write' })
  const order = JSON.stringify({ customerId: 'c-123', items: [{ sku: 'ABC-1234', qty: 2 }] })
  const post = (headers: Record<string, string>, body = order) => nodeFetch(`${mock.url}/orders`, clients.verifying, { method: 'POST', headers, body })
  const created = await post({ authorization: `Bearer ${token}`, 'content-type': 'application/json' })
  t.equal(created.status, 201, 'a valid order is created')
  const noToken = await post({ 'content-type': 'application/json' })
  t.match(noToken, { status: 401, body: { code: 'AUTH_MISSING', type: `${mock.url}/__doorman/problems/AUTH_MISSING` } }, "a problem's type link says https")
  const typo = await post({ authorization: `Bearer ${token}`, 'content-type': 'application/jsn' })
  t.match(typo, { status: 415, body: { code: 'CONTENT_TYPE_UNSUPPORTED' } })
  const invalid = await post({ authorization: `Bearer ${token}`, 'content-type': 'application/json' }, '{"customerId":"bob","items":[]}')
  t.match(invalid, { status: 422, body: { code: 'BODY_INVALID' } })
  const faulted = await nodeFetch(`${mock.url}/health`, clients.verifying, { headers: { prefer: 'code=503' } })
  t.match(faulted, { status: 503, body: { code: 'FAULT_STATUS' } })
  const [entry] = mock.journal.entries({ operation: 'createOrder', status: 201 })
  t.match(entry.tls, { protocol: 'TLSv1.3' }, 'the journal says which protocol')
  t.equal(entry.tls!.mode, undefined, 'the main listener has no mode')
})

t.test('plain HTTP to an HTTPS listener gets a problem it can read', async (t) => {
  const res = await fetch(mock.url.replace('https:', 'http:') + '/orders')
  t.equal(res.status, 400)
  t.match(await res.json(), { code: 'HTTPS_REQUIRED', step: 'tls', detail: /https:\/\/127\.0\.0\.1:\d+\/orders/ })
  const entry = mock.journal.last({ code: 'HTTPS_REQUIRED' })
  t.match(entry, { method: 'GET', path: '/orders', status: 400, step: 'tls' })
})

t.test('a client that verifies refuses every bad certificate, and the journal has each handshake', async (t) => {
  mock.reset()
  for (const mode of BAD_CERTIFICATES) {
    const outcome = await nodeFetch(`${tls.urls[mode]}/health`, clients.verifying)
    t.equal(outcome.error, NODE_REFUSES[mode], `${mode}: Node says ${NODE_REFUSES[mode]}`)
    const entry = await nextTlsEntry(mock, mode, seen)
    t.match(entry, { step: 'tls', status: 0, method: '', tls: { mode } }, `${mode}: journaled as a failed handshake`)
    // Node checks certificates after OpenSSL's handshake and just closes: there is no alert to record.
    t.equal(entry.tls!.alert, undefined, `${mode}: Node sends no alert`)
    t.match(entry.detail, new RegExp(`'${mode}' listener .* closed the connection`))
    t.ok(entry.tls!.offered!.includes('TLSv1.3'), `${mode}: the versions the client offered`)
  }
  const report = mock.report().tls!
  t.same(report.flags, [], 'nothing to flag')
  for (const listener of report.listeners) {
    t.match(listener, { requests: 0, refused: 1, flagged: false, explain: /^the client refused .*it verifies certificates$/ }, listener.mode)
  }
})

t.test('a client that verifies nothing gets its answers, and the report flags it', async (t) => {
  mock.reset()
  for (const mode of BAD_CERTIFICATES) {
    const outcome = await nodeFetch(`${tls.urls[mode]}/health`, clients.blind)
    t.equal(outcome.status, 200, `${mode}: answered`)
    t.match(mock.journal.last({ operation: 'getHealth' })!.tls, { mode }, `${mode}: the request is journaled with its mode`)
  }
  const report = mock.report()
  const flags = report.tls!.flags
  t.equal(flags.length, BAD_CERTIFICATES.length, 'one flag per bad certificate')
  t.match(flags, [
    /^the client accepted an expired certificate: it is not verifying certificates/,
    /^the client accepted a certificate that is not valid yet: it is not verifying certificates/,
    /^the client accepted a certificate issued for another host \(wrong\.host\.invalid\): it is not verifying certificates/,
    /^the client accepted a self-signed certificate: it is not verifying certificates/,
    /^the client accepted a certificate from a root nobody trusts: it is not verifying certificates/,
    /^the client accepted a certificate whose chain is incomplete/,
  ])
  const { formatReport } = await import('../../src/index.js')
  t.match(formatReport(report), /WARNING: the client accepted an expired certificate: it is not verifying certificates/)
})

t.test('legacy-tls: modern clients fail with a protocol-version alert; one that allows TLS 1.0 is flagged', async (t) => {
  mock.reset()
  for (const agent of [clients.verifying, clients.blind]) {
    const outcome = await nodeFetch(`${tls.urls['legacy-tls']}/health`, agent)
    t.equal(outcome.error, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION')
    const entry = await nextTlsEntry(mock, 'legacy-tls', seen)
    t.match(entry.tls, { alert: 'protocol version', alertFrom: 'server', offered: ['TLSv1.3', 'TLSv1.2'] })
    t.match(entry.detail, /the client offered TLSv1\.3, TLSv1\.2/)
  }
  // What an old client, or one configured to allow anything, does.
  const lax = clients.make({ ca: tls.ca, minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' } as never)
  const outcome = await nodeFetch(`${tls.urls['legacy-tls']}/health`, lax)
  t.equal(outcome.status, 200, 'a client that allows TLS 1.0 gets through')
  t.match(mock.journal.last({ operation: 'getHealth' })!.tls, { mode: 'legacy-tls', protocol: 'TLSv1.1' })
  t.match(mock.report().tls!.flags, [/^the client accepted TLS 1\.0\/1\.1, which RFC 8996 retired: it allows obsolete protocol versions/])
})

t.test('client-cert-required: no handshake without a certificate from the CA; with one, the request goes through', async (t) => {
  mock.reset()
  const url = `${tls.urls['client-cert-required']}/health`
  const without = await nodeFetch(url, clients.verifying)
  t.ok(['UND_ERR_SOCKET', 'ECONNRESET', 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'].includes(without.error!), `refused (${without.error})`)
  const entry = await nextTlsEntry(mock, 'client-cert-required', seen)
  t.match(entry.tls, { alert: 'certificate required', alertFrom: 'server' })
  t.match(entry.detail, /sent no client certificate.*doorman tls client-cert/)

  const { cert, key } = await tls.clientCert()
  const withCert = await nodeFetch(url, clients.make({ ca: tls.ca, cert, key }))
  t.equal(withCert.status, 200)
  t.match(mock.journal.last({ operation: 'getHealth' })!.tls, { mode: 'client-cert-required', clientCertificate: { subject: 'doorman client', trusted: true } })
})

t.test('client-cert-optional: the handshake completes, and the request is refused with a problem naming the certificate', async (t) => {
  mock.reset()
  const url = `${tls.urls['client-cert-optional']}/health`
  const without = await nodeFetch(url, clients.verifying)
  t.match(without, { status: 403, body: { code: 'TLS_CLIENT_CERT_MISSING', step: 'tls', detail: /presented none/ } })

  // A certificate from a CA that is not doorman's: another folder makes another CA.
  const { mintClientCertificate } = await import('../../src/index.js')
  const stranger = await mintClientCertificate({ dir: tempTlsDir(t), commonName: 'stranger' })
  const untrusted = await nodeFetch(url, clients.make({ ca: tls.ca, cert: stranger.cert, key: stranger.key }))
  t.match(untrusted, { status: 403, body: { code: 'TLS_CLIENT_CERT_UNTRUSTED', received: 'stranger', detail: /'stranger'/ } })

  const { cert, key } = await tls.clientCert()
  t.equal((await nodeFetch(url, clients.make({ ca: tls.ca, cert, key }))).status, 200, 'a certificate from the CA passes')
  const listener = mock.report().tls!.listeners.find((l) => l.mode === 'client-cert-optional')!
  t.match(listener, { requests: 3, withClientCertificate: 1, flagged: false })
})

t.test('a client that does not trust the CA fails on the main listener, and the journal says why', async (t) => {
  mock.reset()
  const outcome = await nodeFetch(`${mock.url}/health`, clients.make({}))
  // The listener sends doorman's CA after its leaf (Node adds the issuer it knows): to this client, a root it does not trust.
  t.equal(outcome.error, 'SELF_SIGNED_CERT_IN_CHAIN')
  const entry = await nextTlsEntry(mock, undefined, seen)
  t.match(entry.detail, /main listener.*doorman tls ca/)
})
