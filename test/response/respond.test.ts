import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import t from 'tap'
import { parse } from 'yaml'
import { codes } from '../../src/index.js'
import { DEFAULT_SPEC, fetchJson, fixture, startMock } from '../helpers.js'

/**
 * The default spec without its security requirements, passed as an object:
 * this file is about the respond step, not credentials.
 */
function openOrdersSpec(): Record<string, unknown> {
  const doc = parse(readFileSync(DEFAULT_SPEC, 'utf8')) as {
    security?: unknown
    paths: Record<string, Record<string, { security?: unknown; 'x-doorman'?: unknown }>>
  }
  delete doc.security
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item)) {
      if (op && typeof op === 'object' && !Array.isArray(op)) {
        delete op.security
        delete op['x-doorman']
      }
    }
  }
  return doc
}

const newOrder = JSON.stringify({ customerId: 'c-123', items: [{ sku: 'ABC-1234', qty: 1 }] })
const json = { 'content-type': 'application/json' }

/** A small document for the cases the default spec does not have. */
const shapes = {
  openapi: '3.1.0',
  info: { title: 'Response shapes', version: '1.0.0' },
  paths: {
    '/statuses': {
      get: {
        operationId: 'manyStatuses',
        responses: {
          '404': { description: 'not found', content: { 'application/json': { example: { status: 404 } } } },
          '202': { description: 'accepted', content: { 'application/json': { example: { status: 202 } } } },
          '200': { description: 'ok', content: { 'application/json': { example: { status: 200 } } } },
          '4XX': { description: 'client trouble', content: { 'application/json': { example: { status: '4XX' } } } },
        },
      },
    },
    '/errors-only': {
      get: { operationId: 'errorsOnly', responses: { '409': { description: 'conflict' }, '404': { description: 'gone' } } },
    },
    '/range': {
      get: { operationId: 'range', responses: { '2XX': { description: 'any success', content: { 'application/json': { example: { range: true } } } } } },
    },
    '/default': {
      get: {
        operationId: 'defaultOnly',
        responses: { default: { description: 'anything', content: { 'application/json': { example: { any: true } } } } },
      },
    },
    '/named': {
      get: {
        operationId: 'named',
        responses: {
          '200': {
            description: 'two named examples',
            content: {
              'application/json': {
                examples: {
                  first: { summary: 'the first', value: { n: 1 } },
                  second: { $ref: '#/components/examples/Second' },
                },
              },
            },
          },
        },
      },
    },
    '/headers': {
      get: {
        operationId: 'headers',
        responses: {
          '200': {
            description: 'documented headers',
            headers: {
              'X-Rate-Limit': { schema: { type: 'integer', minimum: 10 } },
              'X-Tags': { schema: { type: 'array', items: { type: 'string' } }, example: ['a', 'b'] },
              'Content-Type': { schema: { type: 'string' }, example: 'text/nonsense' },
            },
            content: { 'application/json': { example: { ok: true } } },
          },
        },
      },
    },
    '/empty': {
      get: { operationId: 'noContent', responses: { '200': { description: 'nothing documented about the body' } } },
    },
    '/secret': {
      get: {
        operationId: 'secret',
        responses: {
          '200': {
            description: 'no example: generated',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['user', 'password'],
                  properties: {
                    user: { type: 'string', minLength: 3 },
                    password: { type: 'string', writeOnly: true },
                    token: { type: 'string', writeOnly: true },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
  components: { examples: { Second: { summary: 'the second', value: { n: 2 } } } },
}

t.test('the default spec (without credentials)', async (t) => {
  const mock = await startMock(t, { spec: openOrdersSpec() })

  t.test('the lowest documented 2xx', async (t) => {
    const list = await fetchJson(`${mock.url}/orders`)
    t.equal(list.status, 200)
    t.equal(list.body[1].id, 'o-1000', 'the example, as documented')

    const created = await fetchJson(`${mock.url}/orders`, { method: 'POST', headers: json, body: newOrder })
    t.equal(created.status, 201)
    t.equal(created.body.id, 'o-1001', 'the first (only) named example: created')

    const feedback = await fetchJson(`${mock.url}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'Quick delivery, thanks!',
    })
    t.equal(feedback.status, 202)
    t.same(feedback.body, { received: true })
  })

  t.test('documented response headers: Location on createOrder', async (t) => {
    const res = await fetch(`${mock.url}/orders`, { method: 'POST', headers: json, body: newOrder })
    await res.arrayBuffer()
    t.equal(res.status, 201)
    t.equal(res.headers.get('location'), '/orders/o-1001')
  })

  t.test('204 has no body and no content type', async (t) => {
    const res = await fetch(`${mock.url}/orders/o-1001`, { method: 'DELETE' })
    t.equal(res.status, 204)
    t.equal(await res.text(), '')
    t.equal(res.headers.get('content-type'), null)
    t.equal(res.headers.get('content-length'), null)
  })

  t.test('Prefer: code=404 answers the documented 404', async (t) => {
    const res = await fetchJson(`${mock.url}/orders/o-1001`, { headers: { prefer: 'code=404' } })
    t.equal(res.status, 404)
    t.equal(res.headers.get('preference-applied'), 'code=404')
    t.match(res.headers.get('content-type'), /^application\/problem\+json/, 'the documented media type')
    t.equal(res.body.code, 'ORDER_NOT_FOUND', 'the documented example, not a doorman problem')
    t.equal(res.body.detail, 'No order has the id o-9999.')
  })

  t.test('Prefer: code= with an undocumented status is refused', async (t) => {
    const res = await fetchJson(`${mock.url}/orders/o-1001`, { headers: { prefer: 'code=201' } })
    t.equal(res.status, 400)
    t.equal(res.body.code, codes.PREFER_UNSATISFIABLE)
    t.equal(res.body.step, 'respond')
    t.equal(res.body.received, '201')
    t.same(res.body.expected, ['200', '400', '401', '404'])
    t.equal(res.body.detail, 'Prefer: code=201 asks for a status GET /orders/{orderId} does not document; documented: 200, 400, 401, 404.')
    const junk = await fetchJson(`${mock.url}/orders/o-1001`, { headers: { prefer: 'code=teapot' } })
    t.equal(junk.status, 400)
    t.equal(junk.body.code, codes.PREFER_UNSATISFIABLE)
  })

  t.test('Prefer: example=NAME', async (t) => {
    const chosen = await fetchJson(`${mock.url}/orders`, {
      method: 'POST',
      headers: { ...json, prefer: 'example=created' },
      body: newOrder,
    })
    t.equal(chosen.status, 201)
    t.equal(chosen.headers.get('preference-applied'), 'example=created')

    const unknown = await fetchJson(`${mock.url}/orders`, {
      method: 'POST',
      headers: { ...json, prefer: 'example=nope' },
      body: newOrder,
    })
    t.equal(unknown.status, 400)
    t.equal(unknown.body.code, codes.PREFER_UNSATISFIABLE)
    t.same(unknown.body.expected, ['created'])
    t.equal(unknown.body.received, 'nope')
    t.match(unknown.body.detail, /documented examples: created\.$/)

    const none = await fetchJson(`${mock.url}/orders/o-1001`, { headers: { prefer: 'example=anything' } })
    t.equal(none.status, 400)
    t.match(none.body.detail, /it documents no named examples/)
  })

  t.test('the journal records the answer', async (t) => {
    const [entry] = await mock.journal.waitFor({ operation: 'deleteOrder' })
    t.equal(entry.status, 204)
    t.equal(entry.step, 'respond')
    t.equal(entry.code, undefined)
  })
})

t.test('response shapes', async (t) => {
  const mock = await startMock(t, { spec: shapes })

  t.test('the lowest 2xx wins whatever the document order', async (t) => {
    const res = await fetchJson(`${mock.url}/statuses`)
    t.equal(res.status, 200)
    t.same(res.body, { status: 200 })
  })

  t.test('Prefer: code= picks exact statuses, then ranges, then default', async (t) => {
    const accepted = await fetchJson(`${mock.url}/statuses`, { headers: { prefer: 'code=202' } })
    t.equal(accepted.status, 202)
    t.same(accepted.body, { status: 202 })
    const exact = await fetchJson(`${mock.url}/statuses`, { headers: { prefer: 'code=404' } })
    t.same(exact.body, { status: 404 }, 'an exact status beats the range')
    // (5xx and 429 are left out here: Prefer: code=503 asks the fault step for a sick server.)
    const ranged = await fetchJson(`${mock.url}/statuses`, { headers: { prefer: 'code=409' } })
    t.equal(ranged.status, 409, '4XX documents 409')
    t.same(ranged.body, { status: '4XX' })
    t.equal(ranged.headers.get('preference-applied'), 'code=409')
    const fallback = await fetchJson(`${mock.url}/default`, { headers: { prefer: 'code=418' } })
    t.equal(fallback.status, 418, 'default documents every status')
    t.same(fallback.body, { any: true })
  })

  t.test('only error statuses documented: the lowest', async (t) => {
    const res = await fetch(`${mock.url}/errors-only`)
    t.equal(res.status, 404)
    t.equal(await res.text(), '')
  })

  t.test('2XX and default stand for 200', async (t) => {
    t.equal((await fetchJson(`${mock.url}/range`)).status, 200)
    const fallback = await fetchJson(`${mock.url}/default`)
    t.equal(fallback.status, 200)
    t.same(fallback.body, { any: true })
  })

  t.test('named examples: the first by default, $refs followed', async (t) => {
    const first = await fetchJson(`${mock.url}/named`)
    t.same(first.body, { n: 1 })
    t.equal(first.headers.get('preference-applied'), null, 'nothing was asked for')
    const second = await fetchJson(`${mock.url}/named`, { headers: { prefer: 'example="second"' } })
    t.same(second.body, { n: 2 })
    t.equal(second.headers.get('preference-applied'), 'example=second')
    const both = await fetchJson(`${mock.url}/named`, { headers: { prefer: 'code=200, example=second' } })
    t.equal(both.headers.get('preference-applied'), 'code=200, example=second')
    const unknown = await fetchJson(`${mock.url}/named`, { headers: { prefer: 'example=third' } })
    t.same(unknown.body.expected, ['first', 'second'])
    t.match(unknown.body.detail, /documented examples: first, second\.$/)
  })

  t.test('documented headers: examples, generated values, never Content-Type', async (t) => {
    const res = await fetchJson(`${mock.url}/headers`)
    t.equal(res.headers.get('x-rate-limit'), '10', 'generated from the schema')
    t.equal(res.headers.get('x-tags'), 'a,b', 'arrays in the simple style')
    t.match(res.headers.get('content-type'), /^application\/json/, 'a documented Content-Type header is ignored')
  })

  t.test('a response without content has no body', async (t) => {
    const res = await fetch(`${mock.url}/empty`)
    t.equal(res.status, 200)
    t.equal(await res.text(), '')
  })

  t.test('writeOnly properties are never generated', async (t) => {
    const res = await fetchJson(`${mock.url}/secret`)
    t.equal(res.status, 200)
    t.same(Object.keys(res.body), ['user'])
    t.ok(res.body.user.length >= 3)
  })
})

t.test('a generated body (no example) is deterministic and fits the schema', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'petstore-3.0.yaml') })
  const first = await fetchJson(`${mock.url}/api/v1/pets/1/owner`)
  const second = await fetchJson(`${mock.url}/api/v1/pets/2/owner`)
  t.equal(first.status, 200)
  t.equal(first.text, second.text, 'the same body every time')

  const doc = parse(readFileSync(fixture('specs', 'petstore-3.0.yaml'), 'utf8'))
  const ajv = new Ajv({ allErrors: true, strict: false })
  addFormats.default(ajv)
  const validate = ajv.compile(doc.components.schemas.Owner)
  t.ok(validate(first.body), `fits the Owner schema: ${ajv.errorsText(validate.errors)}`)
  t.same(Object.keys(first.body).sort(), ['age', 'email', 'name', 'since'])
  t.ok(first.body.age >= 18)
})
