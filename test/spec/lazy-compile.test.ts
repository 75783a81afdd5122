import http from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { generateSpec } from '../../bench/generate-spec.mjs'
import { buildRequests, type CurlRequest } from '../../src/curl/build-requests.js'
import { checkSpec } from '../../src/index.js'
import { loadMockState } from '../../src/mock-state.js'
import { buildMock, type ServerOptions } from '../../src/server.js'
import { compileAllRules, compileInIdleTime, OperationRuleMap } from '../../src/spec/lazy-rules.js'
import { documentSchemaPointers, RequestDocument } from '../../src/spec/request-document.js'
import { DEFAULT_SPEC, fixture, runCli, startCli, startMock } from '../helpers.js'

type Teardown = { teardown(fn: () => unknown): void }
type Sources = Pick<ServerOptions, 'spec' | 'config'>

/** A mock whose validators are all compiled before it listens (as every start did before they compiled on first use). */
async function startEager(t: Teardown, sources: Sources): Promise<string> {
  const built = await buildMock(sources)
  compileAllRules(built.state.rules, () => {})
  await built.app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => built.close())
  return `http://127.0.0.1:${(built.app.server.address() as AddressInfo).port}`
}

/** A fresh mock: no validator compiled yet. */
async function startLazy(t: Teardown, sources: Sources) {
  const built = await buildMock(sources)
  const rules = built.state.rules
  if (!(rules instanceof OperationRuleMap)) throw new Error('the rules do not compile on first use')
  await built.app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => built.close())
  return { url: `http://127.0.0.1:${(built.app.server.address() as AddressInfo).port}`, validators: rules.validators }
}

const BASE = 'http://doorman.invalid'

/** The requests `doorman curl` would show (a valid one first, then one per refusal), except faults and generated bodies. */
async function plannedRequests(sources: Sources, operations?: (ids: string[]) => string[]) {
  const state = await loadMockState(sources)
  const ids = state.table.operations.map((op) => op.id)
  const wanted = new Set(operations ? operations(ids) : ids)
  const plan = buildRequests(state, { baseUrl: BASE })
  return plan.operations
    .filter((op) => wanted.has(op.id))
    .map((op) => ({ id: op.id, requests: op.requests.filter((r) => r.expectStatus > 0 && !r.bodyFromCommand && !r.maxTimeSeconds && !r.headers.some(([name]) => name === 'Prefer')) }))
}

/** What a client sees (sent as curl would: a GET may carry a body), minus what differs between two servers (the port, the request id). */
async function answer(url: string, request: CurlRequest): Promise<{ status: number; body: unknown }> {
  const headers = request.headers.filter(([, value]) => value !== '')
  if (request.body !== undefined) headers.push(['Content-Length', String(Buffer.byteLength(request.body))])
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.request(url + request.url.slice(BASE.length), { method: request.method, headers: Object.fromEntries(headers), agent: false }, resolve)
    req.on('error', reject)
    req.end(request.body)
  })
  let text = ''
  for await (const chunk of res) text += chunk
  text = text.replaceAll(url, '<mock>')
  let body: unknown = text
  const parsed = /json/.test(res.headers['content-type'] ?? '') && text !== '' ? (JSON.parse(text) as unknown) : undefined
  if (parsed !== null && typeof parsed === 'object' && 'requestId' in parsed) {
    const { requestId: _, ...rest } = parsed
    body = rest
  }
  return { status: res.statusCode!, body }
}

const specs: Array<[string, Sources]> = [
  ['openapi.yaml', { spec: DEFAULT_SPEC }],
  ['rules.yaml', { spec: fixture('specs', 'rules.yaml') }],
  ['rules.yaml, rejectUnknownProperties', { spec: fixture('specs', 'rules.yaml'), config: { validation: { rejectUnknownProperties: true } } }],
  ['petstore-3.0.yaml', { spec: fixture('specs', 'petstore-3.0.yaml') }],
  ...['petstore-expanded.yaml', 'uspto.yaml', 'scalar-galaxy-3.1.yaml', 'redocly-museum-3.1.yaml', 'swagger-petstore-3.0.yaml'].map(
    (name): [string, Sources] => [name, { spec: fixture('specs', 'real-world', name) }],
  ),
  ['generated, 25 operations', { spec: generateSpec(25) }],
]

