// JWTs through @fastify/jwt (issue 15.3): the verification cache still honours exp to the
// millisecond, minted tokens always verify, tampered ones never do, and the mock really calls it.
import fc from 'fast-check'
import t from 'tap'
import { BearerVerifier } from '../../src/auth/bearer.js'
import { resolveAuth } from '../../src/auth/config.js'
import { JwtHost } from '../../src/auth/jwt-host.js'
import { DEV_SECRET, TokenMinter } from '../../src/auth/tokens.js'
import { buildMock } from '../../src/server.js'
import { DEFAULT_SPEC, fixture, startMock } from '../helpers.js'
import { bearer, call, goodClaims, signHs } from './sign.js'

async function prepared(config: Parameters<typeof resolveAuth>[0]) {
  const auth = resolveAuth(config, { file: undefined, baseDir: fixture('configs') })
  const host = new JwtHost()
  await host.standalone(auth, DEV_SECRET)
  return { verifier: new BearerVerifier(auth, host), minter: new TokenMinter(auth, host), host }
}

t.test('the verification cache honours exp exactly', async (t) => {
  const { verifier } = await prepared({ bearer: { jwt: { secret: 'cache-secret' } } })
  const realNow = Date.now
  t.teardown(() => (Date.now = realNow))
  const exp = Math.floor(realNow() / 1000) + 30
  const token = signHs({ sub: 'a', exp }, { secret: 'cache-secret' })
  t.equal(verifier.check(token, true).ok, true, 'good now')
  t.equal(verifier.check(token, true).ok, true, 'good again (from a cache)')
  Date.now = () => exp * 1000 - 1
  t.equal(verifier.check(token, true).ok, true, 'one millisecond before exp: still good')
  Date.now = () => exp * 1000
  const atExp = verifier.check(token, true)
  t.equal(atExp.ok, false, 'at exp: expired, though fast-jwt and doorman both cached it')
  t.equal(atExp.ok ? undefined : atExp.failure.code, 'TOKEN_EXPIRED')
  Date.now = () => exp * 1000 + 5000
  const after = verifier.check(token, true)
  t.equal(after.ok ? undefined : after.failure.code, 'TOKEN_EXPIRED')
})

t.test('property: doorman-minted tokens always verify, tampered ones never do', async (t) => {
  for (const [what, config] of [
    ['HS256 secret', { bearer: { jwt: { secret: 'property-secret', issuer: 'https://issuer.example', audience: 'api' } } }],
    ['RS256 key pair', { bearer: { jwt: { publicKey: '../keys/rs256.pub.pem', privateKey: '../keys/rs256.key.pem' } } }],
    ['EdDSA key pair', { bearer: { jwt: { publicKey: '../keys/eddsa.pub.pem', privateKey: '../keys/eddsa.key.pem' } } }],
  ] as const) {
    const { verifier, minter } = await prepared(config)
    const claims = fc.dictionary(
      fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !['exp', 'nbf', 'iat', 'iss', 'aud'].includes(k)),
      fc.oneof(fc.string(), fc.integer(), fc.boolean()),
      { maxKeys: 5 },
    )
    fc.assert(
      fc.property(claims, (extra) => {
        const token = minter.sign({ sub: 'prop', ...extra })
        return verifier.check(token, true).ok
      }),
      { numRuns: 60 },
    )
    fc.assert(
      fc.property(claims, fc.nat(), fc.integer({ min: 1, max: 63 }), (extra, at, flip) => {
        const token = minter.sign({ sub: 'prop', ...extra })
        const i = at % token.length
        if (token[i] === '.') return true
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
        const swapped = alphabet[(alphabet.indexOf(token[i]) + flip) % 64]
        const tampered = token.slice(0, i) + swapped + token.slice(i + 1)
        // The header and payload are signed as text, so any change there must fail. The signature is compared
        // as bytes: a flip in its last character can land on the unused low bits of base64url, the same bytes.
        const signature = (jwt: string) => Buffer.from(jwt.slice(jwt.lastIndexOf('.') + 1), 'base64url')
        if (i > token.lastIndexOf('.') && signature(tampered).equals(signature(token))) return true
        return !verifier.check(tampered, true).ok
      }),
      { numRuns: 150 },
    )
    t.pass(`${what}: minted verify, tampered refused`)
  }
})

t.test('the mock signs and verifies through @fastify/jwt registered on its own fastify instance', async (t) => {
  const built = await buildMock({ spec: DEFAULT_SPEC, config: fixture('configs', 'auth-secret.yaml') })
  await built.app.ready()
  const jwt = (built.app as unknown as { jwt: Record<string, { verify(token: string): Record<string, unknown> }> }).jwt
  t.same(Object.keys(jwt).sort(), ['doorman', 'doorman-key-0', 'doorman-signing'], 'the base, one per key, one to sign with')
  t.equal(jwt['doorman-key-0'].verify(built.state.auth.tokens.sign({ sub: 'bob' })).sub, 'bob', 'what the mock mints, its @fastify/jwt verifies')
  await built.app.close()
  const mock = await startMock(t, { config: fixture('configs', 'auth-secret.yaml') })
  const token = mock.tokens.sign({ sub: 'alice', scope: 'orders:read' })
  t.equal((await call(`${mock.url}/orders`, bearer(token))).status, 200)
  const expired = await call(`${mock.url}/orders`, bearer(signHs(goodClaims({ exp: 1 }))))
  t.equal(expired.code, 'TOKEN_EXPIRED')
})

t.test('a reload swaps the keys: the new secret verifies and signs, the old one is refused', async (t) => {
  const { mkdtemp, rm, writeFile } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const path = await import('node:path')
  const dir = await mkdtemp(path.join(tmpdir(), 'doorman-jwt-reload-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const configFile = path.join(dir, 'doorman.yaml')
  await writeFile(configFile, 'auth:\n  bearer:\n    jwt:\n      secret: first-secret\n')
  const mock = await startMock(t, { config: configFile })
  const orders = `${mock.url}/orders`
  const first = mock.tokens.sign({ sub: 'a' })
  t.equal((await call(orders, bearer(first))).status, 200)
  await writeFile(configFile, 'auth:\n  bearer:\n    jwt:\n      secret: second-secret\n      algorithms: [HS384]\n')
  await mock.reload()
  const refused = await call(orders, bearer(first))
  t.equal(refused.status, 401, 'a token of the old secret no longer passes')
  t.equal(refused.code, 'TOKEN_ALGORITHM_REJECTED')
  const second = mock.tokens.sign({ sub: 'b' })
  t.equal((await call(orders, bearer(second))).status, 200, 'the reloaded config signs and verifies (per-call @fastify/jwt options)')
  const wrongSecret = await call(orders, bearer(signHs({ sub: 'c', exp: Math.floor(Date.now() / 1000) + 60 }, { secret: 'first-secret', algorithm: 'HS384' })))
  t.equal(wrongSecret.code, 'TOKEN_SIGNATURE_INVALID')
  const expired = await call(orders, bearer(signHs({ sub: 'c', exp: 10 }, { secret: 'second-secret', algorithm: 'HS384' })))
  t.equal(expired.code, 'TOKEN_EXPIRED')
})

t.test('presence mode registers nothing at start (no @fastify/jwt load for a mock that verifies nothing), yet signs', async (t) => {
  const built = await buildMock({ spec: DEFAULT_SPEC })
  await built.app.ready()
  t.equal((built.app as unknown as { jwt?: unknown }).jwt, undefined)
  const token = built.state.auth.tokens.sign({ sub: 'dev' })
  t.equal(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).alg, 'HS256')
  await built.app.close()
})
