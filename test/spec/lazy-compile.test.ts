import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { generateSpec } from '../../bench/generate-spec.mjs'
import { buildRequests, type CurlRequest } from '../../src/curl/build-requests.js'
import { checkSpec } from '../../src/index.js'
import { loadMockState } from '../../src/mock-state.js'
import { buildMock, type ServerOptions } from '../../src/server.js'
import { compileAllRules, compileInIdleTime, OperationRuleMap } from '../../src/spec/lazy-rules.js'
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
    .map((op) => ({
      id: op.id,
      requests: op.requests.filter((r) => r.expectStatus > 0 && !r.bodyFromCommand && !r.maxTimeSeconds && !r.headers.some(([name]) => name === 'Prefer')),
    }))
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
  // Each class of imperfect description doorman reads (schema dialects, patterns, readOnly, parameter readings, routing …).
  ...readdirSync(fixture('specs', 'real-world-cases'))
    // Documents, not the parts other documents $ref.
    .filter(
      (name) => /\.(ya?ml|json)$/.test(name) && /^["']?(openapi|swagger)["']?\s*:/m.test(readFileSync(fixture('specs', 'real-world-cases', name), 'utf8')),
    )
    .map((name): [string, Sources] => [name, { spec: fixture('specs', 'real-world-cases', name) }]),
  ['generated, 25 operations', { spec: generateSpec(25) }],
]

t.test('the first request to an operation is checked exactly as when every validator was compiled at start', async (t) => {
  const statuses = new Set<number>()
  for (const [name, sources] of specs) {
    await t.test(name, async (t) => {
      const planned = await plannedRequests(sources)
      if (planned.length === 0) return void t.same(planned, [], 'no operation: nothing a validator checks')
      const eager = await startEager(t, sources)
      // One mock hears each operation's valid request first; the other hears its refusals first, the valid one last.
      const validFirst = await startLazy(t, sources)
      const refusalFirst = await startLazy(t, sources)
      for (const { id, requests } of planned) {
        for (const [mock, order] of [
          [validFirst, requests],
          [refusalFirst, [...requests].reverse()],
        ] as const) {
          for (const request of order) {
            const expected = await answer(eager, request)
            statuses.add(Math.floor(expected.status / 100))
            t.same(await answer(mock.url, request), expected, `${id}: ${request.title}`)
          }
        }
      }
    })
  }
  // Both ways, over all the documents: requests the mock accepts and requests it refuses.
  t.ok(statuses.has(2) && statuses.has(4), `2xx and 4xx answers among them (${[...statuses].map((c) => `${c}xx`).join(', ')})`)
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
  t.ok(
    refusals.some((r) => r.expectCode === 'BODY_INVALID') && refusals.some((r) => r.expectCode === 'PARAMETER_INVALID'),
    'body and parameter refusals among them',
  )
  for (const request of refusals) t.same(await answer(lazy.url, request), await answer(eager, request), request.title)
})

t.test('idle-time compilation waits for a quiet moment, and compiles everything in the end', async (t) => {
  const state = await loadMockState({ spec: generateSpec(100) })
  const rules = state.rules as OperationRuleMap
  const total = rules.validators.pending
  let last = performance.now()
  const stop = compileInIdleTime(
    rules,
    () => last,
    () => {},
  )
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

/**
 * A body schema nested far past what ajv can compile (its code generator runs out of stack), beside a sound one.
 * Written as text: JSON.stringify would run out of stack on it too.
 */
function uncompilableSpecText(): string {
  const levels = 2000
  const deep = '{"type":"object","properties":{"a":'.repeat(levels) + '{"type":"string"}' + '}}'.repeat(levels)
  const tag = JSON.stringify({
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string', minLength: 1 }, color: { type: ['string', 'null'], enum: ['red', 'green', null] } },
  })
  const operation = (schema: string) =>
    `{"post":{"requestBody":{"required":true,"content":{"application/json":{"schema":${schema}}}},"responses":{"201":{"description":"Created."}}}}`
  return `{"openapi":"3.1.0","info":{"title":"Uncompilable","version":"1"},"paths":{"/deep":${operation(deep)},"/tags":${operation(tag)}}}`
}

t.test('a schema ajv cannot compile: a note when first needed, and the body is accepted, never a 500', async (t) => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'doorman-lazy-')), 'uncompilable.json')
  writeFileSync(file, uncompilableSpecText())
  t.teardown(() => rmSync(path.dirname(file), { recursive: true, force: true }))
  const note =
    /\/paths\/~1deep\/post\/requestBody\/content\/application~1json\/schema: this schema cannot be compiled \(.*nests too deeply.*\): requests are not checked against it\.$/m

  t.test('library: accepted on first use, and the note is on mock.notes from then on', async (t) => {
    const mock = await startMock(t, { spec: file })
    t.notOk(
      mock.notes.some((n) => note.test(n)),
      'no note before the schema is needed',
    )
    const post = (route: string, body: unknown) =>
      fetch(mock.url + route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    t.equal((await post('/deep', { a: 42 })).status, 201, 'a body the broken schema cannot judge is accepted')
    t.equal((await post('/deep', {})).status, 201, 'again')
    t.match(mock.notes, [note])
    t.equal((await post('/tags', { name: '' })).status, 422, 'the sound schema beside it still refuses')
    t.equal((await post('/tags', { name: 'x', color: null })).status, 201, 'and accepts what it allows (nullable)')
  })

  t.test('serve prints the note to stderr when the schema is first needed', async (t) => {
    const cli = await startCli(t, [file])
    let stderr = ''
    const noted = new Promise<void>((resolve) =>
      cli.child.stderr!.on('data', (chunk) => {
        stderr += chunk
        if (/cannot be compiled/.test(stderr)) resolve()
      }),
    )
    const res = await fetch(`${cli.url}/deep`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a": 42}' })
    t.equal(res.status, 201)
    await noted
    t.match(stderr, /^doorman: note: .*\/paths\/~1deep\/post\/requestBody\/content\/application~1json\/schema: this schema cannot be compiled/m)
  })

  t.test('check compiles every validator, so it lists the note', async (t) => {
    t.match(await checkSpec({ spec: file }), note)
  })

  t.test('serve --strict compiles every validator before it decides, so it fails on the note', async (t) => {
    const served = await runCli(['serve', file, '--port', '0', '--strict'])
    t.equal(served.code, 1)
    t.equal(served.stdout, '', 'never ready')
    t.match(served.stderr, /^doorman: note: .*this schema cannot be compiled/m)
    t.match(served.stderr, /^doorman: --strict: 1 note about the description: 1 schema; not serving$/m)
  })
})