t.test('the first request to an operation is checked exactly as when every validator was compiled at start', async (t) => {
  for (const [name, sources] of specs) {
    t.test(name, async (t) => {
      const planned = await plannedRequests(sources)
      const eager = await startEager(t, sources)
      // One mock hears each operation's valid request first; the other hears its refusals first, the valid one last.
      const validFirst = await startLazy(t, sources)
      const refusalFirst = await startLazy(t, sources)
      let checked = 0
      for (const { id, requests } of planned) {
        for (const [mock, order] of [
          [validFirst, requests],
          [refusalFirst, [...requests].reverse()],
        ] as const) {
          for (const request of order) {
            const expected = await answer(eager, request)
            t.equal(expected.status, request.expectStatus, `${id}: ${request.title} (compiled at start)`)
            t.same(await answer(mock.url, request), expected, `${id}: ${request.title}`)
            checked++
          }
        }
      }
      t.ok(checked > 0, `${checked} requests compared`)
    })
  }
})

t.test('a request that arrives while idle-time compilation is under way is checked exactly', async (t) => {
  const sources = { spec: generateSpec(500) }
  // The last operations: idle time compiles in the table's order, so theirs are compiled last.
  const planned = await plannedRequests(sources, (ids) => ids.slice(-3))
  const eager = await startEager(t, sources)
  const lazy = await startLazy(t, sources)
  const total = lazy.validators.pending
  // Idle time begins once no request has come for a while after listening: wait for its first slice (not for a set time).
  while (lazy.validators.pending === total) await new Promise((resolve) => setImmediate(resolve))
  t.ok(lazy.validators.pending > 0, `compilation under way: ${total - lazy.validators.pending} of ${total} validators compiled`)
  const refusals = planned.flatMap(({ requests }) => [...requests].reverse())
  t.ok(refusals.some((r) => r.expectCode === 'BODY_INVALID') && refusals.some((r) => r.expectCode === 'PARAMETER_INVALID'), 'body and parameter refusals among them')
  for (const request of refusals) t.same(await answer(lazy.url, request), await answer(eager, request), request.title)
})

t.test('idle-time compilation waits for a quiet moment, and compiles everything in the end', async (t) => {
  const state = await loadMockState({ spec: generateSpec(100) })
  const rules = state.rules as OperationRuleMap
  const total = rules.validators.pending
  let last = performance.now()
  const stop = compileInIdleTime(rules, () => last, () => {})
  t.teardown(stop)
  // While requests keep coming, nothing is compiled in idle time.
  for (let i = 0; i < 20; i++) {
    last = performance.now()
    await new Promise((resolve) => setImmediate(resolve))
  }
  t.equal(rules.validators.pending, total, 'nothing compiled while busy')
  last = -Infinity
  while (rules.validators.pending > 0) await new Promise((resolve) => setImmediate(resolve))
  t.equal(rules.validators.pending, 0, 'all compiled once quiet')
})

