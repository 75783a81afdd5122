/**
 * Public OpenAPI documents, as their authors wrote them (fixtures/specs/real-world/README.md names
 * each source): `doorman check` lists every operation, and a mock of each answers valid requests
 * with bodies that fit the documented response schema and refuses bad ones precisely.
 */
import { readFileSync } from 'node:fs'
import { Ajv, type ValidateFunction } from 'ajv'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import t, { type Test } from 'tap'
import { parse } from 'yaml'
import { checkSpec, codes, type DoormanServer } from '../../src/index.js'
import { fetchJson, fixture, runCliAll, startMock } from '../helpers.js'

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => void

const SPECS = {
  petstoreExpanded: fixture('specs', 'real-world', 'petstore-expanded.yaml'),
  uspto: fixture('specs', 'real-world', 'uspto.yaml'),
  galaxy: fixture('specs', 'real-world', 'scalar-galaxy-3.1.yaml'),
  museum: fixture('specs', 'real-world', 'redocly-museum-3.1.yaml'),
  petstore3: fixture('specs', 'real-world', 'swagger-petstore-3.0.yaml'),
}

type Doc = { openapi: string; paths: Record<string, Record<string, { operationId?: string }>> }
const docs = Object.fromEntries(Object.entries(SPECS).map(([name, file]) => [name, parse(readFileSync(file, 'utf8')) as Doc])) as Record<
  keyof typeof SPECS,
  Doc
>

/** A validator for the schema at `pointer` in the document, as the spec's own JSON Schema dialect reads it. */
function schemaAt(doc: Doc, pointer: string): ValidateFunction {
  const options = { strict: false, allErrors: true, validateSchema: false, logger: false } as const
  const ajv = doc.openapi.startsWith('3.1') ? new Ajv2020(options) : new Ajv(options)
  addFormats(ajv)
  ajv.addSchema(doc, 'spec')
  return ajv.compile({ $ref: `spec#${pointer}` })
}

const escape = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1')
const responseSchema = (doc: Doc, path: string, method: string, status: string, type = 'application/json') =>
  schemaAt(doc, `/paths/${escape(path)}/${method}/responses/${status}/content/${escape(type)}/schema`)

/** Fetches, and checks the answer is 2xx JSON that fits the documented response schema. */
async function fitsSchema(t: Test, doc: Doc, url: string, init: RequestInit, where: [path: string, method: string, status: string]) {
  const answer = await fetchJson(url, init)
  t.equal(answer.status, Number(where[2]), `${where[1].toUpperCase()} ${where[0]} answers ${where[2]}`)
  t.match(answer.headers.get('content-type'), /^application\/json/)
  const validate = responseSchema(doc, ...where)
  t.ok(validate(answer.body), 'the body fits its documented schema', { errors: validate.errors, body: answer.body })
  return answer
}

async function mockOf(t: Test, spec: string): Promise<DoormanServer> {
  const started = Date.now()
  const mock = await startMock(t, { spec })
  // ~100 ms on a quiet machine; the bound leaves room for a loaded CI box and still catches a start that drags.
  t.ok(Date.now() - started < 3000, `ready in ${Date.now() - started} ms`)
  return mock
}

const json = { 'content-type': 'application/json' }

// Five `doorman check` processes take longer than everything else here: they start now and run while the mocks are poked.
const names = Object.keys(SPECS) as Array<keyof typeof SPECS>
const cliChecks = runCliAll(names.map((name) => ['check', SPECS[name]]))

t.test('the check report keeps its columns aligned past long paths and operationIds', async (t) => {
  const report = await checkSpec({ spec: SPECS.uspto })
  const lines = report.split('\n').filter((line) => /^ {2}[A-Z]+ /.test(line))
  t.equal(lines.length, 3)
  const idColumn = (line: string, id: string) => line.indexOf(` ${id} `)
  const columns = lines.map((line, i) => idColumn(line, ['list-data-sets', 'list-searchable-fields', 'perform-search'][i]))
  t.same(new Set(columns).size, 1, `operationIds start in one column: ${columns.join(', ')}`)
  t.same(new Set(lines.map((line) => line.indexOf(' auth: '))).size, 1, 'so do the rules')
})

