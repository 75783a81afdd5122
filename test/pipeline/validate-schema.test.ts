import t from 'tap'
import { codes } from '../../src/index.js'
import { fetchJson, fixture, startMock } from '../helpers.js'

const uuid = '3f1c2b5e-8d4a-4c1e-9b2f-0a1b2c3d4e5f'

t.test('schema validation over a real socket', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'rules.yaml') })
  const post = (path: string, body: unknown, method = 'POST') =>
    fetchJson(`${mock.url}${path}`, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  const search = (query: string, headers: Record<string, string> = { 'x-trace-id': uuid }) => fetchJson(`${mock.url}/search?${query}`, { headers })

  t.test('every body error at once, each with location, pointer, keyword, expected and received', async (t) => {
    const { status, body } = await post('/things', { name: '', parts: [{ qty: 0 }, {}], kind: 'medium', email: 'nope' })
    t.equal(status, 422)
    t.equal(body.title, 'Unprocessable Content')
    t.equal(body.code, codes.BODY_INVALID)
    t.equal(body.step, 'schema')
    const byPointer = Object.fromEntries(body.errors.map((e: { pointer: string }) => [e.pointer, e]))
    t.match(byPointer['/name'], { location: 'body', keyword: 'minLength', expected: 1, received: '' })
    t.match(byPointer['/parts/0/qty'], { keyword: 'minimum', expected: 1, received: 0, message: 'must be >= 1' })
    t.match(byPointer['/parts/1/qty'], { keyword: 'required', message: 'is required' })
    t.match(byPointer['/kind'], { keyword: 'enum', expected: ['small', 'large'], received: 'medium' })
    t.match(byPointer['/email'], { keyword: 'format', expected: 'email', received: 'nope' })
    t.match(body.detail, /^POST \/things: body \/\S+ .+ \(and 4 more errors, listed in errors\)\.$/)
  })

  t.test('the detail summarises the first error in plain words', async (t) => {
    const { body } = await post('/things', { name: 'w', parts: [{ qty: 0 }] })
    t.equal(body.detail, 'POST /things: body /parts/0/qty must be >= 1, got 0.')
  })

  t.test('readOnly properties are refused in requests, and not required there', async (t) => {
    const sent = await post('/things', { id: 't-1', name: 'w', parts: [{ qty: 1 }] })
    t.equal(sent.status, 422)
    t.match(sent.body.errors[0], { pointer: '/id', keyword: 'readOnly' })
    t.equal((await post('/things', { name: 'w', parts: [{ qty: 1 }] })).status, 201, 'id is required only in responses')
  })

  t.test('an operation that documents 400 but not 422 gets 400 for a bad body', async (t) => {
    const { status, body } = await post('/things/1', { name: 'w' }, 'PUT')
    t.equal(status, 400)
    t.equal(body.code, codes.BODY_INVALID)
    t.equal(body.title, 'Bad Request')
  })

  t.test('query parameters: styles, coercion and every error', async (t) => {
    const ok = await search('q=x&limit=5&ids=1,2,3&tag=a&tag=b&words=ab%20cd&pipes=1|2&filter[status]=open&filter[min]=3&active=true&json=%7B%22x%22%3A1%7D')
    t.equal(ok.status, 200, JSON.stringify(ok.body))
    const bad = await search('limit=0&ids=1,x&tag=z&words=abcd&pipes=1|y&filter[status]=gone&filter[other]=1&active=maybe&json=%7B%7D')
    t.equal(bad.status, 400)
    t.equal(bad.body.code, codes.PARAMETER_INVALID)
    const seen = bad.body.errors.map((e: { location: string; pointer: string; keyword: string }) => `${e.location} ${e.pointer} ${e.keyword}`)
    t.same(seen.sort(), [
      'query /active type',
      'query /filter/other additionalProperties',
      'query /filter/status enum',
      'query /ids/1 type',
      'query /json/x required',
      'query /limit minimum',
      'query /pipes/1 type',
      'query /q required',
      'query /tag/0 enum',
      'query /words/0 maxLength',
    ])
    t.match(bad.body.detail, /^GET \/search: query parameter /)
  })

  t.test('header and cookie parameters', async (t) => {
    const missing = await search('q=x', {})
    t.equal(missing.status, 400)
    t.match(missing.body.errors[0], { location: 'header', pointer: '/x-trace-id', keyword: 'required' })
    const badUuid = await search('q=x', { 'x-trace-id': 'nope', cookie: 'session=abc; other=1' })
    t.same(badUuid.body.errors.map((e: { location: string; keyword: string }) => `${e.location} ${e.keyword}`).sort(), ['cookie minLength', 'header format'])
    t.equal((await search('q=x', { 'x-trace-id': uuid, cookie: 'session=abcd' })).status, 200)
  })

  t.test('path parameters: simple, label and matrix styles', async (t) => {
    t.equal((await fetchJson(`${mock.url}/cells/3,4`)).status, 200)
    const cells = await fetchJson(`${mock.url}/cells/3,x,5`)
    t.equal(cells.status, 400)
    t.same(cells.body.errors.map((e: { pointer: string; keyword: string }) => `${e.pointer} ${e.keyword}`).sort(), ['/coords maxItems', '/coords/1 type'])
    t.equal((await fetchJson(`${mock.url}/label/.1.2.3`)).status, 200)
    t.equal((await fetchJson(`${mock.url}/label/.1.b`)).status, 400)
    t.equal((await fetchJson(`${mock.url}/matrix/;x=1;y=2`)).status, 200)
    const matrix = await fetchJson(`${mock.url}/matrix/;x=1`)
    t.match(matrix.body.errors[0], { location: 'path', pointer: '/point/y', keyword: 'required' })
    t.equal((await fetchJson(`${mock.url}/things/0`, { method: 'DELETE' })).status, 400, 'integer path param below its minimum')
  })

  t.test('parameter errors are reported with the body errors, under 400', async (t) => {
    const { status, body } = await fetchJson(`${mock.url}/things/0`, {
      method: 'PUT',
      body: JSON.stringify({ name: 'w' }),
      headers: { 'content-type': 'application/json' },
    })
    t.equal(status, 400)
    t.equal(body.code, codes.PARAMETER_INVALID)
    t.same(
      body.errors.map((e: { location: string }) => e.location),
      ['path', 'body'],
    )
  })
})

