// What `npm run bench` measures. Each doorman scenario is compared with the
// bare fastify route (bench/bare-server.mjs) doing the same HTTP exchange
// without any check: the same request, answered with the answer doorman
// gives (captured once per run), closing the connection where doorman does.
//
// `auth: true` adds `Authorization: Bearer <token>`, a token minted once per
// run with the library's signToken() for bench/openapi-bench.yaml (with the
// scenario's `claims`, else TOKEN_CLAIMS). `target`: the least CPU ratio
// (bare µs per answer ÷ doorman's) issue 12 asks for.
const SPEC = 'openapi.yaml'
const CONFIG = 'bench/openapi-bench.yaml'
const json = { 'content-type': 'application/json' }
const order = JSON.stringify({
  customerId: 'c-123',
  items: [
    { sku: 'ABC-1234', qty: 2, unitPrice: 9.5 },
    { sku: 'XYZ-0001', qty: 1, unitPrice: 24 },
  ],
  currency: 'EUR',
  note: 'Please ring the bell twice.',
  shipping: { method: 'express', address: '1 Rue de la Paix, 75002 Paris' },
})

export const TOKEN_CLAIMS = { sub: 'bench', scope: 'orders:write orders:read' }

// A POST of the order to /orders with a token: most scenarios change one thing of it.
const postOrder = { spec: SPEC, config: CONFIG, method: 'POST', path: '/orders', auth: true, headers: json, body: order }

export const scenarios = [
  { name: 'valid POST /orders (JWT + schema-checked JSON)', ...postOrder, expectStatus: 201, target: 0.75 },
  {
    name: 'GET /orders/{orderId}?expand= (JWT, path + query)',
    spec: SPEC,
    config: CONFIG,
    method: 'GET',
    path: '/orders/o-1001?expand=items',
    auth: true,
    headers: {},
    expectStatus: 200,
    target: 0.75,
  },
  { name: '401 no token', ...postOrder, auth: false, expectStatus: 401, target: 0.9 },
  { name: '403 token without the scope', ...postOrder, claims: { sub: 'bench', scope: 'orders:read' }, expectStatus: 403, target: 0.9 },
  {
    name: '413 by Content-Length (closes)',
    ...postOrder,
    body: JSON.stringify({ customerId: 'c-123', items: [{ sku: 'ABC-1234', qty: 1 }], note: 'x'.repeat(20 * 1024) }),
    expectStatus: 413,
    target: 0.9,
  },
  { name: '415 wrong content type', ...postOrder, headers: { 'content-type': 'application/jsn' }, expectStatus: 415, target: 0.9 },
  { name: '400 malformed JSON', ...postOrder, body: order.slice(0, -1) + ',}', expectStatus: 400, target: 0.7 },
  {
    name: '422 schema violation',
    ...postOrder,
    body: JSON.stringify({ customerId: 'x', items: [{ sku: 'abc', qty: 0 }], colour: 'red' }),
    expectStatus: 422,
    target: 0.7,
  },
  {
    name: 'valid POST, no auth (rules.yaml)',
    spec: 'fixtures/specs/rules.yaml',
    method: 'POST',
    path: '/things',
    headers: json,
    body: JSON.stringify({ name: 'widget', email: 'a@example.com', kind: 'small', parts: [{ qty: 1 }, { qty: 2 }] }),
    expectStatus: 201,
    target: 0.75,
  },
]
