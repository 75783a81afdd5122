// Swagger 2.0 → OpenAPI 3.0 at load time: what the upgraded document keeps (servers,
// security schemes, request bodies, x- extensions), and how a pointer into it is
// mapped back to the place in the user's 2.0 file.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { parse } from 'yaml'
import { loadSpec } from '../../src/spec/load-spec.js'
import { compileRouteTable } from '../../src/spec/route-table.js'
import { sourcePointer } from '../../src/spec/swagger2.js'
import { fixture } from '../helpers.js'

const PETSTORE = fixture('specs', 'swagger2', 'petstore.yaml')
const NOTES = fixture('specs', 'swagger2', 'notes-basic-forms.yaml')

t.test('the upgraded petstore: servers from host/basePath/schemes, security schemes, bodies from body and formData parameters', async (t) => {
  const spec = await loadSpec(PETSTORE)
  t.equal(spec.version, '3.0')
  t.equal(spec.swagger, '2.0')
  const doc = spec.document
  t.equal(doc.openapi, '3.0.0')
  t.same(doc.servers, [{ url: 'http://petstore.swagger.io/v2' }])
  t.same(doc.components?.securitySchemes, {
    petstore_auth: {
      type: 'oauth2',
      flows: {
        implicit: {
          authorizationUrl: 'http://petstore.swagger.io/oauth/dialog',
          scopes: { 'write:pets': 'modify pets in your account', 'read:pets': 'read your pets' },
        },
      },
    },
    api_key: { type: 'apiKey', name: 'api_key', in: 'header' },
  })
  const ops = new Map(compileRouteTable(spec).operations.map((op) => [op.id, op]))
  t.same(Object.keys(ops.get('uploadFile')!.requestBody!.content), ['multipart/form-data'], 'formData with a file → multipart')
  t.same(Object.keys(ops.get('updatePetWithForm')!.requestBody!.content), ['application/x-www-form-urlencoded'])
  t.same(Object.keys(ops.get('addPet')!.requestBody!.content), ['application/json', 'application/xml'], 'consumes → the body media types')
  t.same(
    ops.get('getPetById')!.parameters.map((p) => `${p.in}:${p.name}`),
    ['path:petId'],
    'no body or formData left among the parameters',
  )
  t.same(spec.notes.list, [], 'nothing to note while loading')
})

