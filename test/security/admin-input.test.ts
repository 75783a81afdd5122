/**
 * Rows 8 and the review's other findings of issue 13: bad input is a clear
 * error, never a 500 or a hang. Malformed admin inputs get a 400 with a
 * pointer; a YAML alias bomb, a $ref to /dev/zero or a FIFO, and a key file
 * others can read are each a clear refusal or a note at start-up. A fuzz of
 * the admin API's JSON inputs never gets a 5xx.
 */
import { execFileSync } from 'node:child_process'
import { chmod, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import t from 'tap'
import { codes, startServer } from '../../src/index.js'
import { fixture, runCli, startMock } from '../helpers.js'

const JSON_TYPE = { 'content-type': 'application/json' }

async function postJson(url: string, body: string): Promise<{ status: number; problem: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: JSON_TYPE, body })
  const text = await res.text()
  let problem: Record<string, unknown>
  try {
    problem = JSON.parse(text) as Record<string, unknown>
  } catch {
    problem = { text }
  }
  return { status: res.status, problem, headers: res.headers }
}

t.test('malformed admin inputs: a 400 with a pointer, never a 500', async (t) => {
  const mock = await startMock(t)
  const tokens = `${mock.url}/__doorman/tokens`
  const faults = `${mock.url}/__doorman/faults`
  for (const [body, pointer] of [
    ['{"exp":"x"}', '/exp'],
    ['{"nbf":1.5}', '/nbf'],
    ['{"aud":5}', '/aud'],
    ['{"scope":{"a":1}}', '/scope'],
    ['{"expiresIn":[]}', '/expiresIn'],
    [JSON.stringify(Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`c${i}`, i]))), ''],
  ] as const) {
    const res = await postJson(tokens, body)
    t.equal(res.status, 400, `POST tokens ${body.slice(0, 40)}: 400`)
    t.equal(res.problem.code, codes.TOKEN_MINT_REFUSED)
    t.equal(res.problem.pointer, pointer)
  }
  t.equal((await postJson(tokens, '{"sub":"alice","exp":4102444800,"aud":["a","b"]}')).status, 200, 'valid claims are minted')

  const crlf = await postJson(faults, JSON.stringify({ kind: 'status', status: 503, headers: { 'x-note': 'ok\r\nSet-Cookie: session=evil' } }))
  t.equal(crlf.status, 400, 'CR/LF in a plan header value: 400')
  t.equal(crlf.problem.code, codes.FAULT_PLAN_INVALID)
  t.equal(crlf.problem.pointer, '/headers/x-note')
  t.match(crlf.problem.detail, /RFC 9110 field value/)
  const name = await postJson(faults, JSON.stringify({ kind: 'status', status: 503, headers: { 'x note': 'ok' } }))
  t.equal(name.status, 400, 'a header name that is no token: 400')
  t.equal(name.problem.pointer, '/headers/x note')
  t.equal(
    (await postJson(faults, JSON.stringify({ kind: 'status', status: 503, headers: { 'x-note': 'tab\tand é' } }))).status,
    201,
    'a valid field value passes',
  )

  const many = await postJson(faults, JSON.stringify(Array.from({ length: 101 }, () => ({ kind: 'hang', operation: 'getOrder' }))))
  t.equal(many.status, 400, '101 plans in one request: 400')
  t.equal(many.problem.code, codes.FAULT_PLAN_LIMIT)
  t.match(many.problem.detail, /at most 100/)
  for (let i = 0; i < 10; i++) {
    const batch = await postJson(faults, JSON.stringify(Array.from({ length: i === 0 ? 99 : 100 }, () => ({ kind: 'hang', operation: 'getOrder' }))))
    t.equal(batch.status, 201, `batch ${i + 1}: added`)
  }
  const over = await postJson(faults, JSON.stringify({ kind: 'hang', operation: 'getOrder' }))
  t.equal(over.status, 400, 'the 1,001st plan: 400')
  t.equal(over.problem.code, codes.FAULT_PLAN_LIMIT)
  t.match(over.problem.detail, /at most 1000/)
  t.throws(() => mock.faults.add({ kind: 'hang' }), { name: 'FaultPlanLimitError' }, 'the library refuses it too')

  const huge = await fetch(tokens, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ sub: 'x'.repeat(2 * 1024 * 1024) }) })
  t.equal(huge.status, 413, 'an admin body over 1 MiB: 413')
  await huge.arrayBuffer()
})

