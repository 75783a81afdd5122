/**
 * Routing what real descriptions contain (GitHub, Google, AWS, APIs.guru):
 * for each class, a fixture under fixtures/specs/real-world-cases/, the
 * start-up note it must give, and requests over a real socket proving that
 * valid requests reach the right operation and wrong ones still get 404/405.
 */
import t, { type Test } from 'tap'
import { codes } from '../../src/index.js'
import { fetchJson, fixture, startMock } from '../helpers.js'

const spec = (name: string) => fixture('specs', 'real-world-cases', `routing-${name}.yaml`)
const shown = (name: string) => `fixtures/specs/real-world-cases/routing-${name}.yaml`

/** Sends requests one at a time; each answer comes with the operation its journal entry names. */
async function serve(t: Test, name: string) {
  const mock = await startMock(t, { spec: spec(name) })
  let sent = 0
  const call = async (method: string, path: string, init: RequestInit = {}) => {
    const res = await fetchJson(`${mock.url}${path}`, { method, ...init })
    sent++
    const entries = await mock.journal.waitFor({ count: sent })
    return { ...res, operation: entries[sent - 1].operation }
  }
  return { mock, call, notes: mock.notes }
}

t.test('templates that differ only in parameter names: one route, methods merged, the first GET wins', async (t) => {
  const { call, notes } = await serve(t, 'same-template')
  t.same(notes, [
    `${shown('same-template')}: /paths/~1orgs~1{org}~1attestations~1{attestation_id}: '/orgs/{org}/attestations/{attestation_id}' matches the same requests as '/orgs/{org}/attestations/{subject_digest}' (only the parameter names differ); doorman routes them as one path, with the methods of both`,
    `${shown('same-template')}: /paths/~1orgs~1{org}~1attestations~1{attestation_id}/get: '/orgs/{org}/attestations/{subject_digest}' also has GET for the same requests; the first one documented wins, so doorman never routes to this operation`,
  ])
  const list = await call('GET', '/orgs/acme/attestations/sha256:abc')
  t.match(list, { status: 200, operation: 'listAttestations' })
  const listById = await call('GET', '/orgs/acme/attestations/12')
  t.match(listById, { status: 400, operation: 'listAttestations' }, 'GET is the first template’s: its subject_digest pattern applies')
  t.match(listById.body, { code: codes.PARAMETER_INVALID, detail: /subject_digest/ })

  t.match(await call('DELETE', '/orgs/acme/attestations/12'), { status: 204, operation: 'deleteAttestation' })
  const badDelete = await call('DELETE', '/orgs/acme/attestations/sha256:abc')
  t.match(badDelete, { status: 400, operation: 'deleteAttestation' }, 'DELETE reads the value under its own name')
  t.match(badDelete.body, { code: codes.PARAMETER_INVALID, detail: /attestation_id/ })

  const put = await call('PUT', '/orgs/acme/attestations/12')
  t.equal(put.status, 405)
  t.equal(put.headers.get('allow'), 'GET, DELETE, HEAD, OPTIONS')
})

t.test("Google's custom methods: {name}:cancel beside {name}, an encoded '/' in the name", async (t) => {
  const { call, notes } = await serve(t, 'custom-methods')
  t.same(notes, [], 'a valid description gives no notes')
  t.match(await call('POST', '/v1/operations%2Fabc:cancel'), { status: 200, operation: 'operations.cancel' })
  t.match(await call('POST', '/v1/operations%2Fabc:export'), { status: 200, operation: 'operations.export' })
  t.match(await call('GET', '/v1/operations%2Fabc'), { status: 200, operation: 'operations.get' })
  t.match(await call('DELETE', '/v1/operations%2Fabc'), { status: 200, operation: 'operations.delete' })

  const wrongName = await call('POST', '/v1/jobs%2Fabc:cancel')
  t.match(wrongName, { status: 400, operation: 'operations.cancel' })
  t.match(wrongName.body, { code: codes.PARAMETER_INVALID }, 'the name is captured and decoded, so its pattern speaks')
  t.match(JSON.stringify(wrongName.body.errors), /jobs\/abc/)

  const noVerb = await call('POST', '/v1/operations%2Fabc')
  t.equal(noVerb.status, 405)
  t.equal(noVerb.headers.get('allow'), 'GET, DELETE, HEAD, OPTIONS')
  const unknownVerb = await call('POST', '/v1/operations%2Fabc:frobnicate')
  t.equal(unknownVerb.status, 405, 'no template has this verb, and {name} alone takes no POST')
  const getCancel = await call('GET', '/v1/operations%2Fabc:cancel')
  t.match(getCancel, { status: 400, operation: 'operations.get' }, 'GET falls to {name}, whose pattern refuses the colon')
})

