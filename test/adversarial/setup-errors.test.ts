/**
 * Broken configs and specs: each stops start-up with exit code 2 and a
 * message naming the file, the JSON pointer and what is wrong — or, where
 * doorman can still do its job, works with a documented fallback and a
 * start-up note. Never a crash at the first request.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { checkSpec, codes, CONFIG_SCHEMA, FAULT_KINDS, FAULT_PLAN_SCHEMA, SetupError, startServer, type DoormanConfig } from '../../src/index.js'
import { resolveConfig } from '../../src/config.js'
import { DEFAULT_SPEC, fixture, runCli, runCliAll, startMock } from '../helpers.js'

t.setTimeout(120_000)

type Schema = Record<string, unknown>

async function setupError(options: { spec?: string | object; config?: unknown }): Promise<SetupError> {
  try {
    await checkSpec({ spec: options.spec ?? DEFAULT_SPEC, config: options.config as DoormanConfig })
  } catch (error) {
    if (error instanceof SetupError) return error
    throw error
  }
  throw new Error(`accepted: ${JSON.stringify(options.config)}`)
}

/** A value no schema of this shape accepts; undefined for a schema that takes any value (a fault's `body`). */
function wrongValue(schema: Schema): unknown {
  if (Object.keys(schema).length === 0) return undefined
  if (Array.isArray(schema.enum) || schema.const !== undefined) return 'not-one-of-them'
  const branches = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined
  if (branches) {
    // Sizes and delays (a number or a string), cors (a boolean or an object): a value of a type no branch takes.
    const taken = new Set(branches.flatMap((branch) => ([] as unknown[]).concat(branch.type ?? 'object')))
    if (taken.has('integer')) taken.add('number')
    return [true, 42, 'lots'].find((value) => !taken.has(typeof value)) ?? null
  }
  const types = ([] as unknown[]).concat(schema.type ?? 'object')
  if (!types.includes('number') && !types.includes('integer')) return 42
  if (!types.includes('string')) return 'lots'
  return true
}

/** Where a key you choose (`operations.<id>`, `auth.basic.<user>`) is needed: a name the default spec accepts. */
const CHOSEN_NAMES: Record<string, string> = { operations: 'createOrder', apiKeys: 'apiKeyAuth', basic: 'alice', headers: 'X-Limit' }

interface Case {
  pointer: string
  config: unknown
}

/**
 * Every key of the config schema, each given a value of the wrong type, and
 * an unknown key added to every object: `{ limits: { jsonDepth: 'lots' } }`,
 * `{ limits: { zzUnknown: 1 } }`, …, fault plan fields in a plan of each kind.
 */
function configCases(schema: Schema, pointer = '', build: (value: unknown) => unknown = (v) => v): { wrongType: Case[]; unknownKey: Case[] } {
  const wrongType: Case[] = []
  const unknownKey: Case[] = []
  const walk = (node: Schema, at: string, wrap: (value: unknown) => unknown) => {
    const properties = node.properties as Record<string, Schema> | undefined
    if (properties) {
      if (node.additionalProperties === false) unknownKey.push({ pointer: at, config: wrap({ zzUnknown: 1 }) })
      for (const [name, sub] of Object.entries(properties)) {
        const inner = (value: unknown) => wrap({ [name]: value })
        wrongType.push({ pointer: `${at}/${name}`, config: inner(wrongValue(sub)) })
        walk(sub, `${at}/${name}`, inner)
      }
    }
    const extra = node.additionalProperties
    if (extra && typeof extra === 'object') {
      const name = CHOSEN_NAMES[at.split('/').pop()!] ?? 'chosen'
      const inner = (value: unknown) => wrap({ [name]: value })
      wrongType.push({ pointer: `${at}/${name}`, config: inner(wrongValue(extra as Schema)) })
      walk(extra as Schema, `${at}/${name}`, inner)
    }
  }
  walk(schema, pointer, build)
  return { wrongType, unknownKey }
}

