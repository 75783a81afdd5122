// Minting: mock.tokens.sign, signToken (what `doorman token` runs) and POST /__doorman/tokens.
import t from 'tap'
import { createDecoder } from 'fast-jwt'
import { codes, signToken } from '../../src/index.js'
import { fixture, startMock } from '../helpers.js'
import { AUDIENCE, bearer, call, ISSUER } from './sign.js'

const decode = createDecoder()

t.test('mock.tokens.sign fills in what the config checks', async (t) => {
  const mock = await startMock(t, { config: fixture('configs', 'auth-secret.yaml') })
  const claims = decode(mock.tokens.sign({ sub: 'alice', scope: ['orders:read', 'orders:write'] }))
  t.equal(claims.iss, ISSUER, 'issuer from the config')
  t.equal(claims.aud, AUDIENCE, 'audience from the config')
  t.equal(claims.scope, 'orders:read orders:write', 'a scope list becomes the space-separated claim')
  t.equal(claims.exp - claims.iat, 3600, 'one hour by default')
  t.match(Math.abs(claims.iat - Date.now() / 1000), Number, 'iat is now')
  t.ok(Math.abs(claims.iat - Date.now() / 1000) < 5)

  const short = decode(mock.tokens.sign({ sub: 'alice', aud: 'other' }, { expiresIn: '5m', notBefore: 90 }))
  t.equal(short.exp - short.iat, 300)
  t.equal(short.nbf - short.iat, 90, 'a number is seconds')
  t.equal(short.aud, 'other', 'claims win over the defaults')
  const expired = mock.tokens.sign({ sub: 'alice' }, { expiresIn: '-5m' })
  t.equal(decode(expired).exp - decode(expired).iat, -300, 'negative lifetimes mint expired tokens')
  t.equal((await call(`${mock.url}/orders`, bearer(expired))).code, codes.TOKEN_EXPIRED)
  t.throws(() => mock.tokens.sign({}, { expiresIn: 'soon' }), {
    name: 'SetupError',
    message: "expiresIn must be a number of seconds or a duration like '30s', '15m', '1h', '2d', not 'soon'",
  })
})

t.test('signToken (doorman token) signs what a mock with the same config accepts', async (t) => {
  const mock = await startMock(t, { config: fixture('configs', 'auth-es256.yaml') })
  const token = await signToken({ sub: 'alice' }, { config: fixture('configs', 'auth-es256.yaml') })
  t.equal((await call(`${mock.url}/orders`, bearer(token))).status, 200)
  await t.rejects(signToken({}, { config: fixture('configs', 'auth-tokens-only.yaml') }), {
    name: 'SetupError',
    message: /accepts only the opaque tokens in auth\.bearer\.tokens/,
  })
})

t.test('POST /__doorman/tokens', async (t) => {
  const mock = await startMock(t, { config: fixture('configs', 'auth-secret.yaml') })
  const mint = (body: string) => call(`${mock.url}/__doorman/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })

  const res = await mint('{"sub":"alice","scope":"orders:write","expiresIn":"15m"}')
  t.equal(res.status, 200)
  t.equal(res.body.tokenType, 'Bearer')
  t.same(res.body.header, { alg: 'HS256' })
  t.equal(res.body.claims.scope, 'orders:write')
  t.equal(res.body.claims.exp - res.body.claims.iat, 900)
  t.equal(res.body.expiresAt, new Date(res.body.claims.exp * 1000).toISOString())
  t.notOk('expiresIn' in res.body.claims, 'options are not claims')
  const created = await call(`${mock.url}/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${res.body.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ customerId: 'c-123', items: [{ sku: 'ABC-1234', qty: 1 }] }),
  })
  t.equal(created.status, 201, 'the minted token gets past the door')

  t.equal((await call(`${mock.url}/__doorman/tokens`, { method: 'POST' })).status, 200, 'no body: default claims')
  for (const [body, detail] of [
    ['{"sub":', /the body is not JSON/],
    ['["alice"]', /the body must be a JSON object/],
    ['{"expiresIn":"soon"}', /expiresIn must be a number of seconds or a duration/],
    ['{"notBefore":{"minutes":5}}', /notBefore must be a number of seconds/],
  ] as const) {
    const refused = await mint(body)
    t.equal(refused.status, 400, body)
    t.equal(refused.code, codes.TOKEN_MINT_REFUSED)
    t.match(refused.body.detail, detail)
  }
  t.equal(mock.journal.entries().length, 1, 'admin calls stay out of the journal')
})

t.test('POST /__doorman/tokens with a verify-only config says what to add', async (t) => {
  const mock = await startMock(t, { config: fixture('configs', 'auth-public-only.yaml') })
  const res = await call(`${mock.url}/__doorman/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  t.equal(res.status, 400)
  t.equal(res.code, codes.TOKEN_MINT_REFUSED)
  t.match(res.body.detail, 'Cannot mint a token: auth.bearer.jwt has a publicKey but no privateKey; add privateKey')
})