t.test('precedence: concrete before templated, literal text inside a segment', async (t) => {
  const { call, notes } = await serve(t, 'precedence')
  t.same(notes, [
    `${shown('precedence')}: /paths/~1test:{rpc}/get: path parameter '{rpc}' is in the template but not declared in 'parameters'; doorman reads it as a required string`,
    `${shown('precedence')}: /paths/~1test~1{id}/get: path parameter '{id}' is in the template but not declared in 'parameters'; doorman reads it as a required string`,
  ])
  t.match(await call('GET', '/test:yes'), { status: 200, operation: 'rpc' })
  t.match(await call('GET', '/test/fixed.json'), { status: 200, operation: 'fixedFormat' })
  t.match(await call('GET', '/test/fixed'), { status: 200, operation: 'testById' })
  t.match(await call('GET', '/test/abc'), { status: 200, operation: 'testById' })
  const fixedXml = await call('GET', '/test/fixed.xml')
  t.match(fixedXml, { status: 400, operation: 'fixedFormat' }, 'the most concrete template that matches decides, then its parameters are checked')
  t.match(fixedXml.body, { code: codes.PARAMETER_INVALID, detail: /format/ })

  t.match(await call('GET', '/files/report.tar.gz'), { status: 200, operation: 'getFile' }, "the extension is after the last '.'")
  t.match(await call('GET', '/files/report.json'), { status: 200, operation: 'getFile' })
  t.match(await call('GET', '/files/report.xml'), { status: 400, operation: 'getFile' })
  const noDot = await call('GET', '/files/report')
  t.match(noDot, { status: 404, operation: undefined })
  t.match(noDot.body, { code: codes.ROUTE_NOT_FOUND, suggestion: '/files/{id}.{format}' })

  t.match(await call('GET', '/pets/mine'), { status: 200, operation: 'listMyPets' })
  t.match(await call('GET', '/pets/7'), { status: 200, operation: 'getPet' })
  t.match(await call('DELETE', '/pets/mine'), { status: 204, operation: 'deletePet' }, '/pets/mine has no DELETE: /pets/{id} takes it')
  const put = await call('PUT', '/pets/mine')
  t.equal(put.status, 405)
  t.equal(put.headers.get('allow'), 'GET, HEAD, OPTIONS', 'the most concrete path names its methods')
})

