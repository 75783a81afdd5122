// The walks over a document's schemas (the start-up notes, the request document the validators use) read one list
// of the keywords that hold subschemas (src/spec/schema-keywords.ts): a schema under draft-07 `dependencies` or under
// `contentSchema` gets its notes, and `dependencies` lists of property names are not taken for schemas.
import t from 'tap'
import { codes } from '../../src/index.js'
import { startMock } from '../helpers.js'

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
const bodyOf = (schema: unknown) => ({
  post: { requestBody: { required: true, content: { 'application/json': { schema } } }, responses: { '201': { description: 'ok' } } },
})

t.test('draft-07 dependencies: property lists enforced, schemas walked for notes', async (t) => {
  const mock = await startMock(t, {
    spec: {
      openapi: '3.0.3',
      info: { title: 'dependencies', version: '1' },
      paths: {
        '/pay': bodyOf({
          type: 'object',
          properties: { card: { type: 'string' }, billing: { type: 'string' } },
          dependencies: { card: ['billing'], gift: { properties: { note: { type: 'string', format: 'made-up-format' } } } },
        }),
      },
    },
  })
  t.same(mock.startupNotes, [
    {
      kind: 'format',
      where: '<inline spec>: /paths/~1pay/post/requestBody/content/application~1json/schema/dependencies/gift/properties/note',
      message: "format 'made-up-format' is not one doorman knows, so requests are not checked against it (any string passes).",
    },
  ])
  const refused = await fetch(`${mock.url}/pay`, json({ card: '4111' }))
  t.equal(refused.status, 422, 'card without billing')
  t.equal((await refused.json()).code, codes.BODY_INVALID)
  t.equal((await fetch(`${mock.url}/pay`, json({ card: '4111', billing: 'home' }))).status, 201)
  t.equal((await fetch(`${mock.url}/pay`, json({ gift: 1, note: 'anything' }))).status, 201, 'the unknown format checks nothing')
})

t.test('contentSchema: its subschemas are walked for notes', async (t) => {
  const mock = await startMock(t, {
    spec: {
      openapi: '3.1.0',
      info: { title: 'contentSchema', version: '1' },
      paths: {
        '/docs': bodyOf({
          type: 'object',
          properties: {
            doc: {
              type: 'string',
              contentMediaType: 'application/json',
              contentSchema: { type: 'object', properties: { v: { type: 'string', format: 'inner-format' } } },
            },
          },
        }),
      },
    },
  })
  t.same(
    mock.startupNotes.map((n) => [n.kind, n.where.replace('<inline spec>: ', ''), n.message.split(' is ')[0]]),
    [['format', '/paths/~1docs/post/requestBody/content/application~1json/schema/properties/doc/contentSchema/properties/v', "format 'inner-format'"]],
  )
  t.equal((await fetch(`${mock.url}/docs`, json({ doc: '{"v":"x"}' }))).status, 201)
  t.equal((await fetch(`${mock.url}/docs`, json({ doc: 5 }))).status, 422, 'the property itself is still checked')
})