t.test('validation.rejectUnknownProperties names the closest declared property', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'rules.yaml'), config: { validation: { rejectUnknownProperties: true } } })
  const { status, body } = await fetchJson(`${mock.url}/things`, {
    method: 'POST',
    body: JSON.stringify({ name: 'w', parts: [{ qty: 1, qtty: 2 }], emial: 'a@b.c', extra: { size: 1, color: 'red', colour: 'x' } }),
    headers: { 'content-type': 'application/json' },
  })
  t.equal(status, 422)
  const byPointer = Object.fromEntries(body.errors.map((e: { pointer: string }) => [e.pointer, e]))
  t.match(byPointer['/emial'], { keyword: 'unevaluatedProperties', received: 'emial', message: "is not a declared property (did you mean 'email'?)" })
  t.match(byPointer['/parts/0/qtty'].message, /did you mean 'qty'/)
  t.ok(byPointer['/extra/colour'], 'allOf compositions refuse unknown properties as a whole')
  t.notOk(byPointer['/extra/size'] || byPointer['/extra/color'], 'but accept what any member declares')
  t.equal(Object.keys(byPointer).length, 3)
})

t.test('validation.rejectUnknownProperties in an OpenAPI 3.0 document (no unevaluatedProperties in its dialect)', async (t) => {
  const body = (properties: Record<string, unknown>) => ({ type: 'object', properties })
  const mock = await startMock(t, {
    spec: {
      openapi: '3.0.3',
      info: { title: 'closed objects', version: '1' },
      paths: {
        '/things': {
          post: {
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: {
                    allOf: [{ $ref: '#/components/schemas/Named' }, body({ size: { type: 'integer' } })],
                    properties: { kind: { type: 'string' } },
                  },
                },
              },
            },
            responses: { '201': { description: 'ok' } },
          },
        },
        '/open': {
          post: {
            requestBody: { content: { 'application/json': { schema: { allOf: [body({ a: {} }), { type: 'object', additionalProperties: true }] } } } },
            responses: { '201': { description: 'ok' } },
          },
        },
      },
      components: { schemas: { Named: body({ name: { type: 'string' } }) } },
    },
    config: { validation: { rejectUnknownProperties: true } },
  })
  const post = (path: string, value: unknown) =>
    fetchJson(`${mock.url}${path}`, { method: 'POST', body: JSON.stringify(value), headers: { 'content-type': 'application/json' } })
  t.equal((await post('/things', { name: 'w', size: 2, kind: 'k' })).status, 201, 'what the whole and its members declare passes')
  const refused = await post('/things', { name: 'w', sise: 2 })
  t.equal(refused.status, 422)
  t.same(
    refused.body.errors.map((e: { pointer: string }) => e.pointer),
    ['/sise'],
  )
  t.match(refused.body.errors[0].message, /did you mean 'size'/)
  t.equal((await post('/open', { a: 1, anything: true })).status, 201, 'a member that allows more leaves the whole open')
})