t.test('keys with a query part or an AWS fragment: routed on the path, told apart by the query and headers they name', async (t) => {
  const { call, notes } = await serve(t, 'query-and-fragment')
  const file = shown('query-and-fragment')
  t.same(notes, [
    `${file}: /paths/~1rides?page={page}: '/rides?page={page}' has a query part, which is not part of the path ('?page={page}'); doorman routes it as '/rides'`,
    `${file}: /paths/~1tags~1{resourceArn}#tagKeys: '/tags/{resourceArn}#tagKeys' has a fragment, which clients never send ('#tagKeys'); doorman routes it as '/tags/{resourceArn}'`,
    ...['acl', 'analytics', 'analytics&id', 'lifecycle', 'lifecycle&deprecated!'].map(
      (f) => `${file}: /paths/~1{Bucket}#${f}: '/{Bucket}#${f}' has a fragment, which clients never send ('#${f}'); doorman routes it as '/{Bucket}'`,
    ),
    `${file}: /paths/~1{Bucket}#lifecycle&deprecated!/get: '/{Bucket}#lifecycle' also has GET for the same requests; the first one documented wins, so doorman never routes to this operation`,
    ...['GetItem', 'ListTables'].map(
      (op) =>
        `${file}: /paths/~1#X-Amz-Target=DynamoDB_20120810.${op}: '/#X-Amz-Target=DynamoDB_20120810.${op}' has a fragment, which clients never send ('#X-Amz-Target=DynamoDB_20120810.${op}'); doorman routes it as '/'`,
    ),
    `${file}: /paths/~1analyze#overload=stream: '/analyze#overload=stream' has a fragment, which clients never send ('#overload=stream'); doorman routes it as '/analyze'`,
    `${file}: /paths/~1current?city={city}&country={country}: '/current?city={city}&country={country}' has a query part, which is not part of the path ('?city={city}&country={country}'); doorman routes it as '/current'`,
    `${file}: /paths/~1current?city_id={city_id}: '/current?city_id={city_id}' has a query part, which is not part of the path ('?city_id={city_id}'); doorman routes it as '/current'`,
    `${file}: /paths/~1icons?category={category}&amount={amount}: '/icons?category={category}&amount={amount}' has a query part, which is not part of the path ('?category={category}&amount={amount}'); doorman routes it as '/icons'`,
    `${file}: /paths/~1icons?category={category}&amount={amount}/get: path parameters 'category', 'amount' stand in the key's query part, not in the path; doorman reads them as query parameters`,
  ])
  t.match(await call('GET', '/icons?category=home&amount=5'), { status: 200, operation: 'iconsByCategory' })
  t.match(await call('GET', '/icons?category=home&amount=0'), { status: 400, operation: 'iconsByCategory' }, "declared 'in: path', checked in the query")
  t.match(await call('GET', '/icons?category=home'), { status: 400, operation: 'iconsByCategory' }, 'and still required')
  t.match(await call('GET', '/rides?page=2'), { status: 200, operation: 'listRides' })
  t.match(await call('GET', '/rides'), { status: 200, operation: 'listRides' })
  t.match(await call('GET', '/rides?page=0'), { status: 400, operation: 'listRides' })

  t.match(await call('GET', '/tags/arn%3Aaws%3Aabc'), { status: 200, operation: 'ListTagsForResource' })
  t.match(await call('DELETE', '/tags/arn%3Aaws%3Aabc?tagKeys=a&tagKeys=b'), { status: 200, operation: 'UntagResource' })
  t.match(await call('DELETE', '/tags/arn%3Aaws%3Aabc'), { status: 400, operation: 'UntagResource' }, 'tagKeys is still required')

  t.match(await call('GET', '/my-bucket'), { status: 200, operation: 'ListObjects' })
  t.match(await call('GET', '/my-bucket?prefix=a'), { status: 200, operation: 'ListObjects' })
  t.match(await call('GET', '/my-bucket?acl=true'), { status: 200, operation: 'GetBucketAcl' })
  t.match(await call('GET', '/my-bucket?acl'), { operation: 'GetBucketAcl' }, 'present without a value is present')
  t.match(await call('GET', '/my-bucket?analytics=true'), { status: 200, operation: 'ListBucketAnalyticsConfigurations' })
  t.match(await call('GET', '/my-bucket?analytics=true&id=a1'), { status: 200, operation: 'GetBucketAnalyticsConfiguration' }, 'the key naming more wins')
  t.match(await call('GET', '/my-bucket?lifecycle=true'), { status: 200, operation: 'GetBucketLifecycleConfiguration' })
  const del = await call('DELETE', '/my-bucket')
  t.equal(del.status, 405)
  t.equal(del.headers.get('allow'), 'GET, HEAD, OPTIONS')

  const dynamo = (target: string | undefined, body: unknown) =>
    call('POST', '/', { headers: { 'content-type': 'application/json', ...(target ? { 'x-amz-target': target } : {}) }, body: JSON.stringify(body) })
  t.match(await dynamo('DynamoDB_20120810.ListTables', {}), { status: 200, operation: 'ListTables' })
  t.match(await dynamo('DynamoDB_20120810.GetItem', { TableName: 't', Key: {} }), { status: 200, operation: 'GetItem' })
  const badItem = await dynamo('DynamoDB_20120810.GetItem', {})
  t.match(badItem, { operation: 'GetItem' }, 'the header picks the operation, whose body schema then applies')
  t.ok(badItem.status === 400 || badItem.status === 422, `refused (${badItem.status})`)
  const noTarget = await dynamo(undefined, { TableName: 't', Key: {} })
  t.match(noTarget, { status: 400, operation: 'GetItem' }, 'no header: the first documented, whose required header is missing')

  const analyze = (type: string, body: string) => call('POST', '/analyze', { headers: { 'content-type': type }, body })
  t.match(await analyze('application/json', '{"url":"https://example.com/a.png"}'), { status: 200, operation: 'AnalyzeImage' })
  t.match(await analyze('application/octet-stream', 'PNG…'), { status: 200, operation: 'AnalyzeImageInStream' }, 'same path and method: the media type picks')
  t.match(await analyze('application/json; charset=utf-8', '{}'), { status: 422, operation: 'AnalyzeImage' })
  const other = await analyze('text/plain', 'hello')
  t.match(other, { status: 415, operation: 'AnalyzeImage' }, 'neither: the first documented answers')

  t.match(await call('GET', '/current?city_id=5'), { status: 200, operation: 'currentByCityId' }, 'the query parameters sent pick')
  t.match(await call('GET', '/current?city=Paris&country=FR'), { status: 200, operation: 'currentByCity' })
  t.match(await call('GET', '/current?city=Paris&country=France'), { status: 400, operation: 'currentByCity' })
  t.match(await call('GET', '/current?city_id=abc'), { status: 400, operation: 'currentByCityId' })
  t.match(await call('GET', '/current'), { status: 400, operation: 'currentByCity' }, 'none: the first documented, whose city is required')
})

