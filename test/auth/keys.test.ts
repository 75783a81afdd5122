// Key modes (PEM public keys, JWKS by kid, clock tolerance) over real sockets,
// and the SetupErrors a bad key configuration earns at start-up.
import t from 'tap'
import { createDecoder } from 'fast-jwt'
import { codes, SetupError, startServer } from '../../src/index.js'
import { DEFAULT_SPEC, fixture, startMock } from '../helpers.js'
import { bearer, call, now, signWithKey } from './sign.js'

const decode = createDecoder({ complete: true })
const invalidToken = (description: string) => `Bearer realm="Orders API", error="invalid_token", error_description="${description}"`

for (const [name, alg, label] of [
  ['rs256', 'RS256', 'an RSA key'],
  ['es256', 'ES256', 'an EC P-256 key'],
  ['eddsa', 'EdDSA', 'an Ed25519 key'],
] as const) {
  t.test(`${alg} with a PEM public key (auth-${name}.yaml)`, async (t) => {
    const mock = await startMock(t, { config: fixture('configs', `auth-${name}.yaml`) })
    const orders = `${mock.url}/orders`
    const minted = mock.tokens.sign({ sub: 'alice' })
    t.equal(decode(minted).header.alg, alg, 'minted with the private key beside the public one')
    t.equal((await call(orders, bearer(minted))).status, 200)
    t.equal((await call(orders, bearer(signWithKey(name, alg, { sub: 'alice' })))).status, 200, 'a token from another signer with the same key')

    const untrusted = await call(orders, bearer(signWithKey('untrusted', 'RS256', { sub: 'alice' })))
    if (alg === 'RS256') {
      t.equal(untrusted.code, codes.TOKEN_SIGNATURE_INVALID)
      t.equal(untrusted.challenge, invalidToken(`The token signature does not verify with ${label}`))
    } else {
      t.equal(untrusted.code, codes.TOKEN_ALGORITHM_REJECTED, 'an RS256 token against a pinned key of another type')
      t.equal(untrusted.challenge, invalidToken(`The token is signed with 'RS256', but this API accepts only ${alg}`))
    }
  })
}

t.test('an RSA key pins RS256 unless told otherwise: PS256 is refused', async (t) => {
  const mock = await startMock(t, { config: fixture('configs', 'auth-rs256.yaml') })
  const res = await call(`${mock.url}/orders`, bearer(signWithKey('rs256', 'PS256', { sub: 'alice' })))
  t.equal(res.status, 401)
  t.equal(res.code, codes.TOKEN_ALGORITHM_REJECTED)
  const pinned = await startMock(t, { config: { auth: { bearer: { jwt: { publicKey: fixture('keys', 'rs256.pub.pem'), algorithms: ['RS256', 'PS256'] } } } } })
  t.equal((await call(`${pinned.url}/orders`, bearer(signWithKey('rs256', 'PS256', { sub: 'alice' })))).status, 200, 'pinned PS256 passes')
})

t.test('a JWKS: the kid picks the key', async (t) => {
  const mock = await startMock(t, { config: fixture('configs', 'auth-jwks.yaml') })
  const orders = `${mock.url}/orders`
  for (const [kid, alg] of [
    ['rs256', 'RS256'],
    ['es256', 'ES256'],
    ['eddsa', 'EdDSA'],
  ] as const) {
    t.equal((await call(orders, bearer(signWithKey(kid, alg, { sub: 'alice' }, kid)))).status, 200, kid)
  }
  const minted = mock.tokens.sign({ sub: 'alice' })
  t.same(decode(minted).header, { alg: 'ES256', typ: 'JWT', kid: 'es256' }, 'minted with the JWKS key that matches the private key')
  t.equal((await call(orders, bearer(minted))).status, 200)

  const unknown = await call(orders, bearer(signWithKey('rs256', 'RS256', { sub: 'alice' }, 'rotated-away')))
  t.equal(unknown.status, 401)
  t.equal(unknown.code, codes.TOKEN_KEY_UNKNOWN)
  t.equal(unknown.challenge, invalidToken("The token kid 'rotated-away' names no key in the JWKS (kids: rs256, es256, eddsa)"))

  const noKid = await call(orders, bearer(signWithKey('rs256', 'RS256', { sub: 'alice' })))
  t.equal(noKid.code, codes.TOKEN_KEY_UNKNOWN)
  t.equal(noKid.challenge, invalidToken('The token has no kid header, and the JWKS holds 3 keys (rs256, es256, eddsa)'))

  const forged = await call(orders, bearer(signWithKey('untrusted', 'RS256', { sub: 'alice' }, 'rs256')))
  t.equal(forged.code, codes.TOKEN_SIGNATURE_INVALID)
  t.equal(forged.challenge, invalidToken("The token signature does not verify with key 'rs256' (RSA key)"))

  const mismatched = await call(orders, bearer(signWithKey('es256', 'ES256', { sub: 'alice' }, 'rs256')))
  t.equal(mismatched.code, codes.TOKEN_ALGORITHM_REJECTED)
  t.equal(mismatched.challenge, invalidToken("The token is signed with 'ES256', which key 'rs256' (RSA key) cannot check (it takes RS256)"))
})