t.test('petstore-expanded (OAI, 3.0): allOf, a base path, default responses', async (t) => {
  const doc = docs.petstoreExpanded
  const mock = await mockOf(t, SPECS.petstoreExpanded)
  await fitsSchema(t, doc, `${mock.url}/api/pets?tags=a&tags=b&limit=3`, {}, ['/pets', 'get', '200'])
  await fitsSchema(t, doc, `${mock.url}/api/pets`, { method: 'POST', headers: json, body: '{"name":"Rex","tag":"dog"}' }, ['/pets', 'post', '200'])
  await fitsSchema(t, doc, `${mock.url}/api/pets/7`, {}, ['/pets/{id}', 'get', '200'])
  const deleted = await fetch(`${mock.url}/api/pets/7`, { method: 'DELETE' })
  t.equal(deleted.status, 204)
  t.equal(await deleted.text(), '')

  const outside = await fetchJson(`${mock.url}/pets`)
  t.equal(outside.body.code, codes.ROUTE_NOT_FOUND)
  t.equal(outside.body.suggestion, '/api/pets', 'the base path the client forgot')
  const put = await fetchJson(`${mock.url}/api/pets/7`, { method: 'PUT' })
  t.equal(put.status, 405)
  t.equal(put.headers.get('allow'), 'GET, DELETE, HEAD, OPTIONS')
  const id = await fetchJson(`${mock.url}/api/pets/rex`)
  t.equal(id.status, 400)
  t.match(id.body.errors, [{ location: 'path', pointer: '/id', keyword: 'type', expected: 'integer', received: 'rex' }])
  const body = await fetchJson(`${mock.url}/api/pets`, { method: 'POST', headers: json, body: '{"tag":1}' })
  t.equal(body.status, 422)
  t.match(body.body.errors, [
    { pointer: '/name', keyword: 'required' },
    { pointer: '/tag', keyword: 'type', received: 1 },
  ])
})

t.test('USPTO (OAI, 3.0): server variables, a form body, the root path', async (t) => {
  const doc = docs.uspto
  const mock = await mockOf(t, SPECS.uspto)
  t.same(mock.notes, [], 'no note: the unknown format uriref is in a response schema, which no request is checked against')
  const list = await fitsSchema(t, doc, `${mock.url}/ds-api/`, {}, ['/', 'get', '200'])
  t.equal(list.body.apis[0].apiKey, 'oa_citations', "the spec's example")
  const form = { 'content-type': 'application/x-www-form-urlencoded' }
  // The Encoding Object's allowReserved is false by default: a raw ':' in a field is refused, percent-encoded it passes.
  const raw = await fetchJson(`${mock.url}/ds-api/oa_citations/v1/records`, { method: 'POST', headers: form, body: 'criteria=*:*&start=0&rows=10' })
  t.equal(raw.status, 422)
  t.equal(raw.body.code, 'FORM_FIELD_RESERVED_CHARACTERS')
  t.same(raw.body.fields, ['criteria'])
  await fitsSchema(t, doc, `${mock.url}/ds-api/oa_citations/v1/records`, { method: 'POST', headers: form, body: 'criteria=*%3A*&start=0&rows=10' }, [
    '/{dataset}/{version}/records',
    'post',
    '200',
  ])

  // `criteria` is required and has a default: a client that leaves it out is told, not served the default.
  const missing = await fetchJson(`${mock.url}/ds-api/oa_citations/v1/records`, { method: 'POST', headers: form, body: 'start=0' })
  t.equal(missing.status, 422)
  t.equal(missing.body.code, codes.BODY_INVALID)
  t.match(missing.body.errors, [{ location: 'body', pointer: '/criteria', keyword: 'required' }])
  const rows = await fetchJson(`${mock.url}/ds-api/oa_citations/v1/records`, { method: 'POST', headers: form, body: 'criteria=x&rows=1.5' })
  t.match(rows.body.errors, [{ pointer: '/rows', keyword: 'type', expected: 'integer', received: '1.5' }])
  const asJson = await fetchJson(`${mock.url}/ds-api/oa_citations/v1/records`, { method: 'POST', headers: json, body: '{}' })
  t.equal(asJson.status, 415)
  t.same(asJson.body.expected, ['application/x-www-form-urlencoded'])
})

