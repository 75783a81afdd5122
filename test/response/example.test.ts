import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import fc from 'fast-check'
import t, { type Test } from 'tap'
import { chooseExample, generateValue } from '../../src/response/example.js'

const ajv2020 = new Ajv2020({ strict: false, allErrors: true })
addFormats.default(ajv2020)

/** Generates from `schema` inside `doc` and checks the value with ajv against the same schema. */
function generatesValid(t: Test, doc: Record<string, unknown>, schema: Record<string, unknown>, what: string) {
  const value = generateValue(doc, schema)
  const validate = ajv2020.compile({ ...schema, components: doc.components })
  t.ok(validate(value), `${what}: ${JSON.stringify(value)} ${ajv2020.errorsText(validate.errors)}`)
  return value
}

t.test('chooseExample: named examples first, then example, then generated', async (t) => {
  const doc = { components: { examples: { Big: { value: { size: 'big' } } } } }
  const media = {
    examples: { small: { value: { size: 'small' } }, big: { $ref: '#/components/examples/Big' } },
    example: { size: 'plain' },
    schema: { type: 'object', properties: { size: { type: 'string' } } },
  }
  t.same(chooseExample(doc, media, undefined), { found: true, value: { size: 'small' }, name: 'small' })
  t.same(chooseExample(doc, media, 'big'), { found: true, value: { size: 'big' }, name: 'big' }, 'a $ref’d example is followed')
  t.same(chooseExample(doc, media, 'huge'), { found: false, available: ['small', 'big'] })
  t.same(chooseExample(doc, { example: 0 }, undefined), { found: true, value: 0 }, 'a falsy example is still an example')
  t.same(chooseExample(doc, { schema: { type: 'string', example: 'hi' } }, undefined), { found: true, value: 'hi' })
  t.same(chooseExample(doc, {}, undefined), { found: true, value: undefined }, 'nothing documented: no body')
  t.same(chooseExample(doc, { example: 1 }, 'named'), { found: false, available: [] })
})

t.test('generateValue: what the schema states wins', async (t) => {
  const doc = {}
  t.equal(generateValue(doc, { type: 'string', example: 'ex' }), 'ex')
  t.equal(generateValue(doc, { type: 'string', examples: ['first', 'second'] }), 'first')
  t.equal(generateValue(doc, { const: 42 }), 42)
  t.equal(generateValue(doc, { type: 'string', default: 'dflt' }), 'dflt')
  t.equal(generateValue(doc, { type: 'string', enum: ['b', 'a'] }), 'b')
  t.equal(generateValue(doc, true), null)
  t.equal(generateValue(doc, { type: 'null' }), null)
  t.equal(generateValue(doc, { type: ['null', 'integer'] }), 0, 'the first non-null type')
  t.equal(generateValue(doc, { type: 'boolean' }), true)
})

t.test('generateValue: an example or default that contradicts its schema is not used', async (t) => {
  const doc = {}
  // Swagger's Petstore: `password: {type: string, example: 12345}` (YAML reads a number)
  t.equal(generateValue(doc, { type: 'string', example: 12345 }), 'string')
  t.equal(generateValue(doc, { type: 'integer', examples: ['ten', 10] }), 10, 'the first listed example that fits')
  t.equal(generateValue(doc, { type: 'integer', default: 1.5, minimum: 2 }), 2)
  t.equal(generateValue(doc, { type: 'string', enum: ['a', 'b'], example: 'c' }), 'a', 'outside the enum')
  t.equal(generateValue(doc, { type: 'string', nullable: true, example: null }), null, 'OAS 3.0 nullable admits null')
  t.equal(generateValue(doc, { type: ['string', 'null'], example: null }), null)
  t.same(generateValue(doc, { type: 'object', example: [1] }), {}, 'an array is no object')
  t.equal(generateValue(doc, { example: 12345 }), 12345, 'no type: anything fits')
  const dates = { components: { schemas: { Date: { type: 'string', format: 'date', example: '2023-10-29' } } } }
  t.equal(generateValue(dates, { $ref: '#/components/schemas/Date', example: '2024-12-31' }), '2024-12-31', 'an example beside a $ref wins')
  t.equal(generateValue(dates, { $ref: '#/components/schemas/Date', example: 20241231 }), '2023-10-29', 'unless it contradicts the target')
})

t.test('generateValue: strings', async (t) => {
  const doc = {}
  for (const format of ['date-time', 'date', 'time', 'email', 'hostname', 'ipv4', 'ipv6', 'uri', 'uri-reference', 'uuid', 'duration']) {
    generatesValid(t, doc, { type: 'string', format }, format)
  }
  t.equal(generateValue(doc, { type: 'string', format: 'byte' }), 'ZXhhbXBsZQ==')
  t.equal((generateValue(doc, { type: 'string', minLength: 20 }) as string).length, 20)
  t.equal((generateValue(doc, { type: 'string', maxLength: 3 }) as string).length, 3)
})