t.test('every Swagger 2.0 fixture loads without a note; x- extensions are kept', async (t) => {
  for (const name of ['petstore.yaml', 'petstore-expanded.yaml', 'schema-circular.yaml']) {
    const spec = await loadSpec(fixture('specs', 'swagger2', name))
    t.same(spec.notes.list, [], name)
    t.ok(compileRouteTable(spec).operations.length > 0, `${name}: operations`)
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- reads extensions at three depths; a wrong path fails the test
  const doc = (await loadSpec(NOTES)).document as Record<string, any>
  t.equal(doc['x-api-owner'], 'notes-team', 'at the top level')
  t.equal(doc.paths['/notes']['x-rate-limit'], 10, 'on a path item')
  t.equal(doc.paths['/notes'].post['x-audit'], true, 'on an operation')
  t.equal(doc.components.schemas.Note['x-table'], 'notes', 'on a schema')
  t.same(doc.servers, [{ url: 'https://notes.example.com/api/v1' }], 'host without schemes: only the path matters to a mock')
  t.same(doc.components.securitySchemes.basicAuth, { type: 'http', scheme: 'basic' })
})

t.test("pointers into the upgraded document map back to the user's 2.0 file", async (t) => {
  const petstore = parse(readFileSync(PETSTORE, 'utf8'))
  const notes = parse(readFileSync(NOTES, 'utf8'))
  const cases: Array<[unknown, string, string]> = [
    [petstore, '/components/schemas/Pet/properties/name/type', '/definitions/Pet/properties/name/type'],
    [petstore, '/components/securitySchemes/api_key', '/securityDefinitions/api_key'],
    [petstore, '/servers/0/url', '/host'],
    // A body parameter's schema, and a shared body swagger2openapi named after its schema.
    [petstore, '/paths/~1store~1order/post/requestBody/content/application~1json/schema', '/paths/~1store~1order/post/parameters/0/schema'],
    [petstore, '/components/requestBodies/Pet/content/application~1json/schema', '/paths/~1pet/post/parameters/0/schema'],
    // Inside a $ref'd schema: the $ref itself is the nearest place the 2.0 file has.
    [petstore, '/paths/~1store~1order/post/requestBody/content/application~1json/schema/properties/quantity', '/paths/~1store~1order/post/parameters/0/schema'],
    // formData fields are parameters of their own in 2.0, with their keywords on them.
    [
      petstore,
      '/paths/~1pet~1{petId}/post/requestBody/content/application~1x-www-form-urlencoded/schema/properties/status',
      '/paths/~1pet~1{petId}/post/parameters/2',
    ],
    // 3.0's parameters leave out body and formData: index 1 of /pet/{petId} DELETE is the 2.0 list's index 1 as well.
    [petstore, '/paths/~1pet~1{petId}/delete/parameters/1/schema/format', '/paths/~1pet~1{petId}/delete/parameters/1/format'],
    [petstore, '/paths/~1pet~1{petId}~1uploadImage/post/parameters/0/schema', '/paths/~1pet~1{petId}~1uploadImage/post/parameters/0'],
    [petstore, '/paths/~1pet~1findByStatus/get/parameters/0/schema/items/enum', '/paths/~1pet~1findByStatus/get/parameters/0/items/enum'],
    [
      petstore,
      '/paths/~1pet~1findByStatus/get/responses/200/content/application~1json/schema/items',
      '/paths/~1pet~1findByStatus/get/responses/200/schema/items',
    ],
    // What has no counterpart in 2.0 points at the nearest place that has.
    [petstore, '/components/schemas/Pet/nullable', '/definitions/Pet'],
    [notes, '/components/requestBodies/NoteBody/content/application~1json/schema', '/parameters/NoteBody/schema'],
    [
      notes,
      '/paths/~1feedback/post/requestBody/content/application~1x-www-form-urlencoded/schema/properties/phone/format',
      '/paths/~1feedback/post/parameters/2/format',
    ],
    [notes, '/paths/~1notes/get/parameters/0/schema/maximum', '/paths/~1notes/get/parameters/0/maximum'],
    [notes, '/servers/0', '/host'],
  ]
  for (const [original, upgraded, expected] of cases) t.equal(sourcePointer(upgraded, original), expected, upgraded)
})

t.test('a 2.0 document with mistakes still loads: missing info, and swagger2openapi warnings become notes', async (t) => {
  const spec = await loadSpec({
    swagger: '2.0',
    paths: {
      '/x': {
        get: {
          parameters: [{ in: 'header', name: 'X-Tags', type: 'string', collectionFormat: 'csv' }],
          responses: { '200': { description: 'ok', headers: { 'X-Rate': { type: 'string', collectionFormat: 'csv' } } } },
        },
      },
    },
  })
  t.match(spec.notes.list[0], { kind: 'document', where: '<inline spec>: /info' })
  t.equal(compileRouteTable(spec).operations.length, 1)
  t.notMatch(JSON.stringify(spec.document), /x-s2o-warning/, 'the converter’s markers do not reach the served document')
})

t.test('x-doorman on a 2.0 operation is read like on a 3.x one', async (t) => {
  const spec = await loadSpec({
    swagger: '2.0',
    info: { title: 't', version: '1' },
    paths: {
      '/x': {
        post: {
          'x-doorman': { bodySize: '1kb' },
          parameters: [{ in: 'body', name: 'b', schema: { type: 'object' } }],
          responses: { '204': { description: 'ok' } },
        },
      },
    },
  })
  t.same(compileRouteTable(spec).operations[0].extension, { bodySize: '1kb' })
})

t.test('a 2.0 document swagger2openapi cannot upgrade at all: one SetupError line with its reason', async (t) => {
  const warned: unknown[] = []
  const warn = console.warn
  console.warn = (...args: unknown[]) => void warned.push(args)
  t.teardown(() => (console.warn = warn))
  await t.rejects(
    loadSpec({ swagger: '2.0', info: { title: 't', version: '1' }, securityDefinitions: { 'a b': { type: 'basic' }, a_b: { type: 'basic' } }, paths: {} }),
    {
      name: 'SetupError',
      message:
        '<inline spec>: /swagger: this Swagger 2.0 document cannot be upgraded to OpenAPI 3.0 (swagger2openapi: Duplicate sanitised securityScheme name a_b)',
    },
  )
  t.same(warned, [], 'nothing else printed')
})
