// A 403 for a token short of a scope and a 415 for a media type the operation does not take are made once per
// operation and what the request brought (its scopes, its Content-Type), then reused: each must still say exactly
// what that request got wrong, for every distinct request, past the few each operation keeps.
import t from 'tap'
import { codes } from '../../src/index.js'
import { fixture, startMock } from '../helpers.js'
import { bearer, call, signHs } from '../auth/sign.js'

const token = (scope: string) => signHs({ sub: 'bob', scope }, { secret: 'secured-secret' })

t.test('403 insufficient_scope names the scopes of each token, asked twice', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'secured.yaml'), config: fixture('configs', 'auth-secured.yaml') })
  const scopeSets = ['', 'things:read', 'other', ...Array.from({ length: 20 }, (_, i) => `extra:${i}`)]
  for (const round of [1, 2]) {
    for (const scopes of scopeSets) {
      const res = await call(`${mock.url}/oauth`, { method: 'POST', ...bearer(token(scopes)) })
      t.equal(res.status, 403, `round ${round}, scopes '${scopes}'`)
      t.equal(res.code, codes.SCOPE_INSUFFICIENT)
      const granted = scopes === '' ? [] : scopes.split(' ')
      t.same(res.body.received, granted, 'received: the scopes this token has')
      t.match(res.body.detail, granted.length ? `the token has ${scopes}.` : 'the token has no scope.')
      t.not(res.body.requestId, undefined)
    }
  }
})

t.test('415 names each media type sent, with its own suggestion, asked twice', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'petstore-3.0.yaml') })
  const sent = ['application/jsn', 'text/json', 'text/plain', 'json', 'not a type', ...Array.from({ length: 20 }, (_, i) => `image/x-${i}`)]
  const first = new Map<string, { detail: string; suggestion?: string }>()
  for (const round of [1, 2]) {
    for (const type of sent) {
      const res = await fetch(`${mock.url}/api/v1/pets`, { method: 'POST', headers: { 'content-type': type }, body: '{"name":"rex"}' })
      t.equal(res.status, 415, `round ${round}: ${type}`)
      const body = await res.json()
      t.equal(body.code, codes.CONTENT_TYPE_UNSUPPORTED)
      t.match(body.detail, `'${type === 'not a type' ? type : type.toLowerCase()}'`, 'the detail quotes what this request sent')
      if (round === 1) first.set(type, { detail: body.detail, suggestion: body.suggestion })
      else t.same({ detail: body.detail, suggestion: body.suggestion }, first.get(type), 'the same answer the second time')
    }
  }
  t.equal(first.get('application/jsn')?.suggestion, 'application/json')
  t.equal(first.get('text/json')?.suggestion, 'application/json')
  t.equal(first.get('image/x-3')?.suggestion, undefined)
})
