// The shortcuts GitHub's description needed to start in under a second (docs/performance.md, "Start-up") must read
// every document exactly as the plain way did: JSON bytes with characters beyond ASCII, documents that share or
// circle objects (inline ones), and status codes as keys.
import { isAscii } from 'node:buffer'
import { mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import t from 'tap'
import { codes } from '../../src/index.js'
import { escapeNonAscii, parseJsonBytes } from '../../src/spec/json-bytes.js'
import { readAhead, takeReadAhead } from '../../src/spec/read-ahead.js'
import { loadSpec } from '../../src/spec/load-spec.js'
import { compileRouteTable } from '../../src/spec/route-table.js'
import { runCli, startCli, startMock } from '../helpers.js'

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

t.test('non-ASCII escaped in place where the buffer has room after the text, else into a new buffer', async (t) => {
  const text = '{"a": "café – 日本語 😀", "b": "ÿ"}'
  const bytes = Buffer.from(text, 'utf8')
  const exact = Buffer.from(bytes)
  const moved = escapeNonAscii(exact, exact.length)
  t.not(moved.buffer, exact.buffer, 'no room: a new buffer')
  t.same(exact, bytes, 'and the bytes given are as they were')
  const room = Buffer.alloc(bytes.length + 200)
  bytes.copy(room)
  const inPlace = escapeNonAscii(room, bytes.length)
  t.equal(inPlace.buffer, room.buffer, 'room: in place')
  const tight = Buffer.alloc(bytes.length + 3)
  bytes.copy(tight)
  t.not(escapeNonAscii(tight, bytes.length).buffer, tight.buffer, 'too little room: a new buffer')
  for (const out of [moved, inPlace]) {
    t.ok(isAscii(out))
    t.same(JSON.parse(Buffer.from(out).toString('latin1')), JSON.parse(text))
  }

  // Blocks of ASCII are passed over natively: characters on either side of a block's edge, and bytes that are no UTF-8.
  fc.assert(
    fc.property(fc.nat({ max: 40_000 }), fc.array(fc.string({ unit: 'binary', maxLength: 4 }), { maxLength: 6 }), fc.nat({ max: 64 }), (pad, words, extra) => {
      const value = ['x'.repeat(pad), ...words].join('')
      const source = Buffer.concat([Buffer.from(`{"v": ${JSON.stringify(value)}, "w": "`), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')])
      const expected = JSON.parse(source.toString('utf8'))
      const roomy = Buffer.alloc(source.length + extra)
      source.copy(roomy)
      const out = escapeNonAscii(roomy, source.length)
      t.same(JSON.parse(Buffer.from(out).toString('latin1')), expected)
      t.same(parseJsonBytes(source), expected)
    }),
    { numRuns: 60, seed: 20261202 },
  )
})

t.test('a large document read ahead, as the doorman command does, reads as one read on the main thread', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'doorman-read-ahead-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // Over the 1 MB below which nothing is read ahead (a long description), with a little non-ASCII text (so that it is
  // escaped in place).
  const paths: Record<string, unknown> = {
    '/items/{id}': { get: { summary: 'An item', responses: { '200': { description: 'ok' } } } },
    '/menu': {
      post: {
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { drink: { enum: ['café', 'thé'] } } } } } },
        responses: { '200': { description: 'ok' } },
      },
    },
  }
  const long = 'An API for coffee. '.repeat(60_000)
  const doc = { openapi: '3.0.3', info: { title: 'Café ☕ API', version: '1', description: long }, paths }
  const file = path.join(dir, 'large.json')
  writeFileSync(file, JSON.stringify(doc, null, 2))
  t.ok(statSync(file).size > 2 ** 20, 'large enough to be read ahead')
  readAhead(file)
  const loaded = await loadSpec(file)
  t.equal(takeReadAhead(file), undefined, 'loadSpec took the bytes read ahead')
  t.same(loaded.document, doc)
  t.equal(loaded.tree, true, 'parsed JSON is a tree: the schema walks keep no record of what they saw')

  // YAML in flow style looks like JSON to the reader: escaped in place, it is read again, as written.
  const flow = path.join(dir, 'flow.yaml')
  writeFileSync(flow, `{openapi: 3.0.3, info: {title: 'Café ☕ API', version: '1', description: '${long}'}, paths: ${JSON.stringify(paths)}}`)
  t.ok(statSync(flow).size > 2 ** 20, 'large enough to be read ahead')
  readAhead(flow)
  const flowLoaded = await loadSpec(flow)
  t.equal((flowLoaded.document.info as { title: string }).title, 'Café ☕ API')
  t.same(flowLoaded.document.paths, paths)
  t.equal(takeReadAhead(flow), undefined)
  t.equal(flowLoaded.tree, undefined, 'YAML may share objects (anchors)')

  for (const spec of [file, flow]) {
    const cli = await startCli(t, ['--log', 'silent', spec])
    t.equal((await fetch(`${cli.url}/menu`, json({ drink: 'thé' }))).status, 200, `${path.basename(spec)}: the non-ASCII enum value is accepted`)
    t.equal((await fetch(`${cli.url}/menu`, json({ drink: 'the' }))).status, 422)
    t.equal((await fetch(`${cli.url}/items/x`)).status, 200)
  }
})

t.test('a document too large to be text, and one whose size the file system does not tell, are read as before', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'doorman-read-sizes-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // Sparse: nothing is written, and nothing may be read either.
  const huge = path.join(dir, 'huge.json')
  writeFileSync(huge, '')
  truncateSync(huge, 600 * 2 ** 20)
  await t.rejects(loadSpec(huge), { name: 'SetupError', message: /it is 629145600 bytes, more than the \d+ a document can be read as text/ })
  readAhead(huge)
  t.equal(takeReadAhead(huge), undefined, 'not read ahead either')
  const cli = await runCli(['check', huge])
  t.equal(cli.code, 2)
  t.match(cli.stderr, /more than the \d+ a document can be read as text/)
  t.notMatch(cli.stderr, /unexpected error|at /)
  // procfs files say they are empty, and are not.
  if (process.platform === 'linux') await t.rejects(loadSpec('/proc/self/status'), { message: /the top-level 'openapi' field/ })
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