t.test('a schema ajv cannot compile: a note, and the body is accepted, never a 500', async (t) => {
  const spec = fixture('specs', 'uncompilable-schema.yaml')
  const note = /uncompilable-schema\.yaml: \/paths\/~1notes\/post\/requestBody\/content\/application~1json\/schema: the application\/json body schema cannot be compiled \(maxLength value must be \["number"\]\), so requests are not checked against it: any value passes\.$/m

  t.test('library: accepted on first use, and the note is on mock.notes from then on', async (t) => {
    const mock = await startMock(t, { spec })
    t.notOk(mock.notes.some((n) => note.test(n)), 'no note before the schema is needed')
    const post = (path: string, body: unknown) => fetch(mock.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    t.equal((await post('/notes', { text: 42 })).status, 201, 'a body the broken schema cannot judge is accepted')
    t.equal((await post('/notes', {})).status, 201, 'again')
    t.match(mock.notes, [note])
    t.equal((await post('/tags', { name: '' })).status, 422, 'the sound schema beside it still refuses')
    t.equal((await post('/tags', { name: 'x', color: null })).status, 201, 'and accepts what it allows (nullable)')
  })

  t.test('serve prints the note to stderr when the schema is first needed', async (t) => {
    const cli = await startCli(t, [spec])
    let stderr = ''
    cli.child.stderr!.on('data', (chunk) => (stderr += chunk))
    const noted = new Promise<void>((resolve) => cli.child.stderr!.on('data', () => /cannot be compiled/.test(stderr) && resolve()))
    const res = await fetch(`${cli.url}/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text": 42}' })
    t.equal(res.status, 201)
    await noted
    t.match(stderr, /^doorman: note: .*cannot be compiled.*any value passes\.$/m)
  })

  t.test('check compiles every validator, so it lists the note', async (t) => {
    t.match(await checkSpec({ spec }), note)
  })

  t.test('serve --strict compiles every validator before it decides, so it fails on the note', async (t) => {
    const served = await runCli(['serve', spec, '--port', '0', '--strict'])
    t.equal(served.code, 1)
    t.equal(served.stdout, '', 'never ready')
    t.match(served.stderr, /^doorman: note: .*cannot be compiled/m)
    t.match(served.stderr, /^doorman: --strict: 1 note about the description: 1 schema; not serving$/m)
  })
})

t.test('RequestDocument: a schema prepared on demand is the one a whole-document preparation gives, and the document is untouched', async (t) => {
  const doc = {
    paths: {
      '/a': {
        post: {
          parameters: [{ name: 'q', in: 'query', schema: { $ref: '#/components/schemas/Shared' } }],
          requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Node' } } } },
        },
      },
    },
    components: {
      schemas: {
        Node: { type: 'object', properties: { next: { $ref: '#/components/schemas/Node' }, shared: { $ref: '#/components/schemas/Shared' } }, dependencies: { next: { $ref: '#/components/schemas/Extra' } } },
        Shared: { type: 'string', nullable: true },
        Extra: { type: 'object', allOf: [{ $ref: '#/components/schemas/Shared' }] },
        Unused: { type: 'object' },
      },
    },
  }
  const before = structuredClone(doc)
  const adjust = (copy: Record<string, unknown>) => {
    copy['x-adjusted'] = true
  }
  const lazy = new RequestDocument(doc, adjust)
  lazy.ensure('/paths/~1a/post/requestBody/content/application~1json/schema')
  t.same(Object.keys((lazy.root.components as { schemas: object }).schemas).sort(), ['Extra', 'Node', 'Shared'], 'what the body reaches, through $refs and dependencies; not Unused')
  t.notOk(lazy.needsWhole)
  const whole = new RequestDocument(doc, adjust)
  whole.prepareWhole()
  for (const pointer of ['/components/schemas/Node', '/components/schemas/Shared', '/components/schemas/Extra']) {
    t.same(lazy.get(pointer), whole.get(pointer), pointer)
    t.equal((lazy.get(pointer) as Record<string, unknown>)['x-adjusted'], true, `${pointer} adjusted`)
  }
  const node = lazy.get('/components/schemas/Node') as { properties: { next: unknown } }
  t.equal(node.properties.next, node.properties.next, 'a recursive schema is one copy')
  t.same(doc, before, 'the original is not changed')
  t.same(documentSchemaPointers(doc).sort(), [
    '/components/schemas/Extra',
    '/components/schemas/Node',
    '/components/schemas/Shared',
    '/components/schemas/Unused',
    '/paths/~1a/post/parameters/0/schema',
    '/paths/~1a/post/requestBody/content/application~1json/schema',
  ])

  t.test('a schema with an $id (which ajv finds by walking the document) asks for the whole document', async (t) => {
    const named = new RequestDocument({ components: { schemas: { Pet: { $id: 'https://example.com/pet', type: 'object' } } } }, adjust)
    named.ensure('/components/schemas/Pet')
    t.ok(named.needsWhole)
    const anchored = new RequestDocument({ components: { schemas: { A: { $ref: '#pet' } } } }, adjust)
    anchored.ensure('/components/schemas/A')
    t.ok(anchored.needsWhole, 'so does a $ref that is not a JSON pointer')
  })
})
