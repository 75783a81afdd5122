// Nothing configured (what `npm start` runs): tokens are read, not verified,
// but a bearerFormat: JWT scheme still wants a decodable, current JWT.
import t from 'tap'
import { createVerifier } from 'fast-jwt'
import { codes, DEV_SECRET } from '../../src/index.js'
import { fixture, startMock } from '../helpers.js'
import { bearer, call, forge, now, signHs } from './sign.js'

const invalidToken = (description: string) => `Bearer realm="Orders API", error="invalid_token", error_description="${description}"`

t.test('openapi.yaml with no config', async (t) => {
  const mock = await startMock(t)
  const orders = `${mock.url}/orders`

  t.test('start-up says once that signatures are not checked, and which secret tokens are minted with', async (t) => {
    t.equal(mock.notes.length, 1)
    t.match(mock.notes[0], /signatures are NOT checked: the config has no auth\.bearer\.jwt/)
    t.match(mock.notes[0], /built-in development secret 'doorman-dev-secret' \(HS256\)/)
  })

  t.test('minted tokens are signed with the documented dev secret and pass', async (t) => {
    const token = mock.tokens.sign({ sub: 'alice' })
    t.equal(createVerifier({ key: DEV_SECRET, algorithms: ['HS256'] })(token).sub, 'alice')
    t.equal((await call(orders, bearer(token))).status, 200)
  })

  t.test('any signature passes, since none is checked', async (t) => {
    t.equal((await call(orders, bearer(signHs({ sub: 'x' }, { secret: 'whatever' })))).status, 200)
  })

  t.test('bearerFormat: JWT still refuses what is not a current JWT', async (t) => {
    const garbage = await call(orders, bearer('opaque-looking-token'))
    t.equal(garbage.status, 401)
    t.equal(garbage.code, codes.TOKEN_INVALID)
    t.equal(garbage.challenge, invalidToken('The token is not a JWT (three base64url parts separated by dots)'))

    const expired = await call(orders, bearer(signHs({ exp: 1700000000 })))
    t.equal(expired.code, codes.TOKEN_EXPIRED)
    t.equal(expired.challenge, invalidToken('The token expired at 2023-11-14T22:13:20.000Z'))

    const early = await call(orders, bearer(signHs({ nbf: 4102444800 })))
    t.equal(early.code, codes.TOKEN_NOT_YET_VALID)
    t.equal(early.challenge, invalidToken('The token is not valid before 2100-01-01T00:00:00.000Z'))

    const unsigned = await call(orders, bearer(forge({ alg: 'none' }, { sub: 'x', exp: now() + 60 })))
    t.equal(unsigned.code, codes.TOKEN_ALGORITHM_REJECTED)

    const badExp = await call(orders, bearer(forge({ alg: 'HS256' }, { exp: 'tomorrow' }, 'c2lnbmF0dXJl')))
    t.equal(badExp.code, codes.TOKEN_INVALID)
    t.equal(badExp.challenge, invalidToken("The token exp claim must be a number of seconds, not 'tomorrow'"))
  })

  t.test('scopes are still checked', async (t) => {
    const res = await call(orders, {
      method: 'POST',
      headers: { authorization: `Bearer ${mock.tokens.sign({ sub: 'alice' })}`, 'content-type': 'application/json' },
      body: '{}',
    })
    t.equal(res.status, 403)
    t.equal(res.code, codes.SCOPE_INSUFFICIENT)
  })

  t.test('API keys and basic credentials: presence and well-formedness only', async (t) => {
    t.equal((await fetch(`${mock.url}/orders/o-1001`, { method: 'DELETE', headers: { 'x-api-key': 'anything' } })).status, 204)
    const basic = await call(`${mock.url}/orders/o-1001/attachments`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('anyone:anything').toString('base64')}` },
    })
    t.not(basic.body?.step, 'auth')
    const malformed = await call(`${mock.url}/orders/o-1001/attachments`, { method: 'POST', headers: { authorization: 'Basic !!!' } })
    t.equal(malformed.status, 401)
    t.equal(malformed.code, codes.BASIC_CREDENTIALS_MALFORMED)
    t.equal(malformed.challenge, 'Basic realm="Orders API", charset="UTF-8"')
  })
})

t.test('a bearer scheme without bearerFormat JWT lets any well-formed token through', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'secured.yaml') })
  t.equal((await call(`${mock.url}/opaque`, bearer('an-opaque-token'))).status, 200)
  t.equal((await call(`${mock.url}/opaque`, bearer('an opaque token'))).status, 400, 'but it must be well-formed')
  // A token that does decode as a JWT is still held to its own exp.
  t.equal((await call(`${mock.url}/opaque`, bearer(signHs({ exp: now() - 60 })))).code, codes.TOKEN_EXPIRED)
  t.equal((await call(`${mock.url}/oauth`, bearer(signHs({ scope: 'things:read' })))).status, 200)
  t.equal((await call(`${mock.url}/oauth`, bearer(signHs({ scope: 'other' })))).status, 403)
})
