// Opaque tokens with scopes (issue 15.4): auth.bearer.tokens as token → { scopes, sub }.
import t from 'tap'
import { codes } from '../../src/index.js'
import { fixture, startMock } from '../helpers.js'
import { call } from './sign.js'

const ORDER = JSON.stringify({ customerId: 'c-123', items: [{ sku: 'ABC-1234', qty: 1 }] })

t.test('scoped opaque tokens: short of a scope → 403 insufficient_scope, with it → in', async (t) => {
  const mock = await startMock(t, { config: fixture('configs', 'auth-scoped-tokens.yaml') })
  const post = (token: string) =>
    call(`${mock.url}/orders`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: ORDER })

  const reader = await post('reader-token')
  t.equal(reader.status, 403)
  t.equal(reader.code, codes.SCOPE_INSUFFICIENT)
  t.equal(
    reader.challenge,
    'Bearer realm="Orders API", error="insufficient_scope", error_description="The token lacks the scope orders:write", scope="orders:write"',
  )
  t.same(reader.body.received, ['orders:read'])

  t.equal((await post('writer-token')).status, 201, 'the token with orders:write gets in')
  t.equal((await post('every-scope-token')).status, 201, 'a token without a scopes key carries every scope')
  const unknown = await post('stranger-token')
  t.equal(unknown.status, 401)
  t.equal(unknown.code, codes.TOKEN_INVALID)
  t.equal((await call(`${mock.url}/orders`, { headers: { authorization: 'Bearer reader-token' } })).status, 200, 'reading needs no write scope')
})

t.test('the list form keeps its meaning: every scope', async (t) => {
  const mock = await startMock(t, { config: { auth: { bearer: { tokens: ['plain-token'] } } } })
  const res = await call(`${mock.url}/orders`, {
    method: 'POST',
    headers: { authorization: 'Bearer plain-token', 'content-type': 'application/json' },
    body: ORDER,
  })
  t.equal(res.status, 201)
})

t.test('a scope name with a space or quote is refused at start-up', async (t) => {
  await t.rejects(startMock(t, { config: { auth: { bearer: { tokens: { tok: { scopes: ['has space'] } } } } } }), /scopes/)
})

t.test('doorman curl picks an opaque token that carries the scope, and shows the 403 with one that does not', async (t) => {
  const { runCli } = await import('../helpers.js')
  const result = await runCli(['curl', 'createOrder', '--config', fixture('configs', 'auth-scoped-tokens.yaml')])
  t.equal(result.code, 0, result.stderr)
  t.match(result.stdout, /Bearer writer-token/)
  t.match(result.stdout, /Bearer reader-token/)
  t.match(result.stdout, /SCOPE_INSUFFICIENT/)
})
