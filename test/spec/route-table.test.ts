import t from 'tap'
import { SetupError } from '../../src/index.js'
import { loadSpec } from '../../src/spec/load-spec.js'
import { NoteSink } from '../../src/spec/notes.js'
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

/** The table and the notes it left, for a document that loads. */
async function compiled(source: string | object): Promise<{ table: RouteTable; notes: string[] }> {
  const spec = await loadSpec(source)
  const table = compileRouteTable(spec)
  return { table, notes: spec.notes.list.map((n) => `${n.kind} ${n.where}: ${n.message}`) }
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
  t.same(
    orderRoute.segments,
    [
      { kind: 'static', text: '' },
      { kind: 'static', text: 'orders' },
      { kind: 'param', name: 'orderId' },
    ],
    'segments for the router',
  )
  t.same(orderRoute.paramNames, ['orderId'])
  t.equal(orderRoute.basePath, '')
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
    t.equal(byId.get('getOrder')!.parameters[0].pointer, '/paths/~1orders~1{orderId}/parameters/0')
    t.equal(byId.get('getOrder')!.parameters[1].pointer, '/paths/~1orders~1{orderId}/get/parameters/0')
  })
  t.test('$ref’d responses are followed', async (t) => {
    const notFound = byId.get('getOrder')!.responses['404']
    t.ok(notFound.content?.['application/problem+json'], 'the NotFound response body')
    t.equal(notFound.pointer, '/components/responses/NotFound', 'the pointer is where it is defined')
    t.same(Object.keys(byId.get('createOrder')!.responses), ['201', '400', '401', '403', '413', '415', '422'])
    t.equal(byId.get('createOrder')!.responses['201'].headers?.Location?.example, '/orders/o-1001')
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
  t.same(
    split.routes[0].segments.map((s) => (s.kind === 'static' ? s.text : s.kind)),
    ['', 'v2', 'widgets'],
  )

  const variables = await table(
    doc(
      { '/x': { get: ok } },
      {
        servers: [{ url: '{scheme}://api.example.com/{version}/', variables: { scheme: { default: 'https' }, version: { default: 'v3' } } }],
      },
    ),
  )
  t.equal(variables.basePath, '/v3', 'server variables take their defaults; the trailing slash goes')
  t.equal((await table(doc({ '/x': { get: ok } }, { servers: [{ url: 'https://api.example.com' }] }))).basePath, '')
  t.equal((await table(doc({ '/x': { get: ok } }, { servers: [{ url: '/' }] }))).basePath, '')

  const noDefault = await compiled(
    doc({ '/x': { get: ok } }, { servers: [{ url: 'https://{region}.example.com/v1', variables: { region: { enum: ['eu', 'us'] } } }] }),
  )
  t.equal(noDefault.table.basePath, '/v1', 'a variable in the host does not touch the base path')
  t.same(noDefault.notes, [
    "server <inline spec>: /servers/0/variables/region: server variable 'region' has no default (OpenAPI requires one); it is not in the base path, so routing is unaffected",
  ])
  const relative = await compiled(doc({ '/x': { get: ok } }, { servers: [{ url: '//app.files.com/api/rest/v1' }] }))
  t.equal(relative.table.basePath, '/api/rest/v1', 'a protocol-relative URL has a host')
  t.same(relative.notes, [], 'and is not a mistake')
  const ebay = await compiled(
    doc({ '/x': { get: ok } }, { servers: [{ url: 'https://apiz.ebay.com{basePath}', variables: { basePath: { default: '/commerce/identity/v1' } } }] }),
  )
  t.equal(ebay.table.basePath, '/commerce/identity/v1', "a variable right after the host whose value starts with '/' is the path (eBay)")
  t.same(ebay.notes, [])
  const hostOnly = await compiled(doc({ '/x': { get: ok } }, { servers: [{ url: 'api.example.com/v2' }] }))
  t.equal(hostOnly.table.basePath, '/v2')
  t.match(hostOnly.notes, [/'api\.example\.com\/v2' looks like a host without a scheme/])
})

