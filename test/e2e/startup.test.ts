import t from 'tap'
import { generateSpec } from '../../bench/generate-spec.mjs'
import { codes } from '../../src/index.js'
import { fetchJson, startMock } from '../helpers.js'

// Start-up shares one validator among operations whose schemas are the same (a
// component's POST and PUT, identical parameters): each still answers for itself.
t.test('a generated spec with many operations: shared validators refuse for each operation', async (t) => {
  const mock = await startMock(t, { spec: generateSpec(50) })
  const auth = { authorization: `Bearer ${mock.tokens.sign({ sub: 'bench' })}`, 'content-type': 'application/json' }
  const send = (method: string, path: string, body?: unknown) =>
    fetchJson(`${mock.url}${path}`, { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) })

  t.equal((await send('POST', '/item001s', { title: 'one', price: { amount: 1, currency: 'EUR' } })).status, 201)
  const bad = { title: '', price: { amount: -1, currency: 'EUR' } }
  for (const [method, path, template] of [
    ['POST', '/item002s', 'POST /item002s'],
    ['PUT', '/item002s/it-2', 'PUT /item002s/{id}'],
    ['POST', '/item007s', 'POST /item007s'],
  ] as const) {
    const { status, body } = await send(method, path, bad)
    t.equal(status, 422, `${method} ${path}`)
    t.equal(body.code, codes.BODY_INVALID)
    t.match(body.detail, new RegExp(`^${template.replace(/[{}]/g, '\\$&')}: `), 'the detail names the operation that was called')
    t.same(body.errors.map((e: { pointer: string }) => e.pointer).sort(), ['/price/amount', '/title'])
  }

  for (const path of ['/item003s?limit=0', '/item009s?limit=500']) {
    const { status, body } = await send('GET', path)
    t.equal(status, 400, path)
    t.equal(body.code, codes.PARAMETER_INVALID)
    t.equal(body.errors[0].pointer, '/limit')
  }
  t.equal((await send('GET', '/item009s?limit=5')).status, 200)
  const badId = await send('GET', '/item004s/NOPE')
  t.equal(badId.status, 400)
  t.equal(badId.body.errors[0].pointer, '/id')
})

// Plain YAML goes through the fast parser; anchors and aliases through `yaml`, which bounds their expansion.
t.test('a YAML spec with anchors and aliases loads and validates', async (t) => {
  const dir = t.testdir({
    'aliases.yaml': `openapi: 3.1.0
info: { title: Aliases, version: '1' }
paths:
  /a:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: &thing
              type: object
              required: [n]
              properties: { n: { type: integer } }
      responses: { '201': { description: created } }
  /b:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: *thing
      responses: { '201': { description: created } }
`,
  })
  const mock = await startMock(t, { spec: `${dir}/aliases.yaml` })
  const post = (body: unknown) => fetchJson(`${mock.url}/b`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  t.equal((await post({ n: 1 })).status, 201)
  const refused = await post({ n: 'one' })
  t.equal(refused.status, 422)
  t.equal(refused.body.errors[0].pointer, '/n')
})