t.test('validation.bodyStatus and parameterStatus are configurable', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'rules.yaml'), config: { validation: { bodyStatus: 400, parameterStatus: 422 } } })
  const bad = await fetchJson(`${mock.url}/things`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
  t.equal(bad.status, 400)
  t.equal((await fetchJson(`${mock.url}/cells/x,y`)).status, 422)
})

t.test('OpenAPI 3.0 schemas: nullable and boolean exclusiveMinimum', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'petstore-3.0.yaml') })
  const post = (body: unknown) =>
    fetchJson(`${mock.url}/api/v1/pets`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  t.equal((await post({ name: 'Rex', age: 1, tag: null })).status, 201, 'nullable accepts null')
  const zero = await post({ name: 'Rex', age: 0 })
  t.equal(zero.status, 422)
  t.match(zero.body.errors[0], { pointer: '/age', keyword: 'exclusiveMinimum', expected: 0, received: 0 })
  const nameNull = await post({ name: null })
  t.equal(nameNull.body.errors[0].keyword, 'type', 'without nullable, null is refused')
})

/** A 3.0 document whose paths each take a POST of a JSON body with the given schema. */
function postSpec(bodies: Record<string, object>, schemas: Record<string, object>): object {
  const paths = Object.fromEntries(
    Object.entries(bodies).map(([path, schema]) => [
      path,
      {
        post: {
          requestBody: { required: true, content: { 'application/json': { schema } } },
          responses: { '201': { description: 'created' } },
        },
      },
    ]),
  )
  return { openapi: '3.0.3', info: { title: 'pets', version: '1' }, paths, components: { schemas } }
}