t.test('servers: every root base path routes; path-item and operation servers replace them', async (t) => {
  const { table, notes } = await compiled(
    doc(
      {
        '/a': { get: ok, post: { servers: [{ url: 'https://uploads.example.com/up' }], ...ok } },
        '/b': { servers: [{ url: '/item-level' }], get: ok },
        '/c': { servers: [], get: ok },
      },
      {
        servers: [
          { url: 'https://api.example.com/v1' },
          { url: 'http://localhost:8080/' },
          { url: '/v1' },
          { url: 'https://staging.example.com/{stage}/api', variables: { stage: { default: 'beta', enum: ['alpha', 'beta'] } } },
        ],
      },
    ),
  )
  t.same(notes, [])
  t.equal(table.basePath, '/v1', 'the first names things')
  t.same(table.basePaths, ['/v1', '', '/beta/api', '/alpha/api'], 'each once; an enum routes every value, its default first')
  t.same(
    table.operations.map((op) => op.label),
    ['GET /v1/a', 'POST /up/a', 'GET /item-level/b', 'GET /v1/c'],
    'labels name the first base path of each operation (empty servers: the enclosing ones)',
  )
  t.same(
    table.routes.map((r) => `${r.basePath}${r.template} ${[...r.operations.keys()].join(',')}`),
    [
      '/v1/a GET',
      '/a GET',
      '/beta/api/a GET',
      '/alpha/api/a GET',
      '/up/a POST',
      '/item-level/b GET',
      '/v1/c GET',
      '/c GET',
      '/beta/api/c GET',
      '/alpha/api/c GET',
    ],
  )

  const broken = await compiled(doc({ '/x': { get: { servers: 'nope', ...ok } } }, { servers: [{ description: 'no url' }, { url: '/ok' }] }))
  t.same(broken.notes, [
    "server <inline spec>: /servers/0: a server needs a 'url' string; doorman ignores this one",
    "server <inline spec>: /paths/~1x/get/servers: 'servers' is not a list; doorman ignores it",
  ])
  t.equal(broken.table.operations[0].label, 'GET /ok/x')

  const many = await compiled(
    doc(
      { '/x': { get: ok } },
      {
        servers: [
          {
            url: '/{a}/{b}',
            variables: {
              a: { default: 'a0', enum: Array.from({ length: 8 }, (_, i) => `a${i}`) },
              b: { default: 'b0', enum: Array.from({ length: 8 }, (_, i) => `b${i}`) },
            },
          },
        ],
      },
    ),
  )
  t.same(many.notes, ["server <inline spec>: /servers/0/url: the server variables give more than 32 base paths; doorman routes '{b}' as 'b0' only"])
  t.equal(many.table.basePaths.length, 8)

  const wild = await compiled(doc({ '/x': { get: ok } }, { servers: [{ url: '/{tenant}/v1' }] }))
  t.same(wild.notes, [
    "server <inline spec>: /servers/0/url: server variable '{tenant}' is not defined in 'variables'; doorman accepts any value for it in the path",
  ])
  t.equal(wild.table.routes[0].baseParams, 1, 'captured, but not a path parameter')
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
  const params = operations[0].parameters
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

t.test('literal text around parameters: one segment, matched by its literal parts', async (t) => {
  const { routes } = await table(doc({ '/things/{id}:cancel': { parameters: [pathParam('id')], post: ok } }))
  t.same(routes[0].segments.at(-1), { kind: 'pattern', parts: ['', 'id', ':cancel'] })
})

t.test('specification extensions among the paths are ignored', async (t) => {
  const { routes } = await table(doc({ 'x-internal': { note: 'not a path' }, '/things': { get: ok } }))
  t.same(
    routes.map((r) => r.template),
    ['/things'],
  )
})

t.test('mistakes in the paths are notes, and only the broken piece is left out', async (t) => {
  const cases: Array<[string, object, string[], (table: RouteTable) => unknown, unknown]> = [
    [
      'a path parameter declared but not in the template',
      doc({ '/orders': { get: { parameters: [pathParam('orderId')], ...ok } } }),
      ["parameter <inline spec>: /paths/~1orders/get: path parameter 'orderId' is declared but '{orderId}' is not in the path template; doorman ignores it"],
      (table) => table.operations[0].parameters,
      [],
    ],
    [
      'a template parameter that is not declared',
      doc({ '/orders/{orderId}': { get: ok } }),
      [
        "parameter <inline spec>: /paths/~1orders~1{orderId}/get: path parameter '{orderId}' is in the template but not declared in 'parameters'; doorman reads it as a required string",
      ],
      (table) => table.operations[0].parameters.map(({ name, in: where, required, schema }) => ({ name, in: where, required, schema })),
      [{ name: 'orderId', in: 'path', required: true, schema: { type: 'string' } }],
    ],
    [
      'a duplicate operationId',
      doc({ '/a': { get: { operationId: 'same', ...ok } }, '/b': { post: { operationId: 'same', ...ok } } }),
      ["route <inline spec>: /paths/~1b/post: operationId 'same' is also used at /paths/~1a/get; doorman names this operation 'POST /b'"],
      (table) => table.operations.map((op) => op.id),
      ['same', 'POST /b'],
    ],
    [
      'a path that does not start with /',
      doc({ orders: { get: ok } }),
      ["route <inline spec>: /paths/orders: path 'orders' does not start with '/'; doorman routes it as '/orders'"],
      (table) => table.routes.map((r) => r.template),
      ['/orders'],
    ],
    [
      'two templates that differ only in parameter names',
      doc({ '/a/{x}': { parameters: [pathParam('x')], get: ok }, '/a/{y}': { parameters: [pathParam('y')], get: ok, put: ok } }),
      [
        "route <inline spec>: /paths/~1a~1{y}: '/a/{y}' matches the same requests as '/a/{x}' (only the parameter names differ); doorman routes them as one path, with the methods of both",
        "route <inline spec>: /paths/~1a~1{y}/get: '/a/{x}' also has GET for the same requests; the first one documented wins, so doorman never routes to this operation",
      ],
      (table) => table.routes.map((r) => `${r.template} ${[...r.operations.values()].map((op) => op.id).join(', ')}`),
      ['/a/{x} GET /a/{x}, PUT /a/{y}'],
    ],
    [
      'a parameter used twice in one template',
      doc({ '/a/{x}/{x}': { parameters: [pathParam('x')], get: ok } }),
      [
        "route <inline spec>: /paths/~1a~1{x}~1{x}: path parameter '{x}' appears more than once; doorman reads every one of its segments and validates the first",
      ],
      (table) => table.operations[0].templateParams,
      ['x', 'x'],
    ],
    [
      'a status that is not a status',
      doc({ '/a': { get: { responses: { '2OO': { description: 'typo' }, '4xx': { description: 'lower case' } } } } }),
      [
        "response <inline spec>: /paths/~1a/get/responses/2OO: '2OO' is not a status code, a range like 4XX, or 'default'; doorman ignores this response",
        "response <inline spec>: /paths/~1a/get/responses/4xx: '4xx' is not a status code as OpenAPI writes them; doorman reads it as '4XX'",
      ],
      (table) => Object.keys(table.operations[0].responses),
      ['4XX'],
    ],
    [
      'parameters that are not a list',
      doc({ '/a': { get: { parameters: { name: 'x' }, ...ok } } }),
      ["parameter <inline spec>: /paths/~1a/get/parameters: 'parameters' is not a list; doorman ignores it"],
      (table) => table.operations[0].parameters,
      [],
    ],
    [
      'a parameter without a place',
      doc({
        '/a': {
          get: {
            parameters: [
              { name: 'x', in: 'body' },
              { name: 'y', in: 'query' },
            ],
            ...ok,
          },
        },
      }),
      ["parameter <inline spec>: /paths/~1a/get/parameters/0: a parameter needs a 'name' and 'in' (path, query, header or cookie); doorman ignores this one"],
      (table) => table.operations[0].parameters.map((p) => p.name),
      ['y'],
    ],
    [
      'a request body without content',
      doc({ '/a': { post: { requestBody: { required: true }, ...ok } } }),
      ["body <inline spec>: /paths/~1a/post/requestBody: a requestBody needs a 'content' mapping of media types; doorman accepts a body of any type here"],
      (table) => table.operations[0].requestBody,
      { required: true, content: { '*/*': {} }, pointer: '/paths/~1a/post/requestBody' },
    ],
    [
      'a path item or an operation that is not a mapping',
      doc({ '/a': 'nothing', '/b': { get: ['no'], put: ok } }),
      [
        'route <inline spec>: /paths/~1a: a path item must be a mapping; doorman leaves this path out',
        'route <inline spec>: /paths/~1b/get: an operation must be a mapping; doorman leaves GET out of this path',
      ],
      (table) => table.operations.map((op) => op.id),
      ['PUT /b'],
    ],
  ]
  for (const [what, spec, notes, read, expected] of cases) {
    const result = await compiled(spec)
    t.same(result.notes, notes, `${what}: the note`)
    t.same(read(result.table), expected, `${what}: the fallback`)
  }
})

t.test('a $ref that does not resolve leaves out the piece it stands for', async (t) => {
  const document = doc({
    '/a': {
      post: {
        parameters: [{ $ref: '#/components/parameters/Nope' }, { name: 'q', in: 'query' }],
        requestBody: { $ref: '#/components/requestBodies/Nope' },
        responses: { '200': { $ref: '#/components/responses/Nope' }, '204': { description: 'ok' } },
      },
    },
  })
  // Past the loader (which may bundle or refuse it first): what the route table itself does.
  const notes = new NoteSink('<inline spec>')
  const routes = compileRouteTable({ document, version: '3.1', file: '<inline>', files: [], notes } as never)
  const op = routes.operations[0]
  t.same(
    op.parameters.map((p) => p.name),
    ['q'],
  )
  t.same(op.requestBody?.content, { '*/*': {} }, 'any body')
  t.same(Object.keys(op.responses), ['204'])
  t.same(
    notes.list.map((n) => `${n.kind} ${n.where}: ${n.message}`),
    [
      "ref <inline spec>: /paths/~1a/post/parameters/0: cannot resolve $ref '#/components/parameters/Nope'; doorman leaves this parameter out",
      "ref <inline spec>: /paths/~1a/post/requestBody: cannot resolve $ref '#/components/requestBodies/Nope'; doorman accepts any request body here",
      "ref <inline spec>: /paths/~1a/post/responses/200: cannot resolve $ref '#/components/responses/Nope'; doorman leaves this response out",
    ],
  )
  // Through the loader: refused there naming the $ref's pointer, or noted with it; never a crash.
  try {
    const loaded = await compiled(doc({ '/a': { get: { parameters: [{ $ref: '#/components/parameters/Nope' }], ...ok } } }))
    t.match(loaded.notes.join('\n'), '/paths/~1a/get/parameters/0')
  } catch (error) {
    t.type(error, SetupError)
    t.match((error as Error).message, '/paths/~1a/get/parameters/0')
  }
})

t.test('fixture files with path mistakes name the file relative to the working directory', async (t) => {
  const param = await compiled(fixture('specs', 'real-world-cases', 'routing-path-param-not-in-template.yaml'))
  t.same(param.notes, [
    "parameter fixtures/specs/real-world-cases/routing-path-param-not-in-template.yaml: /paths/~1orders/get: path parameter 'orderId' is declared but '{orderId}' is not in the path template; doorman ignores it",
  ])
  const ids = await compiled(fixture('specs', 'real-world-cases', 'routing-duplicate-operation-id.yaml'))
  t.same(ids.notes, [
    "route fixtures/specs/real-world-cases/routing-duplicate-operation-id.yaml: /paths/~1customers/get: operationId 'getThing' is also used at /paths/~1orders/get; doorman names this operation 'GET /customers'",
  ])
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

t.test("a path parameter in the key's query part is read from the query, and the note counts right", async (t) => {
  const one = await compiled(doc({ '/rides?page={page}': { get: { parameters: [pathParam('page')], ...ok } } }))
  t.same(one.notes, [
    "route <inline spec>: /paths/~1rides?page={page}: '/rides?page={page}' has a query part, which is not part of the path ('?page={page}'); doorman routes it as '/rides'",
    "parameter <inline spec>: /paths/~1rides?page={page}/get: path parameter 'page' stands in the key's query part, not in the path; doorman reads it as a query parameter",
  ])
  t.same(
    one.table.operations[0].parameters.map((p) => `${p.in}:${p.name}`),
    ['query:page'],
  )
  const two = await compiled(doc({ '/rides?page={page}&size={size}': { get: { parameters: [pathParam('page'), pathParam('size')], ...ok } } }))
  t.match(two.notes[1], /path parameters 'page', 'size' stand in the key's query part, not in the path; doorman reads them as query parameters$/)
})