t.test('config: every key with a wrong type, and an unknown key at every level → SetupError naming the key path', async (t) => {
  const { faults: _faults, ...rest } = CONFIG_SCHEMA.properties
  const { wrongType, unknownKey } = configCases({ type: 'object', additionalProperties: false, properties: rest })
  // Fault plans: the fields of a plan of each kind, in the list form.
  const SAMPLE: Record<string, unknown> = { ms: 10, status: 503 }
  for (const branch of (FAULT_PLAN_SCHEMA as unknown as { oneOf: Schema[] }).oneOf) {
    const kind = (branch.properties as Record<string, { const: string }>).kind.const
    const base = Object.fromEntries((branch.required as string[]).filter((k) => k !== 'kind').map((k) => [k, SAMPLE[k]]))
    const plan = (extra: Record<string, unknown>) => ({ faults: [{ kind, ...base, ...extra }] })
    unknownKey.push({ pointer: '/faults/0', config: plan({ zzUnknown: 1 }) })
    for (const [field, sub] of Object.entries(branch.properties as Record<string, Schema>)) {
      if (field !== 'kind' && wrongValue(sub) !== undefined) wrongType.push({ pointer: `/faults/0/${field}`, config: plan({ [field]: wrongValue(sub) }) })
    }
  }
  wrongType.push({ pointer: '/faults/0/kind', config: { faults: [{ kind: 'explode' }] } })
  wrongType.push({ pointer: '/faults/preferHeader', config: { faults: { preferHeader: 'no' } } })
  wrongType.push({ pointer: '/', config: ['not', 'an', 'object'] })
  t.ok(wrongType.length > 60, `${wrongType.length} wrong types, ${unknownKey.length} unknown keys`)
  t.same(
    new Set(FAULT_KINDS),
    new Set(unknownKey.filter((c) => c.pointer === '/faults/0').map((c) => (c.config as { faults: Array<{ kind: string }> }).faults[0].kind)),
    'a plan of every kind',
  )

  for (const c of wrongType) {
    const error = await setupError({ config: c.config })
    t.match(error.message, c.pointer === '/' ? /^<config>: \/: / : `${c.pointer}:`, `${JSON.stringify(c.config)} → ${error.message}`)
  }
  for (const c of unknownKey) {
    const error = await setupError({ config: c.config })
    t.match(error.message, `${c.pointer}/zzUnknown`, `unknown key under ${c.pointer || '/'} → ${error.message}`)
  }
})

t.test('config values the schema cannot judge alone', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ server: { headersTimeoutMs: 5000, requestTimeoutMs: 1000 } }, /\/server\/headersTimeoutMs: 5000 must not exceed server\.requestTimeoutMs \(1000\)/],
    [{ limits: { jsonDepth: 0 } }, /\/limits\/jsonDepth: must be >= 1/],
    [{ limits: { jsonDepth: 1_000_000 } }, /\/limits\/jsonDepth: must be <= 5000/],
    [{ admin: { token: '' } }, /\/admin\/token: must NOT have fewer than 1 characters/],
    [{ operations: { createOrdr: { bodySize: '1kb' } } }, /\/operations\/createOrdr: no operation has the id 'createOrdr' \(did you mean 'createOrder'\?\)/],
  ]
  for (const [config, message] of cases) t.match((await setupError({ config })).message, message, JSON.stringify(config))
  // One timeout given: the other default follows it rather than contradict it.
  t.match(
    resolveConfig({ server: { requestTimeoutMs: 3000 } }).server,
    { headersTimeoutMs: 3000, requestTimeoutMs: 3000 },
    'a short requestTimeoutMs takes the headers timeout down with it',
  )
  t.match(
    resolveConfig({ server: { headersTimeoutMs: 200_000 } }).server,
    { headersTimeoutMs: 200_000, requestTimeoutMs: 200_000 },
    'a long headersTimeoutMs takes the request timeout up with it',
  )
  t.same(resolveConfig({}).server, { headersTimeoutMs: 10_000, requestTimeoutMs: 120_000, keepAliveTimeoutMs: 5000 }, 'the defaults')
  const mock = await startMock(t, { config: { server: { requestTimeoutMs: 3000 } } })
  t.equal((await fetch(`${mock.url}/health`)).status, 200, 'and the server starts with it')
})

