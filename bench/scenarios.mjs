// What `npm run bench` measures. Each doorman scenario is compared with the
// bare fastify route doing the same HTTP exchange without any check.
const thing = JSON.stringify({ name: 'widget', email: 'a@example.com', kind: 'small', parts: [{ qty: 1 }, { qty: 2 }] })
const json = { 'content-type': 'application/json' }

export const scenarios = [
  {
    name: 'valid POST, schema-checked JSON body',
    spec: 'fixtures/specs/rules.yaml',
    method: 'POST',
    path: '/things',
    headers: json,
    body: thing,
    expectStatus: 201,
    target: 0.6,
  },
  {
    name: 'GET with path and query params',
    spec: 'fixtures/specs/rules.yaml',
    method: 'GET',
    path: '/search?q=x&limit=5&ids=1,2,3&filter[status]=open',
    headers: { 'x-trace-id': '3f1c2b5e-8d4a-4c1e-9b2f-0a1b2c3d4e5f' },
    expectStatus: 200,
    target: 0.6,
  },
  {
    name: '415 wrong content type',
    spec: 'fixtures/specs/rules.yaml',
    method: 'POST',
    path: '/things',
    headers: { 'content-type': 'application/jsn' },
    body: thing,
    expectStatus: 415,
    target: 0.8,
  },
  {
    name: '413 by Content-Length',
    spec: 'fixtures/specs/rules.yaml',
    method: 'POST',
    path: '/small',
    headers: json,
    body: JSON.stringify('x'.repeat(11 * 1024)),
    expectStatus: 413,
    target: 0.8,
  },
  {
    name: '422 schema violation',
    spec: 'fixtures/specs/rules.yaml',
    method: 'POST',
    path: '/things',
    headers: json,
    body: JSON.stringify({ name: '', parts: [{ qty: 0 }] }),
    expectStatus: 422,
    target: 0.8,
  },
]
