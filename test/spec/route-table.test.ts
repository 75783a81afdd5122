import t from 'tap'
import { SetupError } from '../../src/index.js'
import { loadSpec } from '../../src/spec/load-spec.js'
import { deref, resolvePointer } from '../../src/spec/refs.js'
import { compileRouteTable, type RouteTable } from '../../src/spec/route-table.js'
import { DEFAULT_SPEC, fixture } from '../helpers.js'

const ok = { responses: { '200': { description: 'ok' } } }
const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } })

function doc(paths: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { openapi: '3.1.0', info: { title: 't', version: '1' }, paths, ...extra }
}

async function table(source: string | object): Promise<RouteTable> {
  return compileRouteTable(await loadSpec(source))
}

async function tableError(source: string | object): Promise<SetupError> {
  try {
    await table(source)
  } catch (error) {
    if (error instanceof SetupError) return error
    throw error
  }
  throw new Error('the route table compiled')
}

t.test('the default spec: one route per path, one operation per method', async (t) => {
  const { basePath, routes, operations } = await table(DEFAULT_SPEC)
  t.equal(basePath, '', 'servers[0].url has no path')
  t.same(
    routes.map((r) => r.template),
    ['/health', '/orders', '/orders/mine', '/orders/{orderId}', '/orders/{orderId}/attachments', '/feedback'],
  )
  t.same(
    operations.map((op) => `${op.method} ${op.path} ${op.id}`),
    [
      'GET /health getHealth',
      'GET /orders listOrders',
      'POST /orders createOrder',
      'GET /orders/mine listMyOrders',
      'GET /orders/{orderId} getOrder',
      'PUT /orders/{orderId} replaceOrder',
      'DELETE /orders/{orderId} deleteOrder',
      'PATCH /orders/{orderId} updateOrder',
      'POST /orders/{orderId}/attachments uploadAttachment',
      'POST /feedback createFeedback',
    ],
    'in document order, methods in a fixed order',
  )
  const byId = new Map(operations.map((op) => [op.id, op]))
  const orderRoute = routes.find((r) => r.template === '/orders/{orderId}')!
  t.equal(orderRoute.routerPath, '/orders/:p0', 'OpenAPI names become p0, p1, … for the router')
  t.same(orderRoute.paramNames, ['orderId'])
  t.same([...orderRoute.operations.keys()], ['GET', 'PUT', 'DELETE', 'PATCH'])

  t.test('security: the operation’s own, else the global one', async (t) => {
    t.same(byId.get('getHealth')!.security, [], 'security: [] means none')
    t.same(byId.get('listOrders')!.security, [{ bearerAuth: [] }], 'global')
    t.same(byId.get('deleteOrder')!.security, [{ apiKeyAuth: [] }], 'operation-level')
    t.same(byId.get('uploadAttachment')!.security, [{ basicAuth: [] }])
  })
  t.test('x-doorman is the operation’s extension', async (t) => {
    t.same(byId.get('createOrder')!.extension, { scopes: ['orders:write'] })
    t.same(byId.get('getOrder')!.extension, {})
  })
  t.test('path-level and operation-level parameters are merged', async (t) => {
    t.same(
      byId.get('getOrder')!.parameters.map((p) => `${p.in}:${p.name}`),
      ['path:orderId', 'query:expand'],
    )
    t.equal(byId.get('getOrder')!.parameters[0]!.pointer, '/paths/~1orders~1{orderId}/parameters/0')
    t.equal(byId.get('getOrder')!.parameters[1]!.pointer, '/paths/~1orders~1{orderId}/get/parameters/0')
  })
  t.test('$ref’d responses are followed', async (t) => {
    const notFound = byId.get('getOrder')!.responses['404']!
    t.ok(notFound.content?.['application/problem+json'], 'the NotFound response body')
    t.equal(notFound.pointer, '/components/responses/NotFound', 'the pointer is where it is defined')
    t.same(Object.keys(byId.get('createOrder')!.responses), ['201', '400', '401', '403', '413', '415', '422'])
    t.equal(byId.get('createOrder')!.responses['201']!.headers?.Location?.example, '/orders/o-1001')
  })
  t.test('request bodies', async (t) => {
    const body = byId.get('createOrder')!.requestBody!
    t.equal(body.required, true)
    t.same(Object.keys(body.content), ['application/json'])
    t.equal(byId.get('getOrder')!.requestBody, undefined)
  })
})