t.test("a plan's made-up body never becomes a page on the mock's origin", async (t) => {
  const mock = await startMock(t)
  mock.faults.add([
    { operation: 'getOrder', kind: 'status', status: 500, headers: { 'content-type': 'text/html' }, body: '<script>alert(1)</script>', times: 1 },
    { operation: 'getOrder', kind: 'status', status: 500, headers: { 'content-type': 'image/svg+xml' }, body: '<svg onload="alert(1)"/>', times: 1 },
    { operation: 'getOrder', kind: 'status', status: 500, body: 'plain', times: 1 },
  ])
  const html = await fetch(`${mock.url}/orders/o-1`)
  t.equal(html.headers.get('x-content-type-options'), 'nosniff')
  t.equal(html.headers.get('content-security-policy'), 'sandbox', 'HTML: sandboxed')
  await html.arrayBuffer()
  const svg = await fetch(`${mock.url}/orders/o-1`)
  t.equal(svg.headers.get('content-security-policy'), 'sandbox', 'SVG: sandboxed')
  await svg.arrayBuffer()
  const plain = await fetch(`${mock.url}/orders/o-1`)
  t.equal(plain.headers.get('x-content-type-options'), 'nosniff', 'text/plain: nosniff')
  t.equal(plain.headers.get('content-security-policy'), null, 'and no sandbox needed')
  await plain.arrayBuffer()

  // garbage text that looks like an HTTP response gets the same headers after its status line
  mock.faults.add({ operation: 'getOrder', kind: 'garbage', text: 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<script>alert(1)</script>' })
  const port = Number(new URL(mock.url).port)
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /orders/o-1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'))
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => (text += chunk))
    socket.on('close', () => resolve(text))
    socket.on('error', reject)
  })
  t.match(raw, /^HTTP\/1\.1 200 OK\r\nX-Content-Type-Options: nosniff\r\nContent-Security-Policy: sandbox\r\n/)
})