t.test('clockTolerance lets a token that just expired pass; a verify-only config cannot mint', async (t) => {
  const mock = await startMock(t, { config: fixture('configs', 'auth-public-only.yaml') })
  const orders = `${mock.url}/orders`
  t.equal((await call(orders, bearer(signWithKey('rs256', 'RS256', { exp: now() - 10 })))).status, 200, '10s late, 30s tolerance')
  const late = await call(orders, bearer(signWithKey('rs256', 'RS256', { exp: 1700000000 })))
  t.equal(late.code, codes.TOKEN_EXPIRED)
  t.equal(late.challenge, invalidToken('The token expired at 2023-11-14T22:13:20.000Z (clock tolerance 30s)'))
  t.throws(() => mock.tokens.sign({ sub: 'alice' }), { name: 'SetupError', message: /publicKey but no privateKey; add privateKey/ })
})

t.test('bad key configurations stop start-up with a SetupError naming the file', async (t) => {
  const start = (config: unknown) => startServer({ spec: DEFAULT_SPEC, config: config as string, port: 0 })
  const fails = async (config: unknown, message: RegExp, what: string) => {
    const error = await start(config).then(
      (mock) => (mock.close(), undefined),
      (e: unknown) => e,
    )
    t.ok(error instanceof SetupError, what)
    t.match((error as Error)?.message, message, what)
  }
  await fails(
    fixture('configs', 'auth-missing-key.yaml'),
    /auth-missing-key\.yaml: \/auth\/bearer\/jwt\/publicKey: cannot read the public key file '.*fixtures\/keys\/no-such-key\.pem': no such file/,
    'a missing key file',
  )
  await fails(
    fixture('configs', 'auth-unknown-scheme.yaml'),
    /auth-unknown-scheme\.yaml: \/auth\/apiKeys\/ApiKeyAuth: 'ApiKeyAuth' is not an apiKey securityScheme; the spec's apiKey schemes are: apiKeyAuth/,
    'an apiKeys entry for an unknown scheme',
  )
  const jwt = (settings: Record<string, unknown>) => ({ auth: { bearer: { jwt: settings } } })
  await fails(jwt({ publicKey: fixture('keys', 'README.md') }), /'.*README\.md' is not a PEM public key/, 'a file that is not a key')
  await fails(jwt({ jwks: fixture('keys', 'rs256.pub.pem') }), /rs256\.pub\.pem': not valid JSON/, 'a JWKS that is not JSON')
  await fails(jwt({ secret: 's', algorithms: ['RS256'] }), /\/auth\/bearer\/jwt\/algorithms: RS256 cannot be checked with a secret/, 'RS256 with a secret')
  await fails(jwt({ secret: 's', publicKey: 'x.pem' }), /\/auth\/bearer\/jwt: has both secret and publicKey; keep one of them/, 'two key sources')
  await fails(jwt({ algorithms: ['HS256'] }), /needs one of secret \(HS\*\), publicKey/, 'no key source')
  await fails(
    jwt({ publicKey: fixture('keys', 'rs256.pub.pem'), privateKey: fixture('keys', 'untrusted.key.pem') }),
    /privateKey: is not the private half of publicKey/,
    'a private key from another pair',
  )
  await fails(
    jwt({ publicKey: fixture('keys', 'es256.pub.pem'), algorithms: ['RS256'] }),
    /algorithms: RS256 fits no configured key \(an EC P-256 key\)/,
    'a pinned algorithm the key cannot do',
  )
  await fails(jwt({ secret: 's', algorithms: ['none'] }), /\/auth\/bearer\/jwt\/algorithms\/0: must be equal to one of the allowed values/, 'alg none')
  await fails(jwt({ secret: 's', clockTolerance: 'a while' }), /clockTolerance: must be a number of seconds or a duration/, 'a bad tolerance')
})
