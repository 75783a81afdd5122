// Step 3 over real sockets: every bearer, API-key and basic case of issue 4,
// each checked for status, the exact WWW-Authenticate header and the code.
import http from 'node:http'
import { once } from 'node:events'
import t from 'tap'
import { codes } from '../../src/index.js'
import { AUDIENCE, bearer, call, forge, goodClaims, ISSUER, now, signHs, signWithKey } from '../auth/sign.js'
import { fixture, startMock } from '../helpers.js'

const REALM = 'Bearer realm="Orders API"'
const invalidRequest = (description: string) => `${REALM}, error="invalid_request", error_description="${description}"`
const invalidToken = (description: string) => `${REALM}, error="invalid_token", error_description="${description}"`
const NEW_ORDER = JSON.stringify({ customerId: 'c-123', items: [{ sku: 'ABC-1234', qty: 1 }] })

t.test('bearer tokens on openapi.yaml with auth-secret.yaml', async (t) => {
  const mock = await startMock(t, { config: fixture('configs', 'auth-secret.yaml') })
  const orders = `${mock.url}/orders`
  const createOrder = (token: string, headers: Record<string, string> = {}) =>
    call(orders, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: NEW_ORDER })

  t.test('no credentials → 401 with a challenge and no error attribute (RFC 6750 §3.1)', async (t) => {
    const res = await call(orders)
    t.equal(res.status, 401)
    t.equal(res.challenge, REALM)
    t.equal(res.code, codes.AUTH_MISSING)
    t.match(res.body.detail, /GET \/orders needs a bearer token .*bearerAuth.*doorman token/)
  })

  t.test('another scheme (Basic, Token) counts as no bearer credentials → 401 without error', async (t) => {
    for (const authorization of ['Basic YWxpY2U6d29uZGVybGFuZA==', 'Token abc123']) {
      const res = await call(orders, { headers: { authorization } })
      t.equal(res.status, 401, authorization)
      t.equal(res.challenge, REALM)
      t.equal(res.code, codes.AUTH_MISSING)
      t.match(res.body.detail, /uses the '(Basic|Token)' scheme, not Bearer/)
    }
  })

  t.test('malformed requests → 400 invalid_request', async (t) => {
    const cases: Array<[string, RequestInit, string]> = [
      ['Bearer with no token', { headers: { authorization: 'Bearer' } }, 'The Authorization header says Bearer but no token follows'],
      [
        'a space inside the token',
        { headers: { authorization: 'Bearer abc def' } },
        'The token holds a space at position 4; a bearer token is letters, digits and - . _ ~ + / with = only at the end (RFC 6750 section 2.1)',
      ],
      [
        'an illegal character',
        { headers: { authorization: 'Bearer abc$def' } },
        "The token holds a '$' character at position 4; a bearer token is letters, digits and - . _ ~ + / with = only at the end (RFC 6750 section 2.1)",
      ],
    ]
    for (const [what, init, description] of cases) {
      const res = await call(orders, init)
      t.equal(res.status, 400, what)
      t.equal(res.challenge, invalidRequest(description), what)
      t.equal(res.code, codes.AUTH_MALFORMED, what)
    }
    const token = mock.tokens.sign({ sub: 'alice' })
    const both = await call(`${orders}?access_token=${token}`, bearer(token))
    t.equal(both.status, 400)
    t.equal(
      both.challenge,
      invalidRequest('The request carries a token both in the Authorization header and in the access_token query parameter; send it one way only'),
    )
    t.equal(both.code, codes.AUTH_MALFORMED)
    const twice = await call(`${orders}?access_token=${token}&access_token=${token}`)
    t.equal(twice.status, 400)
    t.equal(twice.challenge, invalidRequest('The access_token query parameter appears 2 times; send one token'))
  })

  t.test('bad tokens → 401 invalid_token saying which check failed', async (t) => {
    const cases: Array<[string, string, string, string]> = [
      ['garbage', 'not-a-jwt', codes.TOKEN_INVALID, 'The token is not a JWT (three base64url parts separated by dots)'],
      [
        'a signature from another secret',
        signHs(goodClaims(), { secret: 'some-other-secret' }),
        codes.TOKEN_SIGNATURE_INVALID,
        'The token signature does not verify with the configured secret',
      ],
      ['expired', signHs(goodClaims({ exp: 1700000000 })), codes.TOKEN_EXPIRED, 'The token expired at 2023-11-14T22:13:20.000Z'],
      ['not yet valid', signHs(goodClaims({ nbf: 4102444800 })), codes.TOKEN_NOT_YET_VALID, 'The token is not valid before 2100-01-01T00:00:00.000Z'],
      [
        'a wrong issuer',
        signHs(goodClaims({ iss: 'https://evil.example' })),
        codes.TOKEN_ISSUER_MISMATCH,
        `The token issuer is 'https://evil.example', expected '${ISSUER}'`,
      ],
      ['no issuer', signHs(goodClaims({ iss: undefined })), codes.TOKEN_ISSUER_MISMATCH, `The token has no iss claim, expected '${ISSUER}'`],
      [
        'a wrong audience',
        signHs(goodClaims({ aud: 'billing-api' })),
        codes.TOKEN_AUDIENCE_MISMATCH,
        `The token audience is 'billing-api', expected '${AUDIENCE}'`,
      ],
      [
        'an audience list without ours',
        signHs(goodClaims({ aud: ['billing-api', 'users-api'] })),
        codes.TOKEN_AUDIENCE_MISMATCH,
        `The token audience is '['billing-api','users-api']', expected '${AUDIENCE}'`,
      ],
      ['a missing required claim', signHs(goodClaims({ sub: undefined })), codes.TOKEN_CLAIM_MISSING, 'The token has no sub claim, which this API requires'],
      [
        'HS512 against a pinned HS256',
        signHs(goodClaims(), { algorithm: 'HS512' }),
        codes.TOKEN_ALGORITHM_REJECTED,
        "The token is signed with 'HS512', but this API accepts only HS256",
      ],
      [
        'RS256 against a secret',
        signWithKey('rs256', 'RS256', goodClaims()),
        codes.TOKEN_ALGORITHM_REJECTED,
        "The token is signed with 'RS256', but this API accepts only HS256",
      ],
      [
        'alg none',
        forge({ alg: 'none', typ: 'JWT' }, goodClaims()),
        codes.TOKEN_ALGORITHM_REJECTED,
        "The token is not signed (alg 'none'), and unsigned tokens never pass",
      ],
    ]
    for (const [what, token, code, description] of cases) {
      const res = await call(orders, bearer(token))
      t.equal(res.status, 401, what)
      t.equal(res.challenge, invalidToken(description), what)
      t.equal(res.code, code, what)
      // The detail keeps the claim's own quotes; only the header needs them replaced.
      t.ok(res.body.detail.replace(/"/g, "'").startsWith(`${description}.`), `${what}: the detail starts with the description`)
      // No refusal echoes the token (nor its signature) back.
      const signature = token.split('.')[2]
      if (signature) t.notOk(JSON.stringify(res.body).includes(signature), `${what}: the token is not echoed`)
    }
  })

  t.test('error_description never holds a quote or a backslash, whatever the token claims', async (t) => {
    const res = await call(orders, bearer(signHs(goodClaims({ iss: 'say "hi" \\ bye\r\nX-Injected: 1' }))))
    t.equal(res.status, 401)
    t.equal(res.code, codes.TOKEN_ISSUER_MISMATCH)
    const description = /error_description="([^"]*)"$/.exec(res.challenge!)![1]
    t.equal(description, `The token issuer is 'say 'hi' / bye??X-Injected: 1', expected '${ISSUER}'`)
    t.notMatch(description, /["\\]/)
  })

  t.test('a valid token without the scope → 403 insufficient_scope listing it', async (t) => {
    const res = await createOrder(mock.tokens.sign({ sub: 'alice', scope: 'orders:read' }))
    t.equal(res.status, 403)
    t.equal(res.challenge, `${REALM}, error="insufficient_scope", error_description="The token lacks the scope orders:write", scope="orders:write"`)
    t.equal(res.code, codes.SCOPE_INSUFFICIENT)
    t.same(res.body.expected, ['orders:write'])
    t.same(res.body.received, ['orders:read'])
    t.match(res.body.detail, 'doorman token --scope "orders:write"')
  })

  t.test('valid tokens pass: scope or scp, any case of Bearer, header or query, opaque tokens', async (t) => {
    t.equal((await createOrder(mock.tokens.sign({ sub: 'alice', scope: 'orders:read orders:write' }))).status, 201)
    t.equal((await createOrder(mock.tokens.sign({ sub: 'alice', scp: ['orders:write'] }))).status, 201)
    const token = mock.tokens.sign({ sub: 'alice' })
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      t.equal((await call(orders, { headers: { authorization: `${scheme} ${token}` } })).status, 200, scheme)
    }
    t.equal((await call(`${orders}?access_token=${token}`)).status, 200, 'RFC 6750 §2.3 query parameter')
    t.equal((await call(orders, bearer('opaque-token-1'))).status, 200, 'an opaque token from auth.bearer.tokens')
    t.equal((await createOrder('opaque-token-1')).status, 201, 'opaque tokens carry every scope')
    t.equal((await call(orders, bearer('opaque-token-2'))).code, codes.TOKEN_INVALID, 'an opaque token not in the list')
  })

  t.test('API keys: missing → 401, wrong → 401 naming the scheme, right → in', async (t) => {
    const order = `${mock.url}/orders/o-1001`
    const challenge = 'ApiKey realm="Orders API", in="header", name="X-API-Key"'
    const missing = await call(order, { method: 'DELETE' })
    t.equal(missing.status, 401)
    t.equal(missing.challenge, challenge)
    t.equal(missing.code, codes.AUTH_MISSING)
    const wrong = await call(order, { method: 'DELETE', headers: { 'x-api-key': 'key-3' } })
    t.equal(wrong.status, 401)
    t.equal(wrong.challenge, challenge)
    t.equal(wrong.code, codes.API_KEY_INVALID)
    t.equal(wrong.body.scheme, 'apiKeyAuth')
    t.notMatch(JSON.stringify(wrong.body), /key-3/, 'the wrong key is not echoed')
    const empty = await call(order, { method: 'DELETE', headers: { 'x-api-key': '' } })
    t.equal(empty.status, 400)
    t.equal(empty.code, codes.AUTH_MALFORMED)
    t.equal((await fetch(order, { method: 'DELETE', headers: { 'x-api-key': 'key-2' } })).status, 204)
  })

  t.test('basic: missing → 401, malformed → 401 (RFC 7617 has no 400), wrong → 401, right → in', async (t) => {
    const attachments = `${mock.url}/orders/o-1001/attachments`
    const challenge = 'Basic realm="Orders API", charset="UTF-8"'
    const basic = (text: string) => ({ method: 'POST', headers: { authorization: `Basic ${Buffer.from(text).toString('base64')}` } })
    const missing = await call(attachments, { method: 'POST' })
    t.equal(missing.status, 401)
    t.equal(missing.challenge, challenge)
    t.equal(missing.code, codes.AUTH_MISSING)
    const notBase64 = await call(attachments, { method: 'POST', headers: { authorization: 'Basic alice:wonderland' } })
    t.equal(notBase64.status, 401)
    t.equal(notBase64.challenge, challenge)
    t.equal(notBase64.code, codes.BASIC_CREDENTIALS_MALFORMED)
    const noColon = await call(attachments, basic('alice'))
    t.equal(noColon.status, 401)
    t.equal(noColon.challenge, challenge)
    t.equal(noColon.code, codes.BASIC_CREDENTIALS_MALFORMED)
    t.match(noColon.body.detail, /without a colon/)
    for (const pair of ['alice:looking-glass', 'mallory:wonderland']) {
      const wrong = await call(attachments, basic(pair))
      t.equal(wrong.status, 401, pair)
      t.equal(wrong.challenge, challenge)
      t.equal(wrong.code, codes.BASIC_CREDENTIALS_INVALID)
      t.notMatch(JSON.stringify(wrong.body), /looking-glass|wonderland/, 'the password is not echoed')
    }
    const right = await call(attachments, basic('alice:wonderland'))
    t.not(right.body?.step, 'auth', 'right credentials get past the auth step')
  })

  t.test('auth answers before content-type and size: no token + wrong type → 401', async (t) => {
    const res = await call(orders, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(2_000_000) })
    t.equal(res.status, 401)
    t.equal(res.code, codes.AUTH_MISSING)
  })

  t.test('Expect: 100-continue without a token gets the 401 instead of 100 Continue', async (t) => {
    const request = http.request(orders, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(NEW_ORDER.length), expect: '100-continue' },
    })
    let continued = false
    request.on('continue', () => (continued = true))
    request.end()
    const [response] = (await once(request, 'response')) as [http.IncomingMessage]
    response.resume()
    t.equal(response.statusCode, 401)
    t.equal(response.headers['www-authenticate'], REALM)
    t.notOk(continued, 'no 100 Continue was sent')
    request.destroy()
  })

  t.test('the journal records the auth step and redacts the credentials', async (t) => {
    mock.journal.clear()
    await call(`${orders}?access_token=secret-query-token&limit=5`)
    const [entry] = await mock.journal.waitFor({ step: 'auth' })
    t.equal(entry.code, codes.TOKEN_INVALID)
    t.equal(entry.query, 'access_token=[redacted]&limit=5')
    await call(orders, bearer(signHs(goodClaims({ exp: now() - 5 }))))
    const last = mock.journal.last()!
    t.equal(last.code, codes.TOKEN_EXPIRED)
    t.equal(last.headers.authorization, '[redacted]')
  })
})