t.test('setup inputs: alias bomb, $ref to a device or a FIFO, a key others can read', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'doorman-sec-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const levels = 'abcdefghi'
  const bomb = [
    'openapi: 3.0.3',
    "info: { title: bomb, version: '1' }",
    'x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
    ...[...levels.slice(1)].map((l, i) => `x-${l}: &${l} [${Array(9).fill(`*${levels[i]}`).join(', ')}]`),
    'paths: {}',
  ].join('\n')
  await writeFile(path.join(dir, 'bomb.yaml'), bomb)
  const bombed = await runCli(['check', path.join(dir, 'bomb.yaml')])
  t.equal(bombed.code, 2, 'a YAML alias bomb: exit 2')
  t.match(bombed.stderr, /aliases expand too far/)
  t.notMatch(bombed.stderr, /bug in doorman/)

  const fifo = path.join(dir, 'schema.fifo')
  execFileSync('mkfifo', [fifo])
  const spec = {
    openapi: '3.0.3',
    info: { title: 'refs', version: '1' },
    paths: {
      '/a': { post: { requestBody: { content: { 'application/json': { schema: { $ref: '/dev/zero' } } } }, responses: { '200': { description: 'ok' } } } },
      '/b': { post: { requestBody: { content: { 'application/json': { schema: { $ref: `${fifo}#/x` } } } }, responses: { '200': { description: 'ok' } } } },
    },
  }
  await writeFile(path.join(dir, 'refs.json'), JSON.stringify(spec))
  const mock = await startServer({ spec: path.join(dir, 'refs.json'), port: 0 })
  t.teardown(() => mock.close())
  const notes = mock.notes.join('\n')
  t.match(notes, /\/dev\/zero is a character device, not a regular file/, 'a $ref to /dev/zero: a note, not a hang')
  t.match(notes, /schema\.fifo is a named pipe \(FIFO\), not a regular file/, 'a $ref to a FIFO: a note, not a hang')
  const device = await runCli(['check', '/dev/zero'])
  t.equal(device.code, 2, 'the spec itself on /dev/zero: exit 2')
  t.match(device.stderr, /not a regular file/)

  const key = path.join(dir, 'rs256.key.pem')
  await copyFile(fixture('keys', 'rs256.key.pem'), key)
  await copyFile(fixture('keys', 'rs256.pub.pem'), path.join(dir, 'rs256.pub.pem'))
  const config = { auth: { bearer: { jwt: { publicKey: path.join(dir, 'rs256.pub.pem'), privateKey: key } } } }
  await chmod(key, 0o644)
  const shared = await startServer({ spec: fixture('..', 'openapi.yaml'), config, port: 0 })
  t.teardown(() => shared.close())
  t.match(
    shared.notes.join('\n'),
    /private key file .*rs256\.key\.pem.* can be read by other users \(mode 0644\).*chmod 600/,
    'a private key others can read: a warning',
  )
  await chmod(key, 0o600)
  const own = await startServer({ spec: fixture('..', 'openapi.yaml'), config, port: 0 })
  t.teardown(() => own.close())
  t.notMatch(own.notes.join('\n'), /can be read by/, 'mode 0600: no warning')

  // doorman's own CA key: written 0600; made readable by others, it is warned about too.
  const tlsDir = path.join(dir, 'tls')
  const first = await startServer({ spec: fixture('..', 'openapi.yaml'), port: 0, tls: { dir: tlsDir } })
  t.notMatch(first.notes.join('\n'), /CA key/, 'a CA key doorman made: no warning')
  await first.close()
  await chmod(path.join(tlsDir, 'ca.key'), 0o644)
  const second = await startServer({ spec: fixture('..', 'openapi.yaml'), port: 0, tls: { dir: tlsDir } })
  t.teardown(() => second.close())
  t.match(second.notes.join('\n'), /CA key .*ca\.key can be read by other users \(mode 0644\).*chmod 600/, 'a CA key others can read: a warning')
})

t.test('fuzz: the admin API answers any JSON input without a 5xx', async (t) => {
  const mock = await startMock(t)
  const routes = ['/__doorman/faults', '/__doorman/tokens', '/__doorman/reset']
  let asked = 0
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...routes),
      fc.oneof(
        fc.jsonValue({ maxDepth: 4 }),
        // Plans close to valid ones, with wrong fields: the likeliest to reach deep code.
        fc.record({
          kind: fc.constantFrom('status', 'hang', 'delay', 'drip', 'garbage', 'partial', 'x'),
          status: fc.oneof(fc.integer({ min: -1, max: 700 }), fc.string()),
          headers: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
          body: fc.jsonValue({ maxDepth: 3 }),
          ms: fc.oneof(fc.integer(), fc.record({ min: fc.integer(), max: fc.integer() })),
          operation: fc.string(),
        }),
        // Token claims of every type.
        fc.record({ exp: fc.jsonValue(), nbf: fc.jsonValue(), aud: fc.jsonValue(), scope: fc.jsonValue(), expiresIn: fc.jsonValue() }, { requiredKeys: [] }),
      ),
      async (route, input) => {
        asked++
        const res = await postJson(`${mock.url}${route}`, JSON.stringify(input))
        return res.status < 500
      },
    ),
    { numRuns: 300, seed: 13 },
  )
  const query = await fetch(`${mock.url}/__doorman/journal?limit=x&since=%ZZ&status=abc`)
  t.ok(query.status < 500, `a garbage journal query: ${query.status}`)
  await query.arrayBuffer()
  t.equal(asked, 300, '300 inputs, none answered 5xx')
})