t.test('specs: only what is not OpenAPI is a SetupError, named like any file', async (t) => {
  // A schema that is not one, a pattern that is not ECMAScript and a $ref that does not resolve are notes now
  // (test/spec/schema-tolerance.test.ts, test/spec/tolerant-loading.test.ts); what is not OpenAPI still stops.
  t.match(
    (await setupError({ spec: { info: { title: 't', version: '1' }, paths: {} } })).message,
    /^<inline spec>: \/openapi: not an OpenAPI document/,
    'an inline spec is named the same way in every message',
  )
})

function assertExit2(t: Test, result: { code: number | null; stdout: string; stderr: string }, message: RegExp, what: string) {
  t.equal(result.code, 2, `${what}: exit code 2`)
  t.match(result.stderr, message, `${what}: ${result.stderr.trim()}`)
  t.equal(result.stderr.trimEnd().split('\n').length, 1, `${what}: one line`)
  t.notMatch(result.stderr, /^\s+at /m, `${what}: no stack trace`)
}

t.test('through the CLI, on temp files: exit 2 and one pointed line', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'doorman-setup-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const configs: Record<string, string> = {
    'wrong-type.yaml': 'limits:\n  jsonDepth: deep\n',
    'timeouts.yaml': 'server:\n  headersTimeoutMs: 5000\n  requestTimeoutMs: 1000\n',
    'admin-token.json': '{ "admin": { "token": 12345 } }\n',
    'deep-typo.yaml': 'auth:\n  bearer:\n    jwt:\n      secrett: s3cret\n',
    'fault-typo.yaml': 'faults:\n  - { kind: status, status: 503, retryAftr: 1 }\n',
  }
  for (const [name, text] of Object.entries(configs)) await writeFile(path.join(dir, name), text)
  const file = (name: string) => path.join(dir, name)
  const shown = (name: string) => path.relative(process.cwd(), file(name)).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const results = await runCliAll([
    ['check', DEFAULT_SPEC, '--config', file('wrong-type.yaml')],
    ['check', DEFAULT_SPEC, '--config', file('timeouts.yaml')],
    ['check', DEFAULT_SPEC, '--config', file('admin-token.json')],
    ['check', DEFAULT_SPEC, '--config', file('deep-typo.yaml')],
    ['serve', DEFAULT_SPEC, '--port', '0', '--config', file('fault-typo.yaml')],
  ])
  assertExit2(t, results[0], new RegExp(`^doorman: ${shown('wrong-type.yaml')}: /limits/jsonDepth: must be integer\\n$`), 'a wrong type')
  assertExit2(t, results[1], /\/server\/headersTimeoutMs: 5000 must not exceed server\.requestTimeoutMs \(1000\)/, 'timeouts in the wrong order')
  assertExit2(t, results[2], /admin-token\.json: \/admin\/token: must be string/, 'a JSON config')
  assertExit2(t, results[3], /\/auth\/bearer\/jwt\/secrett: unknown key 'secrett' \(allowed here: secret, /, 'an unknown key three levels down')
  assertExit2(t, results[4], /\/faults\/0.*retryAftr/, 'a typo in a fault plan')
})