t.test('path parameters that disagree with the template', async (t) => {
  const { call, notes } = await serve(t, 'path-parameters')
  t.same(notes, [
    `${shown('path-parameters')}: /paths/~1reports~1{year}~1{month}/get: path parameter '{month}' is in the template but not declared in 'parameters'; doorman reads it as a required string`,
    `${shown('path-parameters')}: /paths/~1reports/get: path parameter 'reportId' is declared but '{reportId}' is not in the path template; doorman ignores it`,
    `${shown('path-parameters')}: /paths/~1anything~1{id}~1next~1{id}: path parameter '{id}' appears more than once; doorman reads every one of its segments and validates the first`,
  ])
  t.match(await call('GET', '/reports/2024/05'), { status: 200, operation: 'getReport' })
  t.match(await call('GET', '/reports/1999/05'), { status: 400, operation: 'getReport' }, 'the declared one is still checked')
  const noMonth = await call('GET', '/reports/2024/')
  t.match(noMonth, { status: 400, operation: 'getReport' }, 'the implied one is required')
  t.match(noMonth.body.detail, /month/)
  t.match(await call('GET', '/reports'), { status: 200, operation: 'listReports' }, 'a declared parameter that cannot be sent does not refuse every request')
  t.match(await call('GET', '/anything/1/next/x'), { status: 200, operation: 'twice' })
  const second = await call('GET', '/anything/x/next/1')
  t.match(second, { status: 400, operation: 'twice' }, 'the first segment is the one validated')
  t.match(JSON.stringify(second.body.errors), /"x"/)
})

t.test('broken pieces among good ones: each a note, the rest served', async (t) => {
  const { call, notes } = await serve(t, 'document-mistakes')
  const file = shown('document-mistakes')
  t.same(notes, [
    `${file}: /paths/widgets: path 'widgets' does not start with '/'; doorman routes it as '/widgets'`,
    `${file}: /paths/~1broken-item: a path item must be a mapping; doorman leaves this path out`,
    `${file}: /paths/~1gadgets/get: an operation must be a mapping; doorman leaves GET out of this path`,
    `${file}: /paths/~1gadgets/post/parameters: 'parameters' is not a list; doorman ignores it`,
    `${file}: /paths/~1gadgets/post/requestBody: a requestBody needs a 'content' mapping of media types; doorman accepts a body of any type here`,
    `${file}: /paths/~1gadgets/post/responses/2OO: '2OO' is not a status code, a range like 4XX, or 'default'; doorman ignores this response`,
    `${file}: /paths/~1gadgets~1{id}/get/parameters/0: a parameter needs a 'name' and 'in' (path, query, header or cookie); doorman ignores this one`,
    `${file}: /paths/~1gadgets~1{id}/get: operationId 'createGadget' is also used at /paths/~1gadgets/post; doorman names this operation 'GET /gadgets/{id}'`,
    `${file}: /paths/~1gadgets~1{id}/get/responses/2xx: '2xx' is not a status code as OpenAPI writes them; doorman reads it as '2XX'`,
  ])
  t.match(await call('GET', '/widgets'), { status: 200, operation: 'listWidgets' })
  t.match(await call('GET', '/broken-item'), { status: 404 })
  const getGadgets = await call('GET', '/gadgets')
  t.equal(getGadgets.status, 405)
  t.equal(getGadgets.headers.get('allow'), 'POST, OPTIONS')
  t.match(await call('POST', '/gadgets', { headers: { 'content-type': 'text/plain' }, body: 'hello' }), { status: 201, operation: 'createGadget' })
  t.match(await call('POST', '/gadgets', { headers: { 'content-type': 'application/json' }, body: '{"a":1}' }), { status: 201, operation: 'createGadget' })
  const noBody = await call('POST', '/gadgets')
  t.match(noBody, { status: 400, operation: 'createGadget' }, 'the body is still required')
  t.equal(noBody.body.code, codes.BODY_REQUIRED)
  const one = await call('GET', '/gadgets/5')
  t.match(one, { operation: 'GET /gadgets/{id}' })
  t.ok(one.status >= 200 && one.status < 300, `a 2XX answer (${one.status})`)
  t.match(await call('GET', '/gadgets/x'), { status: 400, operation: 'GET /gadgets/{id}' })
})

