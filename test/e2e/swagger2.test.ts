// Swagger 2.0 documents through `doorman serve`, over a real socket: upgraded at load
// time, with basePath, consumes/produces, body and formData parameters and the security
// definitions all enforced as a 3.x document's would be, and notes that point into the
// user's 2.0 file.
import t from 'tap'
import { codes } from '../../src/index.js'
import { fixture, runCli, runCliAll, startCli } from '../helpers.js'

t.setTimeout(180_000)

const PETSTORE = fixture('specs', 'swagger2', 'petstore.yaml')
const NOTES = fixture('specs', 'swagger2', 'notes-basic-forms.yaml')

async function problem(res: Response): Promise<{ code: string; detail: string; errors?: Array<{ pointer: string; keyword: string }> }> {
  t.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8', `${res.status} is problem+json`)
  return res.json()
}

t.test('the Swagger Petstore (2.0): 404, 405, 401, 415, 406, 400/422, and valid requests answered', async (t) => {
  const cli = await startCli(t, [PETSTORE, '--log', 'silent'])
  const token = (await runCli(['token', '--scope', 'write:pets read:pets'])).stdout.trim()
  const bearer = { authorization: `Bearer ${token}` }

  // basePath: /v2 (with host and schemes: servers[0] is http://petstore.swagger.io/v2).
  const outside = await fetch(`${cli.url}/pet/1`, { headers: { api_key: 'k' } })
  t.equal(outside.status, 404, 'a path outside basePath')
  t.match((await problem(outside)).detail, /all paths live under \/v2/)
  const patch = await fetch(`${cli.url}/v2/pet`, { method: 'PATCH' })
  t.equal(patch.status, 405)
  t.equal(patch.headers.get('allow'), 'PUT, POST, OPTIONS')

  // securityDefinitions: api_key (apiKey in a header) and petstore_auth (oauth2 → a bearer token).
  const noKey = await fetch(`${cli.url}/v2/pet/1`)
  t.equal(noKey.status, 401)
  t.equal((await problem(noKey)).code, codes.AUTH_MISSING)
  const pet = await fetch(`${cli.url}/v2/pet/1`, { headers: { api_key: 'special-key' } })
  t.equal(pet.status, 200, 'an API key in the api_key header')
  t.match(await pet.json(), { name: 'doggie', photoUrls: Array })
  const badId = await fetch(`${cli.url}/v2/pet/one`, { headers: { api_key: 'special-key' } })
  t.equal(badId.status, 400, 'a path parameter of type integer (format int64)')
  const noToken = await fetch(`${cli.url}/v2/pet/findByStatus?status=sold`)
  t.equal(noToken.status, 401, 'oauth2 is enforced as a bearer token')
  t.match(noToken.headers.get('www-authenticate'), /^Bearer realm=/)

  // produces → 406 for an Accept nothing matches; collectionFormat: multi → an exploded query array.
  const found = await fetch(`${cli.url}/v2/pet/findByStatus?status=sold&status=pending`, { headers: { ...bearer, accept: 'application/json' } })
  t.equal(found.status, 200)
  t.equal(found.headers.get('content-type'), 'application/json; charset=utf-8')
  const csv = await fetch(`${cli.url}/v2/pet/findByStatus?status=sold`, { headers: { ...bearer, accept: 'text/csv' } })
  t.equal(csv.status, 406)
  t.equal((await problem(csv)).code, codes.NOT_ACCEPTABLE)
  const notAStatus = await fetch(`${cli.url}/v2/pet/findByStatus?status=lost`, { headers: bearer })
  t.equal(notAStatus.status, 400, 'an enum on the items of a query array')

  // An `in: body` parameter: consumes → 415, its schema → 422, a valid body → the documented 200.
  const order = { id: 7, petId: 1, quantity: 2, status: 'placed', complete: false }
  const asText = await fetch(`${cli.url}/v2/store/order`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(order) })
  t.equal(asText.status, 415)
  t.same((await problem(asText)).code, codes.CONTENT_TYPE_UNSUPPORTED)
  const wrong = await fetch(`${cli.url}/v2/store/order`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...order, quantity: 'two', status: 'lost' }),
  })
  // The operation documents 400 "Invalid Order" and no 422: the mock answers as the API would.
  t.equal(wrong.status, 400)
  const wrongProblem = await problem(wrong)
  t.equal(wrongProblem.code, codes.BODY_INVALID)
  t.match(wrongProblem.errors, [
    { pointer: '/quantity', keyword: 'type' },
    { pointer: '/status', keyword: 'enum' },
  ])
  const placed = await fetch(`${cli.url}/v2/store/order`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) })
  t.equal(placed.status, 200, 'a valid body is accepted')
  t.match(await placed.json(), { status: String })
  const noPhotos = await fetch(`${cli.url}/v2/pet`, {
    method: 'POST',
    headers: { ...bearer, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'rex' }),
  })
  t.equal(noPhotos.status, 422, 'a required property of a body parameter')
  t.match((await problem(noPhotos)).errors, [{ pointer: '/photoUrls', keyword: 'required' }])

  // formData with a file: multipart/form-data.
  const form = new FormData()
  form.set('additionalMetadata', 'a photo')
  form.set('file', new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' }), 'rex.png')
  const uploaded = await fetch(`${cli.url}/v2/pet/3/uploadImage`, { method: 'POST', headers: bearer, body: form })
  t.equal(uploaded.status, 200, 'a multipart formData request is accepted')
  t.match(await uploaded.json(), { code: Number })
  const uploadAsJson = await fetch(`${cli.url}/v2/pet/3/uploadImage`, {
    method: 'POST',
    headers: { ...bearer, 'content-type': 'application/json' },
    body: '{}',
  })
  t.equal(uploadAsJson.status, 415, 'consumes: multipart/form-data only')
  t.equal(await cli.stop(), 0)
})

