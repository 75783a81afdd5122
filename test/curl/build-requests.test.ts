import t from 'tap'
import { buildRequests, findOperation } from '../../src/curl/build-requests.js'
import { loadMockState } from '../../src/mock-state.js'
import type { DoormanConfig } from '../../src/index.js'
import { DEFAULT_SPEC, fixture } from '../helpers.js'

const BASE = 'http://127.0.0.1:4010'

const inline = (paths: object, extra: object = {}) => ({ openapi: '3.1.0', info: { title: 'Inline', version: '1' }, paths, ...extra })

async function plan(spec: string | object, operation?: string, config?: DoormanConfig | string) {
  const state = await loadMockState({ spec, config })
  return buildRequests(state, { baseUrl: `${BASE}/`, operation })
}

t.test('an operation is named by operationId or METHOD /path; a typo gets a suggestion', async (t) => {
  const state = await loadMockState({ spec: DEFAULT_SPEC })
  t.equal(findOperation(state, 'createOrder').id, 'createOrder')
  t.equal(findOperation(state, 'post /orders').id, 'createOrder')
  t.equal(findOperation(state, 'GET /orders/{orderId}').id, 'getOrder')
  t.throws(() => findOperation(state, 'createOrdr'), { name: 'SetupError', message: /no operation 'createOrdr'.*did you mean 'createOrder'/ })
})

t.test('the valid request comes first, with a token carrying the scopes, path parameters from their examples', async (t) => {
  const { operations } = await plan(DEFAULT_SPEC, 'getOrder')
  const [op] = operations
  t.equal(op.path, '/orders/{orderId}')
  const [valid] = op.requests
  t.match(valid, { title: 'a valid request', expectStatus: 200, method: 'GET', url: `${BASE}/orders/o-1001` })
  t.equal(valid.expectCode, undefined)
  t.match(valid.headers[0], ['Authorization', /^Bearer ey/])
  const broken = op.requests.find((r) => r.expectCode === 'PARAMETER_INVALID')!
  t.match(broken, { expectStatus: 400, url: `${BASE}/orders/x`, title: /path parameter orderId = "x", against the pattern/ })
})

t.test('every refusal keeps the rest of the request valid', async (t) => {
  const { operations } = await plan(DEFAULT_SPEC, 'createOrder')
  const requests = operations[0].requests
  const valid = requests[0]
  t.equal(valid.expectStatus, 201)
  t.equal(valid.body, '{"customerId":"c-123","items":[{"sku":"ABC-1234","qty":1}]}', "the first named example ('minimal')")
  const scope = requests.find((r) => r.expectCode === 'SCOPE_INSUFFICIENT')!
  t.equal(scope.body, valid.body)
  t.not(scope.headers[0][1], valid.headers[0][1], 'only the token differs')
  const big = requests.find((r) => r.expectCode === 'BODY_TOO_LARGE')!
  t.equal(big.bodyFromCommand, "head -c 1048577 /dev/zero | tr '\\0' a", 'one byte over the default 1 MiB')
  t.equal(big.body, undefined)
  t.same(big.headers, valid.headers)
  t.ok(
    requests.find((r) => r.title.includes('/currency')),
    "rules only a fuller example shows (currency in 'full') are broken too",
  )
})

t.test('an operation without security, parameters or body: no auth refusals, a body is refused', async (t) => {
  const { operations } = await plan(DEFAULT_SPEC, 'getHealth')
  const codes = operations[0].requests.map((r) => r.expectCode)
  t.notOk(codes.includes('AUTH_MISSING'))
  t.ok(codes.includes('CONTENT_TYPE_UNSUPPORTED'))
  t.equal(operations[0].requests[0].headers.length, 0)
})

t.test('the body limit is the operation’s own', async (t) => {
  const { operations } = await plan(DEFAULT_SPEC, 'createFeedback')
  t.match(
    operations[0].requests.find((r) => r.expectCode === 'BODY_TOO_LARGE'),
    { bodyFromCommand: /^head -c 16385 / },
  )
})

t.test('with Prefer faults off, no fault commands; with plans in force, a note', async (t) => {
  const off = await plan(DEFAULT_SPEC, 'getHealth', { faults: { preferHeader: false, plans: [] } })
  t.notOk(off.operations[0].requests.some((r) => r.title.startsWith('Prefer:')))
  const plans = await plan(DEFAULT_SPEC, 'getHealth', { faults: [{ operation: 'getHealth', kind: 'status', status: 503 }] })
  t.match(plans.notes, [/fault plans .* are in force/])
})

t.test('generated bodies leave out readOnly properties', async (t) => {
  const { operations } = await plan(fixture('specs', 'rules.yaml'), 'createThing')
  const valid = operations[0].requests[0]
  t.equal(valid.expectStatus, 201)
  t.notMatch(valid.body, /"id"/)
})

t.test('a body doorman cannot make valid is announced as what it will get', async (t) => {
  const spec = inline({
    '/x': {
      post: {
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'string', pattern: '^[0-9]{9}$' } } } },
        responses: { '200': { description: 'ok' } },
      },
    },
  })
  const valid = (await plan(spec)).operations[0].requests[0]
  t.match(valid, { expectStatus: 422, expectCode: 'BODY_INVALID', title: /cannot make a valid body: give the request body an example/ })
})

t.test('bearer tokens from the config: opaque tokens as they are, no token when doorman cannot sign', async (t) => {
  const opaque = await plan(DEFAULT_SPEC, 'listOrders', { auth: { bearer: { tokens: ['opaque-1'] } } })
  const requests = opaque.operations[0].requests
  t.same(requests[0].headers[0], ['Authorization', 'Bearer opaque-1'])
  t.notOk(
    requests.some((r) => r.expectCode === 'TOKEN_EXPIRED'),
    'an opaque token cannot expire',
  )

  const verifyOnly = await plan(DEFAULT_SPEC, 'listOrders', fixture('configs', 'auth-public-only.yaml'))
  const [only, ...rest] = verifyOnly.operations[0].requests
  t.match(only, { expectStatus: 401, expectCode: 'AUTH_MISSING', title: /no credentials: cannot sign tokens/ })
  t.equal(rest.length, 0, 'every other command would be refused the same way')
})

t.test('query parameters are percent-encoded: curl never sees [ ] { } (its URL globbing)', async (t) => {
  const { operations } = await plan(fixture('specs', 'rules.yaml'), 'search')
  for (const request of operations[0].requests) t.notMatch(request.url, /[[\]{}]/, request.title)
  t.ok(operations[0].requests.some((r) => r.title === 'without the required query parameter q'))
  t.ok(operations[0].requests.some((r) => r.title === 'without the required header parameter X-Trace-Id'))
})