t.test('a failure reached through two oneOf branches is listed once', async (t) => {
  const base = {
    type: 'object',
    required: ['petType', 'secret'],
    properties: { id: { type: 'integer', readOnly: true }, petType: { type: 'string' }, secret: { type: 'string' } },
  }
  const branch = (kind: string) => ({ allOf: [{ $ref: '#/components/schemas/Base' }, { type: 'object', properties: { petType: { enum: [kind] } } }] })
  const mock = await startMock(t, {
    spec: postSpec(
      { '/pets': { oneOf: [{ $ref: '#/components/schemas/Cat' }, { $ref: '#/components/schemas/Dog' }] } },
      { Base: base, Cat: branch('cat'), Dog: branch('dog') },
    ),
  })
  const { status, body } = await fetchJson(`${mock.url}/pets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"petType":"dog","id":4}',
  })
  t.equal(status, 422)
  const keys = body.errors.map((e: { pointer: string; keyword: string }) => `${e.pointer} ${e.keyword}`)
  t.same(
    keys.filter((k: string) => k === '/id readOnly'),
    ['/id readOnly'],
    'read-only once, not once per branch',
  )
  t.same(
    keys.filter((k: string) => k === '/secret required'),
    ['/secret required'],
  )
  t.equal(new Set(keys).size, keys.length, `no error twice: ${keys}`)
  t.match(body.detail, new RegExp(`and ${keys.length - 1} more errors`), 'the count in the detail is of distinct errors')
})

t.test('a discriminator narrows a failed oneOf to the branch the client named', async (t) => {
  const base = {
    type: 'object',
    required: ['petType', 'name'],
    properties: { id: { type: 'integer', readOnly: true }, petType: { type: 'string' }, name: { type: 'string' } },
  }
  const mock = await startMock(t, {
    spec: postSpec(
      { '/pets': { $ref: '#/components/schemas/Pet' }, '/litters': { type: 'array', items: { $ref: '#/components/schemas/Pet' } } },
      {
        Pet: {
          oneOf: [{ $ref: '#/components/schemas/Cat' }, { $ref: '#/components/schemas/Dog' }],
          discriminator: { propertyName: 'petType', mapping: { cat: '#/components/schemas/Cat', dog: '#/components/schemas/Dog' } },
        },
        Base: base,
        Cat: {
          allOf: [
            { $ref: '#/components/schemas/Base' },
            { type: 'object', properties: { petType: { enum: ['cat'] }, lives: { type: 'integer', maximum: 9 } } },
          ],
        },
        Dog: { allOf: [{ $ref: '#/components/schemas/Base' }, { type: 'object', properties: { petType: { enum: ['dog'] }, bark: { type: 'string' } } }] },
      },
    ),
  })
  const post = (body: unknown) => fetchJson(`${mock.url}/pets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

  const cat = await post({ petType: 'cat', name: 'Tom', lives: 30 })
  t.equal(cat.status, 422)
  t.same(
    cat.body.errors.map((e: { pointer: string; keyword: string }) => `${e.pointer} ${e.keyword}`),
    ['/lives maximum'],
    "not the Dog branch's petType enum, nor the oneOf summary",
  )
  t.equal(cat.body.detail, 'POST /pets: body /lives must be <= 9, got 30.')

  const readOnly = await post({ petType: 'cat', name: 'Tom', id: 4 })
  t.same(
    readOnly.body.errors.map((e: { pointer: string; keyword: string }) => `${e.pointer} ${e.keyword}`),
    ['/id readOnly'],
    'a read-only error is the branch’s too',
  )

  const dog = await post({ petType: 'dog' })
  t.same(
    dog.body.errors.map((e: { pointer: string; keyword: string }) => `${e.pointer} ${e.keyword}`),
    ['/name required'],
  )

  const bird = await post({ petType: 'bird', name: 'Tweety' })
  t.equal(bird.status, 422)
  t.same(bird.body.errors.length, 1)
  t.match(bird.body.errors[0], { pointer: '/petType', keyword: 'enum', expected: ['cat', 'dog'], received: 'bird' })
  t.match(bird.body.detail, /body \/petType must be one of "cat", "dog"/)

  t.equal((await post({ petType: 'cat', name: 'Tom', lives: 3 })).status, 201)

  // Each item is judged by its own petType: item 1's verdict (a cat) says nothing about item 10 (a dog).
  const litter = Array.from({ length: 11 }, () => ({ petType: 'cat', name: 'Kit' })) as Array<Record<string, unknown>>
  litter[1] = { petType: 'cat', name: 'Kit', lives: 30 }
  litter[10] = { petType: 'dog', bark: 7 }
  const many = await fetchJson(`${mock.url}/litters`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(litter) })
  t.same(many.body.errors.map((e: { pointer: string; keyword: string }) => `${e.pointer} ${e.keyword}`).sort(), [
    '/1/lives maximum',
    '/10/bark type',
    '/10/name required',
  ])
})