t.test('basic auth, an API key in the query, a shared body parameter and a urlencoded form (2.0)', async (t) => {
  const cli = await startCli(t, [NOTES, '--log', 'silent'])
  const base = `${cli.url}/api/v1`
  const basic = { authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}` }
  const post = (headers: Record<string, string>, body: unknown) =>
    fetch(`${base}/notes`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

  const anonymous = await post({}, { text: 'hello' })
  t.equal(anonymous.status, 401, 'security: [basicAuth] at the top level')
  t.match(anonymous.headers.get('www-authenticate'), /^Basic realm=/)
  const created = await post(basic, { text: 'hello', pinned: true })
  t.equal(created.status, 201, 'basic credentials and a valid body (a #/parameters body parameter)')
  t.match(await created.json(), { text: String })
  const invalid = await post(basic, { text: 'x'.repeat(101), pinned: 'yes' })
  t.equal(invalid.status, 422)
  t.match((await problem(invalid)).errors, [
    { pointer: '/text', keyword: 'maxLength' },
    { pointer: '/pinned', keyword: 'type' },
  ])

  const noKey = await fetch(`${base}/notes`)
  t.equal(noKey.status, 401, 'an apiKey in the query, for one operation')
  t.equal((await fetch(`${base}/notes?key=k1`)).status, 200)
  t.equal((await fetch(`${base}/notes?key=k1&limit=500`)).status, 400, 'a query parameter with a maximum')

  const feedback = (body: string, type = 'application/x-www-form-urlencoded') =>
    fetch(`${base}/feedback`, { method: 'POST', headers: { 'content-type': type }, body })
  t.equal((await feedback('email=a%40example.com&stars=5')).status, 204, 'a urlencoded formData request is accepted')
  const tooMany = await feedback('email=a%40example.com&stars=9')
  t.equal(tooMany.status, 422)
  t.match((await problem(tooMany)).errors, [{ pointer: '/stars', keyword: 'maximum' }])
  const noEmail = await feedback('stars=3')
  t.equal(noEmail.status, 422, 'a required formData parameter')
  t.match((await problem(noEmail)).errors, [{ keyword: 'required' }])
  t.equal((await feedback('{"email":"a@example.com"}', 'application/json')).status, 415, "the operation's own consumes")
  t.equal(await cli.stop(), 0)
})

t.test("notes point into the user's 2.0 file, on serve's stderr and in check", async (t) => {
  const [check, strict, serve] = await runCliAll([
    ['check', NOTES],
    ['check', NOTES, '--strict'],
    ['serve', NOTES, '--port', '0', '--strict'],
  ])
  t.equal(check.code, 0)
  t.match(
    check.stdout,
    /^fixtures\/specs\/swagger2\/notes-basic-forms\.yaml: Swagger 2\.0 \(read as OpenAPI 3\.0\.0\), "Notes \(Swagger 2\.0\)" 1\.0; 4 operation\(s\), base path \/api\/v1\n/,
  )
  const file = 'fixtures/specs/swagger2/notes-basic-forms.yaml'
  for (const line of [
    `note: ${file}: /paths/~1legacy/get/responses/200/schema: cannot resolve $ref '#/definitions/Gone': there is no 'Gone'; that schema accepts any value.`,
    // Found in the upgraded 3.0 document (requestBody/content/…/properties/phone, components/schemas/Note/…), shown where the user wrote them.
    `note: ${file}: /paths/~1feedback/post/parameters/2: format 'phone' is not one doorman knows`,
    `note: ${file}: /definitions/Note/properties/price: format 'decimal' is not one doorman knows`,
  ]) {
    t.ok(
      check.stdout.split('\n').some((l) => l.startsWith(line)),
      line,
    )
  }
  t.notMatch(check.stdout, /components|requestBody/, 'no pointer into the converted document')

  t.equal(strict.code, 1, '--strict fails on them')

  t.equal(serve.code, 1, 'serve --strict does not start')
  t.equal(serve.stdout, '', 'no ready line')
  t.match(serve.stderr, /^doorman: note: fixtures\/specs\/swagger2\/notes-basic-forms\.yaml: \/definitions\/Note\/properties\/price: format 'decimal'/m)
  t.match(serve.stderr, /^doorman: --strict: 3 notes about the description: 2 format, 1 ref; not serving$/m)
})
