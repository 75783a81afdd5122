// The shortcuts GitHub's description needed to start in under a second (docs/performance.md, "Start-up") must read
// every document exactly as the plain way did: JSON bytes with characters beyond ASCII, documents that share or
// circle objects (inline ones), and status codes as keys.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { codes } from '../../src/index.js'
import { parseJsonBytes } from '../../src/spec/json-bytes.js'
import { loadSpec } from '../../src/spec/load-spec.js'
import { compileRouteTable } from '../../src/spec/route-table.js'
import { startMock } from '../helpers.js'

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

t.test('JSON bytes beyond ASCII read as UTF-8 would be', async (t) => {
  const texts = [
    '{"a": "café – naïve ’quoted’ 日本語 😀"}',
    '\n\t {"x": ["é", {"é": "ü"}], "emoji": "👩‍👩‍👧"}',
    '{"plain": "ascii only", "n": 1.5e3, "t": true}',
    '{"escaped": "\\u00e9 and é side by side"}',
    '{"__proto__": {"polluted": "é"}}',
  ]
  for (const text of texts) {
    const bytes = Buffer.from(text, 'utf8')
    t.same(parseJsonBytes(bytes), JSON.parse(text), text)
  }
  // Bytes that are not UTF-8 become U+FFFD, as Buffer#toString('utf8') makes them.
  const broken = Buffer.concat([Buffer.from('{"bad": "'), Buffer.from([0xff, 0xc3]), Buffer.from('"}')])
  t.same(parseJsonBytes(broken), JSON.parse(broken.toString('utf8')))
  const proto = parseJsonBytes(Buffer.from('{"__proto__": {"x": 1}}')) as object
  t.ok(Object.hasOwn(proto, '__proto__'), '__proto__ stays an own key')
  t.equal(Object.getPrototypeOf(proto), Object.prototype)

  for (const notJson of ['openapi: 3.1.0\ninfo: {title: é}', '["a list"]', '\ufeff{"bom": 1}', '{"unclosed": "é"', ''])
    t.equal(parseJsonBytes(Buffer.from(notJson, 'utf8')), undefined, `left to the YAML reader: ${JSON.stringify(notJson)}`)
})

t.test('a JSON file with non-ASCII text and a syntax error reads as before', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'doorman-json-bytes-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const doc = {
    openapi: '3.0.3',
    info: { title: 'Café ☕ API', version: '1' },
    paths: {
      '/menu': {
        post: {
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { drink: { enum: ['café', 'thé'] } } } } } },
          responses: { '200': { description: 'ok' } },
        },
      },
    },
  }
  const file = path.join(dir, 'cafe.json')
  writeFileSync(file, JSON.stringify(doc, null, 2))
  const loaded = await loadSpec(file)
  t.equal((loaded.document.info as { title: string }).title, 'Café ☕ API')
  const mock = await startMock(t, { spec: file })
  t.equal((await fetch(`${mock.url}/menu`, json({ drink: 'thé' }))).status, 200, 'the non-ASCII enum value is accepted')
  const refused = await fetch(`${mock.url}/menu`, json({ drink: 'the' }))
  t.equal(refused.status, 422)
  t.equal((await refused.json()).code, codes.BODY_INVALID)

  // A JSON file with a mistake goes to the YAML reader, whose error carries line:column of the real text.
  const bad = path.join(dir, 'bad.json')
  writeFileSync(bad, '{\n  "openapi": "3.0.3",\n  "info": {"title": "é"},\n  "paths": {,}\n}')
  await t.rejects(loadSpec(bad), { message: /YAML syntax error/, location: /^4:/ })
})

t.test('an inline document that shares objects, or circles, serves', async (t) => {
  const shared = { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } }
  const circular: Record<string, unknown> = { note: 'an extension that refers to itself' }
  circular.self = circular
  const spec = {
    openapi: '3.0.3',
    info: { title: 'shared', version: '1' },
    'x-circular': circular,
    paths: {
      '/a': { post: { requestBody: { content: { 'application/json': { schema: shared } } }, responses: { '200': { description: 'ok' } } } },
      '/b': { post: { requestBody: { content: { 'application/json': { schema: shared } } }, responses: { '200': { description: 'ok' } } } },
    },
  }
  const mock = await startMock(t, { spec })
  for (const route of ['/a', '/b']) {
    t.equal((await fetch(`${mock.url}${route}`, json({ id: 1 }))).status, 200, `${route}: a valid body is accepted`)
    const refused = await fetch(`${mock.url}${route}`, json({ id: 'one' }))
    t.equal(refused.status, 422, `${route}: the shared schema is enforced`)
  }
})

t.test('responses keyed by status code keep their keys and order', async (t) => {
  const spec = await loadSpec({
    openapi: '3.0.3',
    info: { title: 'statuses', version: '1' },
    paths: {
      '/x': {
        get: {
          responses: {
            '404': { description: 'missing' },
            default: { description: 'other' },
            '200': { description: 'ok' },
            '2XX': { description: 'any success' },
            '429': { description: 'slow down' },
          },
        },
      },
    },
  })
  const [operation] = compileRouteTable(spec).operations
  t.same(Object.keys(operation.responses), ['200', '404', '429', 'default', '2XX'], 'as any object orders them: integer keys first, ascending')
  t.equal(operation.responses['429'].description, 'slow down')
  t.notOk('500' in operation.responses)
})

t.test('an inline document nested deeper than the stack allows serves (structuredClone overflowed)', async (t) => {
  let deep: Record<string, unknown> = {}
  const root = deep
  for (let i = 0; i < 20_000; i++) {
    const next: Record<string, unknown> = {}
    deep.x = next
    deep = next
  }
  const mock = await startMock(t, {
    spec: {
      openapi: '3.0.3',
      info: { title: 'deep', version: '1' },
      'x-deep': root,
      paths: { '/a': { get: { responses: { '200': { description: 'ok' } } } } },
    },
  })
  t.equal((await fetch(`${mock.url}/a`)).status, 200)
  t.equal((await fetch(`${mock.url}/b`)).status, 404)
})
