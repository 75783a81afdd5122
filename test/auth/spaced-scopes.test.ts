// A scope name with spaces (nbg.gr's 'Account Info') cannot be carried by a token, whose scope claim separates
// scopes by spaces (RFC 6749 §3.3): doorman requires each word, and says so in a note.
import t from 'tap'
import { codes } from '../../src/index.js'
import { fixture, startMock } from '../helpers.js'
import { bearer, call, signHs } from './sign.js'

const SECRET = 'spaced-scopes-secret'

t.test("'Account Info' is required as its two words", async (t) => {
  const mock = await startMock(t, {
    spec: fixture('specs', 'real-world-cases', 'schema-security-spaced-scopes.yaml'),
    config: { auth: { bearer: { jwt: { secret: SECRET, algorithms: ['HS256'] } } } },
  })
  t.same(
    mock.notes.filter((n) => n.includes("'Account Info'")),
    [
      "fixtures/specs/real-world-cases/schema-security-spaced-scopes.yaml: /paths/~1accounts/get/security (and 1 more place): the scope 'Account Info' has spaces, which a token's scope claim cannot carry (RFC 6749 §3.3 separates scopes by spaces); doorman requires each of its words: 'Account', 'Info'.",
    ],
  )
  const token = (scope: string) => signHs({ sub: 'bob', scope }, { secret: SECRET })
  t.equal((await call(`${mock.url}/accounts`, bearer(token('Account Info')))).status, 200, 'a token minted with the scope as written')
  t.equal((await call(`${mock.url}/accounts`, bearer(token('Info other Account')))).status, 200, 'the words in any order')
  const partial = await call(`${mock.url}/accounts`, bearer(token('Account')))
  t.equal(partial.status, 403)
  t.equal(partial.code, codes.SCOPE_INSUFFICIENT)
  t.same(partial.body.expected, ['Account', 'Info'])
  t.equal((await call(`${mock.url}/payments`, { method: 'POST', ...bearer(token('payments Account Info')) })).status, 201)
  t.equal((await call(`${mock.url}/payments`, { method: 'POST', ...bearer(token('payments')) })).status, 403)
})
