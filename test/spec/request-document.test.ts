import t from 'tap'
import { fetchJson, startMock } from '../helpers.js'

const json = { 'content-type': 'application/json' }
const post = (schema: unknown) => ({
  post: { requestBody: { required: true, content: { 'application/json': { schema } } }, responses: { '201': { description: 'Created.' } } },
})

t.test('component schemas come into the request document as requests $ref them, whole', async (t) => {
  // The request document copies a component when a request's schema first $refs it. /whole is read last: the
  // $ref into the middle of Pet (from /name) comes first, and must not leave /whole a Pet with only `name`.
  const mock = await startMock(t, {
    spec: {
      openapi: '3.1.0',
      info: { title: 'Components on demand', version: '1' },
      paths: {
        '/whole': post({ $ref: '#/components/schemas/Pet' }),
        '/name': post({ $ref: '#/components/schemas/Pet/properties/name' }),
      },
      components: {
        schemas: {
          Pet: {
            type: 'object',
            required: ['name', 'kind'],
            properties: { name: { type: 'string', minLength: 2 }, kind: { $ref: '#/components/schemas/Kind' } },
          },
          Kind: { enum: ['cat', 'dog'] },
          OnlyInResponses: { type: 'object', required: ['never'] },
        },
      },
    },
  })
  const send = (path: string, body: unknown) => fetchJson(`${mock.url}${path}`, { method: 'POST', headers: json, body: JSON.stringify(body) })
  t.equal((await send('/name', 'x')).status, 422, 'the $ref into the middle of a component is checked')
  t.equal((await send('/name', 'Rex')).status, 201)
  t.equal((await send('/whole', { name: 'Rex', kind: 'dog' })).status, 201)
  const missing = await send('/whole', { name: 'Rex' })
  t.equal(missing.status, 422, 'the whole component: its required list too')
  t.match(missing.body.errors, [{ pointer: '/kind', keyword: 'required' }])
  const wrongKind = await send('/whole', { name: 'Rex', kind: 'cow' })
  t.match(wrongKind.body.errors, [{ pointer: '/kind', keyword: 'enum' }], 'and the component it $refs in turn')
})