t.test('base paths come from servers[0].url', async (t) => {
  t.equal((await table(fixture('specs', 'petstore-3.0.yaml'))).basePath, '/api/v1', 'absolute URL')
  const split = await table(fixture('specs', 'split', 'main.yaml'))
  t.equal(split.basePath, '/v2', 'relative URL')
  t.equal(split.routes[0]!.routerPath, '/v2/widgets')

  const variables = await table(
    doc({ '/x': { get: ok } }, {
      servers: [{ url: '{scheme}://api.example.com/{version}/', variables: { scheme: { default: 'https' }, version: { default: 'v3' } } }],
    }),
  )
  t.equal(variables.basePath, '/v3', 'server variables take their defaults; the trailing slash goes')
  t.equal((await table(doc({ '/x': { get: ok } }, { servers: [{ url: 'https://api.example.com' }] }))).basePath, '')
  t.equal((await table(doc({ '/x': { get: ok } }, { servers: [{ url: '/' }] }))).basePath, '')

  const error = await tableError(doc({ '/x': { get: ok } }, { servers: [{ url: 'https://{region}.example.com/v1' }] }))
  t.equal(error.message, "<inline spec>: /servers/0/url: server variable 'region' has no default")
})

t.test('the 3.0 petstore: operation-level params join the path-level one', async (t) => {
  const { operations } = await table(fixture('specs', 'petstore-3.0.yaml'))
  const getPet = operations.find((op) => op.id === 'getPet')!
  t.same(
    getPet.parameters.map((p) => `${p.in}:${p.name}`),
    ['path:petId', 'header:X-Request-Id', 'query:fields'],
  )
})

t.test('an operation-level parameter overrides the path-level one of the same name and place', async (t) => {
  const { operations } = await table(
    doc({
      '/things/{id}': {
        parameters: [pathParam('id'), { name: 'X-Trace', in: 'header', schema: { type: 'string' } }],
        get: {
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'integer' } },
            { name: 'x-trace', in: 'header', schema: { type: 'integer' } },
          ],
          ...ok,
        },
      },
    }),
  )
  const params = operations[0]!.parameters
  t.same(
    params.map((p) => `${p.in}:${p.name}:${(p.schema as { type: string }).type}`),
    ['path:id:integer', 'header:x-trace:integer'],
    'header names compare case-insensitively',
  )
})

t.test('an operation without operationId is named METHOD /path', async (t) => {
  const { operations } = await table(doc({ '/things': { get: ok, delete: ok } }))
  t.same(
    operations.map((op) => op.id),
    ['GET /things', 'DELETE /things'],
  )
})

t.test('literal colons in a template are not router parameters', async (t) => {
  const { routes } = await table(doc({ '/things/{id}:cancel': { parameters: [pathParam('id')], post: ok } }))
  t.equal(routes[0]!.routerPath, '/things/:p0::cancel')
})

t.test('specification extensions among the paths are ignored', async (t) => {
  const { routes } = await table(doc({ 'x-internal': { note: 'not a path' }, '/things': { get: ok } }))
  t.same(
    routes.map((r) => r.template),
    ['/things'],
  )
})

