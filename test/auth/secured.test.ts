// fixtures/specs/secured.yaml: oauth2 and openIdConnect scopes, API keys in
// the query and a cookie, OR and AND of requirements, optional and no auth.
import t from 'tap'
import { codes } from '../../src/index.js'
import { fixture, startMock } from '../helpers.js'
import { bearer, call, signHs } from './sign.js'

const SECRET = 'secured-secret'
const token = (scope: string) => signHs({ sub: 'bob', scope }, { secret: SECRET })
const HEADER_KEY = 'ApiKey realm="secured", in="header", name="X-API-Key"'
const QUERY_KEY = 'ApiKey realm="secured", in="query", name="api_key"'
const COOKIE_KEY = 'ApiKey realm="secured", in="cookie", name="session"'
const BASIC = 'Basic realm="secured", charset="UTF-8"'
const basic = (pair: string) => `Basic ${Buffer.from(pair).toString('base64')}`

t.test('secured.yaml with auth-secured.yaml', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'secured.yaml'), config: fixture('configs', 'auth-secured.yaml') })
  const url = (path: string) => `${mock.url}${path}`

  t.test('security: [] and an empty requirement need no credentials', async (t) => {
    t.equal((await call(url('/public'))).status, 200)
    t.equal((await call(url('/optional'))).status, 200)
  })

  t.test('the global requirement applies where an operation has none', async (t) => {
    const res = await call(url('/inherited'))
    t.equal(res.status, 401)
    t.equal(res.challenge, HEADER_KEY)
    t.equal((await call(url('/inherited'), { headers: { 'x-api-key': 'header-key-1' } })).status, 200)
  })

  t.test('oauth2 scopes: every scope the requirement lists', async (t) => {
    t.equal((await call(url('/oauth'), bearer(token('things:read')))).status, 200)
    const none = await call(url('/oauth'), bearer(token('')))
    t.equal(none.status, 403)
    t.equal(
      none.challenge,
      'Bearer realm="secured", error="insufficient_scope", error_description="The token lacks the scope things:read", scope="things:read"',
    )
    const partial = await call(url('/oauth'), { method: 'POST', ...bearer(token('things:read')) })
    t.equal(partial.status, 403)
    t.equal(
      partial.challenge,
      'Bearer realm="secured", error="insufficient_scope", error_description="The token lacks the scope things:write", scope="things:read things:write"',
    )
    t.equal(partial.code, codes.SCOPE_INSUFFICIENT)
    t.equal((await call(url('/oauth'), { method: 'POST', ...bearer(token('things:write things:read')) })).status, 200)
    const missing = await call(url('/oauth'))
    t.equal(missing.status, 401)
    t.equal(missing.challenge, 'Bearer realm="secured"')
  })

  t.test('openIdConnect tokens are bearer tokens with scopes too', async (t) => {
    t.equal((await call(url('/oidc'), bearer(token('openid profile')))).status, 200)
    t.equal((await call(url('/oidc'), bearer(token('openid')))).status, 403)
    t.equal((await call(url('/oidc'), bearer(signHs({ scope: 'profile' }, { secret: 'wrong' })))).code, codes.TOKEN_SIGNATURE_INVALID)
  })

  t.test('a bearer scheme without bearerFormat is verified as a JWT once a jwt config exists', async (t) => {
    const res = await call(url('/opaque'), bearer('an-opaque-token'))
    t.equal(res.status, 401)
    t.equal(res.code, codes.TOKEN_INVALID)
  })

  t.test('an API key in the query; the journal redacts it', async (t) => {
    t.equal((await call(url('/query-key?api_key=query-key-1'))).status, 200)
    const wrong = await call(url('/query-key?api_key=query-key-2&x=1'))
    t.equal(wrong.status, 401)
    t.equal(wrong.challenge, QUERY_KEY)
    t.equal(wrong.code, codes.API_KEY_INVALID)
    const missing = await call(url('/query-key'))
    t.equal(missing.challenge, QUERY_KEY)
    t.equal(missing.code, codes.AUTH_MISSING)
    const entries = mock.journal.entries({ operation: 'queryKey' })
    t.same(
      entries.map((e) => e.query),
      ['api_key=[redacted]', 'api_key=[redacted]&x=1', ''],
    )
  })

  t.test('an API key in a cookie', async (t) => {
    t.equal((await call(url('/cookie-key'), { headers: { cookie: 'theme=dark; session=cookie-key-1' } })).status, 200)
    const wrong = await call(url('/cookie-key'), { headers: { cookie: 'session=nope' } })
    t.equal(wrong.status, 401)
    t.equal(wrong.challenge, COOKIE_KEY)
    t.equal(wrong.code, codes.API_KEY_INVALID)
    const missing = await call(url('/cookie-key'), { headers: { cookie: 'theme=dark' } })
    t.equal(missing.code, codes.AUTH_MISSING)
    t.equal(missing.challenge, COOKIE_KEY)
  })

  t.test('OR: either alternative lets the request in; with none, every scheme is offered', async (t) => {
    t.equal((await call(url('/either'), { headers: { 'x-api-key': 'header-key-1' } })).status, 200)
    t.equal((await call(url('/either'), { headers: { authorization: basic('bob:builder') } })).status, 200)
    const none = await call(url('/either'))
    t.equal(none.status, 401)
    t.equal(none.challenge, `${HEADER_KEY}, ${BASIC}`)
    t.equal(none.code, codes.AUTH_MISSING)
    t.match(none.body.detail, /an API key in the X-API-Key header \(headerKey\), or HTTP basic credentials \(basic\)/)
    t.same(none.body.expected, ['headerKey', 'basic'])
    // Wrong credentials for one alternative say more than missing ones for the other.
    const wrong = await call(url('/either'), { headers: { authorization: basic('bob:the-builder') } })
    t.equal(wrong.status, 401)
    t.equal(wrong.code, codes.BASIC_CREDENTIALS_INVALID)
    t.equal(wrong.challenge, BASIC)
  })

  t.test('AND: every scheme of the requirement must pass', async (t) => {
    t.equal((await call(url('/both?api_key=query-key-1'), { headers: { 'x-api-key': 'header-key-1' } })).status, 200)
    const half = await call(url('/both'), { headers: { 'x-api-key': 'header-key-1' } })
    t.equal(half.status, 401)
    t.equal(half.code, codes.AUTH_MISSING)
    t.equal(half.challenge, `${HEADER_KEY}, ${QUERY_KEY}`)
    t.match(
      half.body.detail,
      'needs an API key in the X-API-Key header (headerKey) together with an API key in the api_key query parameter (queryKey); the request carries no API key in the api_key query parameter.',
    )
    t.same(half.body.expected, ['headerKey + queryKey'])
    const wrong = await call(url('/both?api_key=query-key-9'), { headers: { 'x-api-key': 'header-key-1' } })
    t.equal(wrong.code, codes.API_KEY_INVALID)
    t.equal(wrong.challenge, QUERY_KEY)
  })

  t.test('AND of a key and a scoped token, OR basic', async (t) => {
    const key = { 'x-api-key': 'header-key-1' }
    t.equal((await call(url('/key-and-token'), { headers: { ...key, authorization: `Bearer ${token('things:read')}` } })).status, 200)
    t.equal((await call(url('/key-and-token'), { headers: { authorization: basic('bob:builder') } })).status, 200)
    const scopeless = await call(url('/key-and-token'), { headers: { ...key, authorization: `Bearer ${token('other')}` } })
    t.equal(scopeless.status, 403)
    t.equal(scopeless.code, codes.SCOPE_INSUFFICIENT)
  })

  t.test('http digest is enforced (RFC 7616): no credentials → 401 with Digest challenges; no auth.digest is noted at start-up', async (t) => {
    const none = await call(url('/digest'))
    t.equal(none.status, 401)
    t.equal(none.code, codes.AUTH_MISSING)
    t.match(
      none.challenge,
      /^Digest realm="secured", qop="auth", algorithm=SHA-256, nonce="[^"]+", opaque="[0-9a-f]+", Digest realm="secured", qop="auth", algorithm=MD5, /,
    )
    t.match(mock.notes.join('\n'), /digest passwords are NOT checked: the config has no auth.digest/)
    t.notMatch(mock.notes.join('\n'), /signatures are NOT checked/, 'a jwt config means signatures are checked')
  })
})
