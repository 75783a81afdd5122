/**
 * OpenAPI 3.1 mutualTLS security schemes (fixtures/specs/mutual-tls.yaml):
 * on an HTTPS listener, a client certificate from doorman's CA is the
 * credential; none is a 403 naming what to present, one from another CA a
 * 403 naming it; mutualTLS OR bearer, with neither, is the usual 401 with a
 * Bearer challenge. Over plain HTTP there is nothing to check: start-up says
 * so, and the requests pass.
 */
import t from 'tap'
import { mintClientCertificate } from '../../src/index.js'
import { fetchJson, fixture, startMock } from '../helpers.js'
import { agents, nodeFetch, tempTlsDir } from './tls-helpers.js'

const spec = fixture('specs', 'mutual-tls.yaml')
const mock = await startMock(t, { spec, tls: { dir: tempTlsDir(t) } })
const tls = mock.tls!
const clients = agents(t, tls.ca)
const { cert, key } = await tls.clientCert()
const withCert = clients.make({ ca: tls.ca, cert, key })
const stranger = await mintClientCertificate({ dir: tempTlsDir(t), commonName: 'stranger' })
const withStranger = clients.make({ ca: tls.ca, cert: stranger.cert, key: stranger.key })

t.test('an operation that needs mutualTLS: no certificate, a stranger, then one from the CA', async (t) => {
  const none = await nodeFetch(`${mock.url}/statements`, clients.verifying)
  t.match(none, {
    status: 403,
    body: {
      code: 'MUTUAL_TLS_CERT_MISSING',
      step: 'auth',
      scheme: 'clientCert',
      detail: /GET \/statements needs a client certificate.*doorman tls client-cert/,
    },
  })
  t.notOk(none.body!['www-authenticate'], 'no challenge: HTTP cannot ask for a certificate')
  const strange = await nodeFetch(`${mock.url}/statements`, withStranger)
  t.match(strange, { status: 403, body: { code: 'MUTUAL_TLS_CERT_UNTRUSTED', received: 'stranger', detail: /'stranger'.*not trusted/ } })
  t.equal((await nodeFetch(`${mock.url}/statements`, withCert)).status, 200, 'a certificate from the CA passes')
  t.match(mock.journal.last({ operation: 'listStatements' })!.tls, { clientCertificate: { subject: 'doorman client', trusted: true } })
})

t.test('with the certificate, the rest of the pipeline still applies', async (t) => {
  const post = (body: string) => nodeFetch(`${mock.url}/statements`, withCert, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  t.match(await post('{"month":"May"}'), { status: 422, body: { code: 'BODY_INVALID' } })
  t.equal((await post('{"month":"2026-05"}')).status, 201)
})

t.test('mutualTLS or a bearer token: with neither, a 401 that challenges for the token', async (t) => {
  const neither = await nodeFetch(`${mock.url}/balance`, clients.verifying)
  t.match(neither, { status: 401, body: { code: 'AUTH_MISSING', detail: /a client certificate issued by doorman's CA \(clientCert\), or a bearer token/ } })
  t.equal((await nodeFetch(`${mock.url}/balance`, withCert)).status, 200, 'the certificate alone passes')
  const token = mock.tokens.sign()
  t.equal((await nodeFetch(`${mock.url}/balance`, clients.verifying, { headers: { authorization: `Bearer ${token}` } })).status, 200, 'the token alone passes')
})

t.test('over plain HTTP there is no certificate to check: a start-up note, and requests pass', async (t) => {
  const plain = await startMock(t, { spec })
  t.match(plain.notes.join('\n'), /mutualTLS \(clientCert\) is checked on HTTPS listeners only: start with --tls/)
  const { status } = await fetchJson(`${plain.url}/statements`)
  t.equal(status, 200)
  t.notMatch(mock.notes.join('\n'), /mutualTLS/, 'no such note when TLS is on')
})
