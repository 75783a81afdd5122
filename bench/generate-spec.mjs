// A large, realistic OpenAPI 3.1 document for the start-up benchmark:
// RESOURCES resources x 5 operations (list, create, get, replace, delete),
// plus GET /health. Every resource has its own schemas that $ref shared ones
// (Money, Address, Tag, Problem), request bodies with $refs, path, query and
// header parameters (some through components/parameters), and responses with
// examples, shared error responses by $ref.
//
//   node bench/generate-spec.mjs [OPERATIONS=500] [OUT=$TMPDIR/doorman-bench/spec-500.yaml]
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'

const name = (i) => `Item${String(i).padStart(3, '0')}`

function resourceSchemas(i) {
  const n = name(i)
  return {
    [`New${n}`]: {
      type: 'object',
      description: `What a client sends to create or replace a ${n}.`,
      required: ['title', 'price'],
      additionalProperties: false,
      properties: {
        title: { type: 'string', minLength: 1, maxLength: 120, example: `${n} title` },
        price: { $ref: '#/components/schemas/Money' },
        quantity: { type: 'integer', minimum: 0, maximum: 10_000, default: 1 },
        sku: { type: 'string', pattern: `^[A-Z]{3}-[0-9]{4}$`, example: 'ABC-1234' },
        shipTo: { $ref: '#/components/schemas/Address' },
        tags: { type: 'array', maxItems: 20, items: { $ref: '#/components/schemas/Tag' } },
        status: { type: 'string', enum: ['draft', 'active', 'retired'], default: 'draft' },
        ...(i % 3 === 0 ? { contact: { type: 'string', format: 'email' } } : {}),
        ...(i % 4 === 0 ? { launchDate: { type: 'string', format: 'date' } } : {}),
      },
    },
    [n]: {
      description: `A ${n} as the server stores it.`,
      allOf: [
        { $ref: `#/components/schemas/New${n}` },
        {
          type: 'object',
          required: ['id', 'createdAt'],
          properties: {
            id: { type: 'string', readOnly: true, pattern: '^[a-z]{2}-[0-9]+$' },
            createdAt: { type: 'string', format: 'date-time', readOnly: true },
          },
        },
      ],
    },
  }
}

function example(i) {
  return {
    id: `it-${i}`,
    title: `${name(i)} title`,
    price: { amount: 9.5, currency: 'EUR' },
    quantity: 2,
    sku: 'ABC-1234',
    shipTo: { street: '1 Rue de la Paix', city: 'Paris', postcode: '75002', country: 'FR' },
    tags: [{ name: 'new' }],
    status: 'active',
    createdAt: '2024-05-01T12:00:00Z',
  }
}

const errors = (...codes) => Object.fromEntries(codes.map((code) => [code, { $ref: `#/components/responses/E${code}` }]))