t.test('generateValue: numbers within every kind of bound', async (t) => {
  const doc = {}
  const cases: Array<[string, Record<string, unknown>]> = [
    ['no bounds', { type: 'integer' }],
    ['minimum', { type: 'integer', minimum: 18 }],
    ['negative maximum', { type: 'integer', maximum: -5 }],
    ['3.1 exclusiveMinimum', { type: 'integer', exclusiveMinimum: 0 }],
    ['3.1 exclusiveMaximum', { type: 'integer', exclusiveMaximum: 0 }],
    ['3.1 exclusiveMaximum, number', { type: 'number', exclusiveMaximum: -1.5 }],
    ['multipleOf', { type: 'integer', minimum: 1, multipleOf: 5 }],
    ['multipleOf, fraction', { type: 'number', minimum: 0.3, multipleOf: 0.25 }],
    ['narrow number range', { type: 'number', exclusiveMinimum: 1, exclusiveMaximum: 1.5 }],
    ['fractional minimum, integer', { type: 'integer', minimum: 2.5 }],
  ]
  for (const [what, schema] of cases) generatesValid(t, doc, schema, what)
  t.equal(generateValue(doc, { type: 'integer', minimum: 18 }), 18, 'the lowest allowed value')
  t.equal(generateValue(doc, { type: 'integer' }), 0)

  // OpenAPI 3.0: exclusiveMinimum/Maximum are booleans next to minimum/maximum (draft 4).
  const above = generateValue(doc, { type: 'number', minimum: 0, exclusiveMinimum: true }) as number
  t.ok(above > 0, `3.0 exclusiveMinimum: ${above} > 0`)
  const below = generateValue(doc, { type: 'integer', maximum: 0, exclusiveMaximum: true }) as number
  t.ok(below < 0 && Number.isInteger(below), `3.0 exclusiveMaximum: ${below} < 0`)
  t.equal(generateValue(doc, { type: 'integer', minimum: 3, exclusiveMinimum: false }), 3, 'false changes nothing')
})

t.test('generateValue: any satisfiable numeric bounds (property)', async (t) => {
  // Build bounds around a value known to fit, so that every case is satisfiable.
  const bounds = fc
    .record({
      n: fc.integer({ min: -1000, max: 1000 }),
      step: fc.constantFrom(1, 2, 3, 5, 10),
      below: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
      above: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
      lowOpen: fc.boolean(),
      highOpen: fc.boolean(),
      withStep: fc.boolean(),
    })
    .map(({ n, step, below, above, lowOpen, highOpen, withStep }) => {
      const value = n * step
      const schema: Record<string, unknown> = { type: 'integer' }
      if (withStep) schema.multipleOf = step
      if (below !== undefined) schema[lowOpen ? 'exclusiveMinimum' : 'minimum'] = value - below - (lowOpen ? 1 : 0)
      if (above !== undefined) schema[highOpen ? 'exclusiveMaximum' : 'maximum'] = value + above + (highOpen ? 1 : 0)
      return schema
    })
  let failures = 0
  fc.assert(
    fc.property(bounds, (schema) => {
      const ok = ajv2020.validate(schema, generateValue({}, schema))
      if (!ok) failures++
      return ok
    }),
    { numRuns: 300, seed: 4010 },
  )
  t.equal(failures, 0)
})

t.test('generateValue: objects and arrays', async (t) => {
  const doc = {
    components: {
      schemas: {
        Item: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } } },
        Node: {
          type: 'object',
          required: ['name'],
          properties: {
            name: { type: 'string' },
            parent: { $ref: '#/components/schemas/Node' },
            children: { type: 'array', items: { $ref: '#/components/schemas/Node' } },
          },
        },
        Base: { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } },
      },
    },
  }
  const order = generatesValid(
    t,
    doc,
    {
      type: 'object',
      properties: {
        items: { type: 'array', minItems: 2, maxItems: 3, items: { $ref: '#/components/schemas/Item' } },
        tags: { type: 'array', items: { type: 'string' } },
        none: { type: 'array', maxItems: 0 },
      },
    },
    'arrays within minItems/maxItems',
  ) as { items: unknown[]; tags: unknown[]; none: unknown[] }
  t.equal(order.items.length, 2)
  t.equal(order.tags.length, 1, 'one item when nothing says how many')
  t.same(order.none, [])

  const tree = generatesValid(t, doc, { $ref: '#/components/schemas/Node' }, 'a circular schema') as Record<string, unknown>
  t.same(tree, { name: 'string', children: [] }, 'recursion ends: optional parent left out, children empty')

  generatesValid(t, doc, { allOf: [{ $ref: '#/components/schemas/Base' }, { type: 'object', properties: { n: { type: 'integer' } } }] }, 'allOf merges')
  t.same(generateValue(doc, { oneOf: [{ type: 'integer', minimum: 3 }, { type: 'string' }] }), 3, 'oneOf: the first')
  t.same(generateValue(doc, { anyOf: [{ type: 'string' }, { type: 'integer' }] }), 'string', 'anyOf: the first')
  t.equal(generateValue(doc, { $ref: '#/components/schemas/Nope' }), null, 'an unresolvable $ref gives null, not a crash')

  t.same(
    generateValue(doc, {
      type: 'object',
      properties: { user: { type: 'string' }, password: { type: 'string', writeOnly: true } },
    }),
    { user: 'string' },
    'writeOnly properties are never generated',
  )
  t.same(generateValue(doc, { type: 'object', properties: { id: { type: 'integer', readOnly: true } } }), { id: 0 }, 'readOnly ones are')
  t.same(generateValue(doc, { properties: { a: { type: 'boolean' } } }), { a: true }, 'properties imply an object')
  t.same(generateValue(doc, { items: { type: 'boolean' } }), [true], 'items imply an array')
})

t.test('generateValue is deterministic', async (t) => {
  const schema = { type: 'object', properties: { a: { type: 'string', format: 'date-time' }, b: { type: 'array', items: { type: 'number' } } } }
  t.same(generateValue({}, schema), generateValue({}, schema))
  t.equal(JSON.stringify(generateValue({}, schema)), JSON.stringify(generateValue({}, schema)))
})