t.test('fallback: an unresolvable or remote $ref: that schema accepts anything, with a note', async (t) => {
  for (const [name, message] of [
    [
      'missing-ref.yaml',
      /missing-ref\.yaml: \/paths\/~1items\/post\/requestBody\/content\/application~1json\/schema: cannot resolve \$ref '#\/components\/schemas\/Itme': there is no 'Itme'; that schema accepts any value\.$/,
    ],
    [
      'remote-ref.yaml',
      /remote-ref\.yaml: .*\/schema: cannot resolve \$ref 'https:\/\/schemas\.example\.com\/item\.json': doorman does not fetch \$refs over the network/,
    ],
  ] as const) {
    const mock = await startMock(t, { spec: fixture('adversarial', name) })
    t.match(mock.notes.join('\n'), message, name)
    const res = await fetch(`${mock.url}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"any": ["thing"]}' })
    t.equal(res.status, 201, `${name}: any body is accepted`)
  }
})

t.test('fallback: a format doorman does not know is not checked, and start-up says so', async (t) => {
  const report = await runCli(['check', fixture('adversarial', 'unknown-format.yaml')])
  t.equal(report.code, 0, 'doorman check accepts the spec')
  t.match(
    report.stdout,
    /^note: .*unknown-format\.yaml: \/paths\/~1payments\/post\/requestBody\/content\/application~1json\/schema\/properties\/amount \(and 1 more place\): format 'decimal' is not one doorman knows, so requests are not checked against it/m,
  )
  t.match(report.stdout, /^note: .*properties\/account: format 'iban' is not one doorman knows/m)
  t.notMatch(report.stdout, /date-time/, 'known formats are not mentioned')

  const mock = await startMock(t, { spec: fixture('adversarial', 'unknown-format.yaml') })
  t.equal(mock.notes.filter((note) => /format '(decimal|iban)'/.test(note)).length, 2, 'mock.notes has them (doorman serve prints them to stderr)')
  const post = (body: unknown) => fetch(`${mock.url}/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  t.equal((await post({ amount: 'twelve', account: '!' })).status, 204, 'any string passes an unknown format')
  const bad = await post({ amount: '1', account: 'x', when: 'yesterday' })
  t.equal(bad.status, 422, 'known formats are still checked')
  t.equal((await bad.json()).errors[0].keyword, 'format')
})

t.test('fallback: a $schema or jsonSchemaDialect doorman does not know: validated as 2020-12, with a note', async (t) => {
  const mock = await startMock(t, { spec: fixture('adversarial', 'unknown-dialect.yaml') })
  t.match(
    mock.notes.join('\n'),
    /\/jsonSchemaDialect: doorman does not know the dialect https:\/\/example\.com\/schemas\/our-dialect; schemas are validated as JSON Schema 2020-12/,
  )
  t.match(mock.notes.join('\n'), /\/components\/schemas\/Note\/\$schema: doorman does not know the \$schema https:\/\/example\.com\/schemas\/our-dialect/)
  const post = (body: unknown) => fetch(`${mock.url}/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  t.equal((await post({ text: 'short' })).status, 204)
  const long = await post({ text: 'far too long for it' })
  t.equal(long.status, 422, 'and the schema is enforced, not ignored')
  t.equal((await long.json()).code, codes.BODY_INVALID)
  // The dialects doorman does know make no noise.
  const known = await startServer({
    port: 0,
    spec: {
      openapi: '3.1.0',
      jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
      info: { title: 't', version: '1' },
      paths: {},
      components: { schemas: { A: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'string' } } },
    },
  })
  t.teardown(() => known.close())
  t.same(known.notes, [], 'no note for the OAS 3.1 dialect and 2020-12')
})

t.test('circular schemas work: a recursive tree validates requests and generates responses', async (t) => {
  const mock = await startMock(t, { spec: fixture('adversarial', 'tree.yaml') })
  t.same(mock.notes, [])
  const plant = (body: string) => fetch(`${mock.url}/trees`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  let tree = '{"name":"leaf"}'
  for (let i = 0; i < 400; i++) tree = `{"name":"n${i}","children":[${tree}],"parent":{"name":"p"}}`
  const planted = await plant(tree)
  t.equal(planted.status, 201, 'a valid tree 800 levels deep passes')
  t.match(await planted.json(), { name: String }, 'and the answer is generated from the recursive schema')

  const broken = await plant('{"name":"root","children":[{"name":"a","children":[{"name":""}]}],"parent":{"name":"p","typo":1}}')
  t.equal(broken.status, 422)
  const problem = await broken.json()
  t.same(
    problem.errors.map((e: { pointer: string; keyword: string }) => [e.pointer, e.keyword]).sort(),
    [
      ['/children/0/children/0/name', 'minLength'],
      ['/parent/typo', 'additionalProperties'],
    ],
    'errors deep in the recursion name their pointers',
  )

  const forest = await fetch(`${mock.url}/trees`)
  t.equal(forest.status, 200)
  const body = await forest.json()
  t.match(body, { trees: [{ root: { name: String } }] }, 'mutually recursive schemas generate a finite value')
  t.equal(body.trees[0].forest, undefined, 'the optional cycle back to Forest is left out')

  let deep = '{"name":"leaf"}'
  for (let i = 0; i < 600; i++) deep = `{"name":"n","children":[${deep}]}`
  const tooDeep = await plant(deep)
  t.equal(tooDeep.status, 400, '1200 levels of nesting (over the 1000 default) is refused before validation')
  t.equal((await tooDeep.json()).code, codes.BODY_TOO_DEEP)
})

t.test('a recursive schema deeper than the stack allows: 400, never a 500', async (t) => {
  const mock = await startMock(t, { spec: fixture('adversarial', 'tree.yaml'), config: { limits: { jsonDepth: 5000, bodySize: '1mb' } } })
  const tree = (levels: number, leaf = '{"name":"leaf"}') => {
    let text = leaf
    for (let i = 0; i < levels; i++) text = `{"name":"n","children":[${text}]}`
    return text
  }
  const plant = (body: string) => fetch(`${mock.url}/trees`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  t.equal((await plant(tree(1000))).status, 201, 'a 2001-level tree validates (limits.jsonDepth 5000)')
  const bad = await plant(tree(1000, '{"name":""}'))
  t.equal(bad.status, 422, 'and an error at its bottom is found')
  const problem = await bad.json()
  t.ok(problem.detail.length < 400, `the detail stays one readable sentence (${problem.detail.length} characters)`)
  t.match(problem.errors[0].pointer, /^(\/children\/0){1000}\/name$/, 'the error keeps its whole pointer')
  // 4999 levels pass limits.jsonDepth; the validator recurses once per tree level and runs out of stack first.
  const deep = await plant(tree(2499))
  t.equal(deep.status, 400, 'a 4999-level tree: refused')
  const refusal = await deep.json()
  t.equal(refusal.code, codes.BODY_TOO_DEEP)
  t.match(refusal.detail, /too deep for its recursive schema to be checked/)
  t.equal((await plant(tree(3))).status, 201, 'and the server goes on validating')
})

t.test('a response schema whose minimums no answer can hold: generated cut short, with a note, never out of memory', async (t) => {
  const spec = (schema: object) => ({
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: { '/x': { get: { responses: { 200: { description: 'ok', content: { 'application/json': { schema } } } } } } },
  })
  for (const [what, schema, noted] of [
    ['minItems 1e9', { type: 'array', minItems: 1e9, items: { type: 'string' } }, true],
    ['minLength 1e9', { type: 'string', minLength: 1e9 }, true],
    ['3000 arrays of 3000', { type: 'array', minItems: 3000, items: { type: 'array', minItems: 3000, items: { type: 'integer' } } }, false],
  ] as const) {
    const mock = await startServer({ spec: spec(schema), port: 0 })
    t.teardown(() => mock.close())
    t.equal(
      mock.notes.some((note) => /is more than doorman generates in one answer/.test(note)),
      noted,
      `${what}: ${noted ? 'noted' : 'no single minimum to note'}`,
    )
    const res = await fetch(`${mock.url}/x`)
    const text = await res.text()
    t.equal(res.status, 200, `${what}: answered`)
    t.ok(text.length < 2_000_000, `${what}: within the generation budget (${text.length} bytes)`)
  }
})