function resourcePaths(i) {
  const n = name(i)
  const base = `/${n.toLowerCase()}s`
  const json = (schema, ex) => ({ 'application/json': { schema, example: ex } })
  const body = { required: true, content: json({ $ref: `#/components/schemas/New${n}` }, { title: `${n} title`, price: { amount: 9.5, currency: 'EUR' } }) }
  const one = { $ref: `#/components/schemas/${n}` }
  return {
    [base]: {
      get: {
        operationId: `list${n}s`,
        tags: [n],
        summary: `List ${n}s`,
        parameters: [
          { $ref: '#/components/parameters/Limit' },
          { $ref: '#/components/parameters/Offset' },
          { name: 'status', in: 'query', schema: { type: 'string', enum: ['draft', 'active', 'retired'] } },
          { name: 'tag', in: 'query', style: 'form', explode: false, schema: { type: 'array', items: { type: 'string' } } },
        ],
        responses: {
          200: {
            description: 'A page.',
            headers: { 'X-Total-Count': { schema: { type: 'integer' }, example: 1 } },
            content: json(
              { type: 'object', properties: { items: { type: 'array', items: one }, next: { type: ['string', 'null'] } } },
              { items: [example(i)], next: null },
            ),
          },
          ...errors(400, 401),
        },
      },
      post: {
        operationId: `create${n}`,
        tags: [n],
        summary: `Create a ${n}`,
        parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }],
        requestBody: body,
        responses: {
          201: { description: 'Created.', headers: { Location: { schema: { type: 'string' }, example: `${base}/it-${i}` } }, content: json(one, example(i)) },
          ...errors(400, 401, 413, 415, 422),
        },
      },
    },
    [`${base}/{id}`]: {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z]{2}-[0-9]+$' }, example: `it-${i}` }],
      get: {
        operationId: `get${n}`,
        tags: [n],
        parameters: [{ name: 'fields', in: 'query', schema: { type: 'string' } }, { $ref: '#/components/parameters/RequestId' }],
        responses: { 200: { description: 'The resource.', content: json(one, example(i)) }, ...errors(401, 404) },
      },
      put: {
        operationId: `replace${n}`,
        tags: [n],
        requestBody: body,
        responses: { 200: { description: 'Replaced.', content: json(one, example(i)) }, ...errors(400, 401, 404, 415, 422) },
      },
      delete: {
        operationId: `delete${n}`,
        tags: [n],
        responses: { 204: { description: 'Deleted.' }, ...errors(401, 404) },
      },
    },
  }
}

export function generateSpec(operations = 500) {
  const resources = Math.ceil(operations / 5)
  const doc = {
    openapi: '3.1.0',
    info: { title: `Generated API (${resources * 5} operations)`, version: '1.0.0' },
    servers: [{ url: 'http://127.0.0.1:4010' }],
    security: [{ bearerAuth: [] }],
    paths: {
      '/health': {
        get: {
          operationId: 'getHealth',
          security: [],
          responses: {
            200: {
              description: 'Up.',
              content: { 'application/json': { schema: { type: 'object', properties: { status: { type: 'string' } } }, example: { status: 'ok' } } },
            },
          },
        },
      },
    },
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      parameters: {
        Limit: { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
        Offset: { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
        RequestId: { name: 'X-Request-Id', in: 'header', schema: { type: 'string', format: 'uuid' } },
        IdempotencyKey: { name: 'Idempotency-Key', in: 'header', schema: { type: 'string', minLength: 8, maxLength: 64 } },
      },
      schemas: {
        Money: {
          type: 'object',
          required: ['amount', 'currency'],
          additionalProperties: false,
          properties: { amount: { type: 'number', minimum: 0 }, currency: { type: 'string', enum: ['EUR', 'USD', 'GBP'] } },
        },
        Address: {
          type: 'object',
          required: ['street', 'city', 'country'],
          properties: {
            street: { type: 'string', maxLength: 200 },
            city: { type: 'string', maxLength: 100 },
            postcode: { type: 'string', pattern: '^[A-Z0-9 -]{3,10}$' },
            country: { type: 'string', pattern: '^[A-Z]{2}$' },
          },
        },
        Tag: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 30 } } },
        Problem: {
          type: 'object',
          properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' } },
        },
      },
      responses: Object.fromEntries(
        [400, 401, 404, 413, 415, 422].map((code) => [
          `E${code}`,
          {
            description: `Error ${code}.`,
            content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' }, example: { title: `Error ${code}`, status: code } } },
          },
        ]),
      ),
    },
  }
  for (let i = 1; i <= resources; i++) {
    Object.assign(doc.paths, resourcePaths(i))
    Object.assign(doc.components.schemas, resourceSchemas(i))
  }
  return doc
}

/** Writes the document as YAML; returns its path. */
export function writeGeneratedSpec(operations = 500, out = path.join(os.tmpdir(), 'doorman-bench', `spec-${operations}.yaml`)) {
  mkdirSync(path.dirname(out), { recursive: true })
  writeFileSync(out, stringify(generateSpec(operations), { aliasDuplicateObjects: false }))
  return out
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = writeGeneratedSpec(Number(process.argv[2] ?? 500), process.argv[3])
  console.log(out)
}
