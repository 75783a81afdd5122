// The small pieces, without a server: challenge rendering, durations,
// constant-time comparison and the fast-jwt error table.
import t from 'tap'
import { BearerVerifier } from '../../src/auth/bearer.js'
import { JwtHost } from '../../src/auth/jwt-host.js'
import { DEV_SECRET } from '../../src/auth/tokens.js'
import { challengeFor, quotable, renderChallenge, renderChallenges } from '../../src/auth/challenge.js'
import { matchesAny, safeEqual } from '../../src/auth/compare.js'
import { resolveAuth, type JwtSettings, type VerifyKey } from '../../src/auth/config.js'
import { parseDuration } from '../../src/auth/duration.js'
import { FAST_JWT_ERRORS, translateJwtError } from '../../src/auth/jwt-errors.js'
import { CATALOG } from '../../src/index.js'

t.test('challenges', async (t) => {
  t.equal(renderChallenge('Orders API', { scheme: 'Bearer', params: [] }), 'Bearer realm="Orders API"')
  t.equal(
    renderChallenge('r', {
      scheme: 'Bearer',
      params: [
        ['error', 'invalid_token'],
        ['error_description', undefined],
        ['scope', 'a b'],
      ],
    }),
    'Bearer realm="r", error="invalid_token", scope="a b"',
    'undefined attributes are left out',
  )
  t.equal(quotable('a "quoted" \\path\\ with é and \u0000\r\n'), "a 'quoted' /path/ with e? and ???", 'RFC 6750 §3 characters only')
  t.equal(quotable('x'.repeat(300)).length, 200, 'long values are cut')
  const key = { kind: 'apiKey', name: 'k', in: 'query', param: 'api_key', keys: undefined } as const
  t.equal(renderChallenges('r', [challengeFor(key)!, challengeFor(key)!]), 'ApiKey realm="r", in="query", name="api_key"', 'duplicates once')
  t.equal(challengeFor({ kind: 'unchecked', name: 'd', what: 'http digest' }), undefined)
})

t.test('durations', async (t) => {
  t.equal(parseDuration('15m'), 900_000)
  t.equal(parseDuration('1h'), 3_600_000)
  t.equal(parseDuration('-5m'), -300_000)
  t.equal(parseDuration('90'), 90_000, 'a bare number is seconds, as in JWT claims')
  t.equal(parseDuration(30), 30_000)
  t.equal(parseDuration('0s'), 0)
  t.equal(parseDuration('0'), 0)
  t.equal(parseDuration('soon'), undefined)
  t.equal(parseDuration('0zz'), undefined)
})

t.test('constant-time comparison', async (t) => {
  t.ok(safeEqual('key-1', 'key-1'))
  t.notOk(safeEqual('key-1', 'key-12'), 'different lengths compare (as digests) without throwing')
  t.ok(matchesAny('b', ['a', 'b', 'c']))
  t.notOk(matchesAny('d', ['a', 'b', 'c']))
  t.notOk(matchesAny('a', []))
})

t.test('every fast-jwt error becomes a 401 auth code, never a 500', async (t) => {
  const key: VerifyKey = { kid: undefined, material: 's', algorithms: ['HS256'], label: 'the configured secret' }
  const settings: JwtSettings = {
    source: 'secret',
    keys: [key],
    signing: undefined,
    algorithms: ['HS256'],
    issuer: ['https://issuer.example'],
    audience: ['api'],
    clockToleranceMs: 0,
    requiredClaims: ['tenant'],
  }
  const ctx = { header: { alg: 'HS256' }, payload: { iss: 'x', aud: 'y', exp: 1700000000, nbf: 4102444800 }, key, settings }
  for (const code of Object.keys(FAST_JWT_ERRORS)) {
    const failure = translateJwtError(Object.assign(new Error('The token is bad.'), { code }), ctx)
    t.equal(CATALOG[failure.code].status, 401, code)
    t.equal(CATALOG[failure.code].step, 'auth', code)
    t.ok(failure.description.length > 10, `${code} has a description`)
  }
  const cases: Array<[string, string, string]> = [
    ['FAST_JWT_EXPIRED', 'The token is expired.', 'TOKEN_EXPIRED'],
    ['FAST_JWT_INACTIVE', 'The token will be active at ...', 'TOKEN_NOT_YET_VALID'],
    ['FAST_JWT_INVALID_ALGORITHM', 'The token algorithm is invalid.', 'TOKEN_ALGORITHM_REJECTED'],
    ['FAST_JWT_INVALID_CLAIM_VALUE', 'The iss claim value is not allowed.', 'TOKEN_ISSUER_MISMATCH'],
    ['FAST_JWT_INVALID_CLAIM_VALUE', 'None of aud claim values are allowed.', 'TOKEN_AUDIENCE_MISMATCH'],
    ['FAST_JWT_INVALID_CLAIM_VALUE', 'The sub claim value is not allowed.', 'TOKEN_INVALID'],
    ['FAST_JWT_MISSING_REQUIRED_CLAIM', 'The tenant claim is required.', 'TOKEN_CLAIM_MISSING'],
    ['FAST_JWT_MISSING_REQUIRED_CLAIM', 'The iss claim is required.', 'TOKEN_ISSUER_MISMATCH'],
    ['FAST_JWT_SOMETHING_NEW', 'A future fast-jwt error.', 'TOKEN_INVALID'],
  ]
  for (const [code, message, expected] of cases) {
    t.equal(translateJwtError(Object.assign(new Error(message), { code }), ctx).code, expected, `${code}: ${message}`)
  }
  t.equal(
    translateJwtError(Object.assign(new Error('The tenant claim is required.'), { code: 'FAST_JWT_MISSING_REQUIRED_CLAIM' }), ctx).description,
    'The token has no tenant claim, which this API requires',
  )
})

t.test('a token that is not a JWT says which part is wrong', async (t) => {
  const auth = resolveAuth(undefined, { file: undefined, baseDir: '.' })
  const host = new JwtHost()
  await host.standalone(auth, DEV_SECRET)
  const presence = new BearerVerifier(auth, host)
  const description = (token: string) => {
    const result = presence.check(token, true)
    return result.ok ? 'passed' : result.failure.description
  }
  t.equal(description('x'), 'The token is not a JWT (three base64url parts separated by dots)')
  t.equal(description('a.b.c'), 'The token is not a JWT: the token header is not a valid base64url serialized JSON')
  t.equal(description('eyJhbGciOiJIUzI1NiJ9.WzFd.c2ln'), 'The token payload is not a JSON object')
  t.equal(presence.check('x', false).ok, true, 'without bearerFormat: JWT an opaque token passes in presence mode')
})