t.test('mistakes in the paths stop with the file and the JSON pointer', async (t) => {
  const cases: Array<[string, object, string]> = [
    [
      'a path parameter declared but not in the template',
      doc({ '/orders': { get: { parameters: [pathParam('orderId')], ...ok } } }),
      "<inline spec>: /paths/~1orders/get: path parameter 'orderId' is declared but '{orderId}' is not in the path template",
    ],
    [
      'a template parameter that is not declared',
      doc({ '/orders/{orderId}': { get: ok } }),
      "<inline spec>: /paths/~1orders~1{orderId}/get: path parameter '{orderId}' is in the template but not declared in 'parameters'",
    ],
    [
      'a duplicate operationId',
      doc({ '/a': { get: { operationId: 'same', ...ok } }, '/b': { post: { operationId: 'same', ...ok } } }),
      "<inline spec>: /paths/~1b/post: operationId 'same' is used twice (also at /paths/~1a/get)",
    ],
    [
      'a path that does not start with /',
      doc({ orders: { get: ok } }),
      "<inline spec>: /paths/orders: path 'orders' must start with '/'",
    ],
    [
      'two templates that differ only in parameter names',
      doc({ '/a/{x}': { parameters: [pathParam('x')], get: ok }, '/a/{y}': { parameters: [pathParam('y')], put: ok } }),
      "<inline spec>: /paths/~1a~1{y}: path '/a/{y}' is the same template as '/a/{x}' (only the parameter names differ)",
    ],
    [
      'a parameter used twice in one template',
      doc({ '/a/{x}/{x}': { parameters: [pathParam('x')], get: ok } }),
      "<inline spec>: /paths/~1a~1{x}~1{x}: path parameter '{x}' appears twice",
    ],
    [
      'a status that is not a status',
      doc({ '/a': { get: { responses: { '2OO': { description: 'typo' } } } } }),
      "<inline spec>: /paths/~1a/get/responses/2OO: '2OO' is not a status code, a range like 4XX, or 'default'",
    ],
    [
      'parameters that are not a list',
      doc({ '/a': { get: { parameters: { name: 'x' }, ...ok } } }),
      "<inline spec>: /paths/~1a/get/parameters: 'parameters' must be a list",
    ],
    [
      'a parameter without a place',
      doc({ '/a': { get: { parameters: [{ name: 'x', in: 'body' }], ...ok } } }),
      "<inline spec>: /paths/~1a/get/parameters/0: a parameter needs a 'name' and 'in' (path, query, header or cookie)",
    ],
    [
      'a request body without content',
      doc({ '/a': { post: { requestBody: { required: true }, ...ok } } }),
      "<inline spec>: /paths/~1a/post/requestBody: a requestBody needs a 'content' mapping of media types",
    ],
  ]
  for (const [what, spec, expected] of cases) {
    const error = await tableError(spec)
    if (expected.startsWith('<inline')) t.equal(error.message, expected, what)
    else t.match(error.message, expected, what)
  }
})

t.test('fixture files with path mistakes name the file relative to the working directory', async (t) => {
  const paramError = await tableError(fixture('specs', 'broken', 'path-param-not-in-template.yaml'))
  t.equal(
    paramError.message,
    "fixtures/specs/broken/path-param-not-in-template.yaml: /paths/~1orders/get: path parameter 'orderId' is declared but '{orderId}' is not in the path template",
  )
  const idError = await tableError(fixture('specs', 'broken', 'duplicate-operation-id.yaml'))
  t.equal(
    idError.message,
    "fixtures/specs/broken/duplicate-operation-id.yaml: /paths/~1customers/get: operationId 'getThing' is used twice (also at /paths/~1orders/get)",
  )
})

t.test('local $refs: JSON pointers, percent-encoding, chains', async (t) => {
  const root = {
    paths: { '/100%': { get: { ok: 1 } }, '/a b/{id}': { get: { ok: 2 } } },
    components: { parameters: { A: { $ref: '#/components/parameters/B' }, B: { name: 'b', in: 'query' }, Loop: { $ref: '#/components/parameters/Loop' } } },
  }
  t.same(resolvePointer(root, '#/paths/~1100%/get'), { ok: 1 }, 'a bare % is taken as it is')
  t.same(resolvePointer(root, '#/paths/~1a%20b~1%7Bid%7D/get'), { ok: 2 }, 'percent-encoded tokens are decoded')
  t.equal(resolvePointer(root, '#/paths/~1nope'), undefined)
  t.same(resolvePointer(root, '#'), root)
  t.same(deref(root, { $ref: '#/components/parameters/A' }, '/x', 'f.yaml'), { name: 'b', in: 'query' }, 'chains are followed')
  t.throws(() => deref(root, { $ref: '#/components/parameters/Loop' }, '/x', 'f.yaml'), { message: 'f.yaml: /x: $ref chain is circular' })
  t.throws(() => deref(root, { $ref: '#/components/parameters/Nope' }, '/x', 'f.yaml'), {
    name: 'SetupError',
    message: "f.yaml: /x: cannot resolve $ref '#/components/parameters/Nope'",
  })
})