t.test('servers: protocol-relative, several base paths, enum variables, operation and path-item servers', async (t) => {
  const { call, notes } = await serve(t, 'servers')
  const file = shown('servers')
  t.same(notes, [
    `${file}: /servers/1/variables/hostname: server variable 'hostname' has no default (OpenAPI requires one); it is not in the base path, so routing is unaffected`,
    `${file}: /servers/1/variables/version: server variable 'version' has no default (OpenAPI requires one); doorman routes each of its enum values`,
    `${file}: /paths/~1tenants/servers/0/variables/tenant: server variable 'tenant' has no default and no enum; doorman accepts any value for it in the path`,
  ])
  const assets = '/repos/octo/hello/releases/1/assets'
  t.match(await call('GET', `/api/rest/v1${assets}`), { status: 200, operation: 'listReleaseAssets' }, "'//host/path' has a host: its path is the base")
  t.match(await call('GET', `/api/v3${assets}`), { status: 200, operation: 'listReleaseAssets' }, 'every root server routes')
  t.match(await call('GET', `/api/v4${assets}`), { status: 200, operation: 'listReleaseAssets' }, 'each enum value')
  t.match(await call('GET', `/api/v5${assets}`), { status: 404 })
  const bare = await call('GET', assets)
  t.match(bare, { status: 404 })
  t.match(bare.body.detail, /all paths live under \/api\/rest\/v1/, 'the first base path is the one messages name')

  const upload = { headers: { 'content-type': 'application/octet-stream' }, body: 'bytes' }
  t.match(await call('POST', `/api/uploads${assets}`, upload), { status: 201, operation: 'uploadReleaseAsset' }, "the operation's own server")
  const wrongType = await call('POST', `/api/uploads${assets}`, { headers: { 'content-type': 'application/json' }, body: '{}' })
  t.match(
    wrongType.body.detail,
    /^POST \/api\/uploads\/repos\/\{owner\}\/\{repo\}\/releases\/\{release_id\}\/assets accepts application\/octet-stream/,
    'named under its own base path',
  )
  const uploadOnApi = await call('POST', `/api/v3${assets}`, upload)
  t.equal(uploadOnApi.status, 405, 'not under the root servers')
  t.equal(uploadOnApi.headers.get('allow'), 'GET, HEAD, OPTIONS')
  t.match(await call('GET', `/api/uploads${assets}`), { status: 405 })

  t.match(await call('GET', '/acme/admin/tenants'), { status: 200, operation: 'listTenants' }, "the path item's server; its variable takes any segment")
  t.match(await call('GET', '/api/rest/v1/tenants'), { status: 404 }, 'not under the root servers')
})

t.test('RFC 6570 operators and adjacent parameters: read as the author meant, with a note each', async (t) => {
  const { call, notes } = await serve(t, 'template-expressions')
  t.same(notes, [
    `${shown('template-expressions')}: /paths/~1apod{.format}: '/apod{.format}' uses RFC 6570 operators, which OpenAPI path templates do not have; doorman routes it as '/apod.{format}'`,
    `${shown('template-expressions')}: /paths/~1profiles~1{id}{ext}: '{id}{ext}' has nothing between the two parameters; doorman gives 'ext' the text from the last '.' on (an extension such as '.json') and 'id' the rest`,
  ])
  for (const path of ['/apod.json', '/apod.xml']) {
    const ok = await call('GET', path)
    t.equal(ok.status, 200, path)
    t.equal(ok.operation, 'apod')
  }
  const csv = await call('GET', '/apod.csv')
  t.equal(csv.status, 400, 'the declared parameter is the one checked')
  t.equal(csv.body.code, codes.PARAMETER_INVALID)
  t.match(csv.body.detail, /format must be one of "json", "xml"/)
  t.equal((await call('GET', '/apod')).status, 404, 'the dot is part of the template')

  for (const path of ['/profiles/12.json', '/profiles/7.xml']) {
    const ok = await call('GET', path)
    t.equal(ok.status, 200, path)
    t.equal(ok.operation, 'profile')
  }
  const notNumber = await call('GET', '/profiles/ab.json')
  t.equal(notNumber.status, 400)
  t.match(notNumber.body.detail, /path parameter id must be integer, got "ab"/)
  const noExtension = await call('GET', '/profiles/12')
  t.equal(noExtension.status, 400)
  t.match(noExtension.body.detail, /path parameter ext is required/)
})