t.test('Scalar Galaxy (3.1): six security schemes, security: [{}], type: [string, null], webhooks', async (t) => {
  const doc = docs.galaxy
  const mock = await mockOf(t, SPECS.galaxy)
  t.match(
    mock.notes.join('\n'),
    /\$ref '#\/components\/responses\/BadRequest' is a response, not a schema/,
    'the spec refers to responses where schemas belong',
  )
  t.match(mock.notes.join('\n'), /the schema has 'ref', not '\$ref'.*did you mean '\$ref: #\/components\/schemas\/Token'/)

  await fitsSchema(t, doc, `${mock.url}/planets?limit=5&offset=0`, {}, ['/planets', 'get', '200'])
  await fitsSchema(t, doc, `${mock.url}/planets/1`, {}, ['/planets/{planetId}', 'get', '200'])
  const planet = JSON.stringify({ id: 2, name: 'Venus', description: null, image: 'https://example.com/v.jpg' })
  await fitsSchema(t, doc, `${mock.url}/planets`, { method: 'POST', headers: { ...json, 'x-api-key': 'k-1' }, body: planet }, ['/planets', 'post', '201'])
  await fitsSchema(t, doc, `${mock.url}/me`, { headers: { cookie: 'api_key=k-1' } }, ['/me', 'get', '200'])
  await fitsSchema(t, doc, `${mock.url}/me?api_key=k-1`, {}, ['/me', 'get', '200'])
  await fitsSchema(t, doc, `${mock.url}/me`, { headers: { authorization: `Bearer ${mock.tokens.sign({ sub: 'marc' })}` } }, ['/me', 'get', '200'])
  const upload = new FormData()
  upload.append('image', new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' }), 'mars.png')
  await fitsSchema(t, doc, `${mock.url}/planets/1/image`, { method: 'POST', headers: { 'x-api-key': 'k-1' }, body: upload }, [
    '/planets/{planetId}/image',
    'post',
    '200',
  ])

  const anonymous = await fetchJson(`${mock.url}/me`)
  t.equal(anonymous.status, 401)
  t.equal(anonymous.body.code, codes.AUTH_MISSING)
  t.same(anonymous.body.expected, ['bearerAuth', 'basicAuth', 'apiKeyQuery', 'apiKeyHeader', 'apiKeyCookie', 'oauth2'])
  t.match(anonymous.headers.get('www-authenticate'), /^Bearer realm=/)
  const badBody = await fetchJson(`${mock.url}/planets`, { method: 'POST', headers: { ...json, 'x-api-key': 'k-1' }, body: '{"id":"2"}' })
  t.equal(badBody.status, 400, 'the operation documents 400, not 422')
  t.match(badBody.body.errors, [
    { pointer: '/name', keyword: 'required' },
    { pointer: '/id', keyword: 'type', received: '2' },
  ])
  const short = await fetchJson(`${mock.url}/user/signup`, { method: 'POST', headers: json, body: '{"name":"M","email":"m@example.com","password":"short"}' })
  t.match(short.body.errors, [{ pointer: '/password', keyword: 'minLength', expected: 8 }])
})

t.test('Redocly Museum (3.1): $ref examples, basic auth, named examples, image/png', async (t) => {
  const doc = docs.museum
  const mock = await mockOf(t, SPECS.museum)
  const basic = { authorization: `Basic ${Buffer.from('todd:secret').toString('base64')}` }
  const hours = await fitsSchema(t, doc, `${mock.url}/v1.1/museum-hours?startDate=2023-09-11&page=2&limit=15`, { headers: basic }, [
    '/museum-hours',
    'get',
    '200',
  ])
  t.equal(hours.body.length, 10, 'the $ref’d example')
  const event = JSON.stringify({ name: 'Night tour', location: 'Hall 1', eventDescription: 'Torches.', dates: ['2023-09-05'], price: 0 })
  await fitsSchema(t, doc, `${mock.url}/v1.1/special-events`, { method: 'POST', headers: { ...basic, ...json }, body: event }, [
    '/special-events',
    'post',
    '201',
  ])
  await fitsSchema(
    t,
    doc,
    `${mock.url}/v1.1/special-events/dad4bce8-f5cb-4078-a211-995864315e39`,
    { method: 'PATCH', headers: { ...basic, ...json }, body: '{"price":15}' },
    ['/special-events/{eventId}', 'patch', '200'],
  )
  const ticket = JSON.stringify({ ticketType: 'event', eventId: 'dad4bce8-f5cb-4078-a211-995864315e39', ticketDate: '2023-09-05', email: 'todd@example.com' })
  const bought = await fitsSchema(
    t,
    doc,
    `${mock.url}/v1.1/tickets`,
    { method: 'POST', headers: { ...basic, ...json, prefer: 'example=event_entry' }, body: ticket },
    ['/tickets', 'post', '201'],
  )
  t.equal(bought.body.ticketType, 'event')
  t.equal(bought.headers.get('preference-applied'), 'example=event_entry')
  const qr = await fetch(`${mock.url}/v1.1/tickets/a54a57ca-36f8-421b-a6b4-2e8f26858a4c/qr`, { headers: basic })
  t.equal(qr.status, 200)
  t.equal(qr.headers.get('content-type'), 'image/png')
  const png = Buffer.from(await qr.arrayBuffer())
  t.same([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a generated binary image is a real (1×1) PNG, not 0 bytes')
  t.equal(png.readUInt32BE(16), 1, 'one pixel wide')

  const anonymous = await fetchJson(`${mock.url}/v1.1/museum-hours`)
  t.equal(anonymous.status, 401)
  t.match(anonymous.headers.get('www-authenticate'), /^Basic realm=/)
  const query = await fetchJson(`${mock.url}/v1.1/museum-hours?startDate=2023-02-30&limit=31`, { headers: basic })
  t.equal(query.status, 400)
  t.match(query.body.errors, [
    { location: 'query', pointer: '/startDate', keyword: 'format', expected: 'date' },
    { location: 'query', pointer: '/limit', keyword: 'maximum', expected: 30, received: 31 },
  ])
  const vip = await fetchJson(`${mock.url}/v1.1/tickets`, { method: 'POST', headers: { ...basic, ...json }, body: ticket.replace('"event"', '"vip"') })
  t.equal(vip.status, 400, 'the operation documents 400, not 422')
  t.match(vip.body.errors, [{ pointer: '/ticketType', keyword: 'enum', expected: ['event', 'general'] }])
  const merge = await fetchJson(`${mock.url}/v1.1/special-events/dad4bce8-f5cb-4078-a211-995864315e39`, {
    method: 'PATCH',
    headers: { ...basic, 'content-type': 'application/merge-patch+json' },
    body: '{}',
  })
  t.equal(merge.status, 415)
  t.equal(merge.body.code, codes.CONTENT_TYPE_UNSUPPORTED)
})

t.test('Swagger Petstore v3 (3.0): XML beside JSON, form bodies, api_key and OAuth2 scopes', async (t) => {
  const doc = docs.petstore3
  const mock = await mockOf(t, SPECS.petstore3)
  const writer = { authorization: `Bearer ${mock.tokens.sign({ scope: 'write:pets read:pets' })}` }
  const pet = JSON.stringify({ id: 10, name: 'doggie', category: { id: 1, name: 'Dogs' }, photoUrls: ['u'], tags: [{ id: 1, name: 't' }], status: 'available' })

  // application/xml is documented first, but doorman writes JSON: a client taking */* gets JSON, labelled as such.
  await fitsSchema(t, doc, `${mock.url}/v3/pet/10`, { headers: { api_key: 'k-1' } }, ['/pet/{petId}', 'get', '200'])
  await fitsSchema(t, doc, `${mock.url}/v3/pet/findByTags?tags=a&tags=b`, { headers: { ...writer, accept: 'application/xml, application/json' } }, [
    '/pet/findByTags',
    'get',
    '200',
  ])
  await fitsSchema(t, doc, `${mock.url}/v3/pet`, { method: 'POST', headers: { ...writer, ...json }, body: pet }, ['/pet', 'post', '200'])
  // The User schema says `password: {type: string, example: 12345}`: the answer keeps to the type.
  const user = await fitsSchema(t, doc, `${mock.url}/v3/user/theUser`, {}, ['/user/{username}', 'get', '200'])
  t.equal(user.body.username, 'theUser')
  const login = await fitsSchema(t, doc, `${mock.url}/v3/user/login?username=u&password=p`, {}, ['/user/login', 'get', '200'])
  t.equal(login.headers.get('x-rate-limit'), '0')
  await fitsSchema(t, doc, `${mock.url}/v3/store/inventory`, { headers: { api_key: 'k-1' } }, ['/store/inventory', 'get', '200'])
  const order = JSON.stringify({ id: 10, petId: 198772, quantity: 7, shipDate: '2024-01-01T00:00:00Z', status: 'approved', complete: true })
  await fitsSchema(t, doc, `${mock.url}/v3/store/order`, { method: 'POST', headers: json, body: order }, ['/store/order', 'post', '200'])
  const form = await fetch(`${mock.url}/v3/pet`, {
    method: 'POST',
    headers: { ...writer, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'id=10&name=doggie&photoUrls=u&status=available',
  })
  t.equal(form.status, 200)

  // doorman does not parse XML: a well-formed XML pet passes (and start-up says it is not checked).
  const xml = await fetch(`${mock.url}/v3/pet`, {
    method: 'PUT',
    headers: { ...writer, 'content-type': 'application/xml', accept: 'application/json' },
    body: '<pet><name>doggie</name><photoUrls><photoUrl>u</photoUrl></photoUrls></pet>',
  })
  t.equal(xml.status, 200)
  t.match(
    mock.notes.join('\n'),
    /4 operations document no success response .*: updatePetWithForm → 405, deletePet → 400, deleteOrder → 400, deleteUser → 400;/,
    'start-up names the operations that answer a valid request with an error status',
  )
  t.match(mock.notes.join('\n'), /requestBody\/content\/application~1xml\/schema \(and 4 more places\): doorman does not parse application\/xml bodies/)

  const reader = { authorization: `Bearer ${mock.tokens.sign({ scope: 'read:pets' })}` }
  const scope = await fetchJson(`${mock.url}/v3/pet`, { method: 'POST', headers: { ...reader, ...json }, body: pet })
  t.equal(scope.status, 403)
  t.equal(scope.body.code, codes.SCOPE_INSUFFICIENT)
  t.match(scope.headers.get('www-authenticate'), /error="insufficient_scope", .*scope="write:pets read:pets"/)
  const noKey = await fetchJson(`${mock.url}/v3/store/inventory`)
  t.equal(noKey.status, 401)
  t.match(noKey.body.detail, /api_key header/)
  const status = await fetchJson(`${mock.url}/v3/pet/findByStatus?status=lost`, { headers: writer })
  t.equal(status.status, 400)
  t.match(status.body.errors, [{ location: 'query', pointer: '/status', keyword: 'enum', expected: ['available', 'pending', 'sold'] }])
  const noPhotos = await fetchJson(`${mock.url}/v3/pet`, { method: 'POST', headers: { ...writer, ...json }, body: '{"name":"doggie"}' })
  t.equal(noPhotos.status, 422)
  t.match(noPhotos.body.errors, [{ pointer: '/photoUrls', keyword: 'required' }])
  // An unset variable in the client's URL template leaves the segment empty: the parameter is missing, not ''.
  const empty = await fetchJson(`${mock.url}/v3/user/`)
  t.equal(empty.status, 400)
  t.match(empty.body, { code: codes.PARAMETER_INVALID, detail: 'GET /v3/user/{username}: path parameter username is required.' })
  const huge = await fetchJson(`${mock.url}/v3/store/order/99999999999999999999`)
  t.equal(huge.status, 400, 'format int64: twenty digits are beyond any int64')
  t.match(huge.body.errors, [{ location: 'path', pointer: '/orderId', keyword: 'format', expected: 'int64' }])
  t.equal((await fetch(`${mock.url}/v3/store/order/9223372036854775807`)).status, 200, 'Long.MAX_VALUE is an int64')
  const octet = await fetchJson(`${mock.url}/v3/pet/10/uploadImage`, { method: 'POST', headers: { ...writer, 'content-type': 'image/png' }, body: 'x' })
  t.equal(octet.status, 415)
  t.same(octet.body.expected, ['application/octet-stream'])
})

t.test('doorman check reads each document and lists every operation', async (t) => {
  const results = await cliChecks
  names.forEach((name, i) => {
    const { code, stdout, stderr } = results[i]
    t.equal(code, 0, `${name}: exit 0 (${stderr})`)
    const operations = Object.entries(docs[name].paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => ['get', 'put', 'post', 'delete', 'patch'].includes(method))
        .map(([method, op]) => ({ method: method.toUpperCase(), path, id: op.operationId })),
    )
    t.match(stdout, `; ${operations.length} operation(s)`, `${name}: the count`)
    for (const op of operations) {
      const line = stdout.split('\n').find((l) => l.trimStart().startsWith(`${op.method} `) && l.includes(`${op.path} `))
      t.ok(line, `${name}: ${op.method} ${op.path} is listed`)
      if (op.id) t.match(line, op.id)
    }
    t.notMatch(stderr, /Error|at .*\.js:\d+/, `${name}: no stack trace`)
  })
})
