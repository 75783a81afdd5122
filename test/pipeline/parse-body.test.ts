import { createRequire } from 'node:module'
import fc from 'fast-check'
import t from 'tap'
import { codes } from '../../src/index.js'
import { parseJsonBody } from '../../src/pipeline/parse-json.js'
import { Problem } from '../../src/problems/problem.js'
import { fetchJson, fixture, run, startMock } from '../helpers.js'

const jsonc: typeof import('jsonc-parser') = createRequire(import.meta.url)('jsonc-parser')
const json = (text: string | Buffer) => parseJsonBody(Buffer.isBuffer(text) ? text : Buffer.from(text))

t.test('JSON syntax errors say where', async (t) => {
  const cases: Array<[string, RegExp, { line: number; column: number; offset: number }]> = [
    ['{"a":}', /expected a value at line 1, column 6 \(byte offset 5\)/, { line: 1, column: 6, offset: 5 }],
    ['{"a":1,}', /trailing comma before '}' at line 1, column 8/, { line: 1, column: 8, offset: 7 }],
    ['{\n  "a": 1\n  "b": 2\n}', /expected ',' at line 3, column 3 \(byte offset 13\)/, { line: 3, column: 3, offset: 13 }],
    ["{'a':1}", /single quotes are not JSON/, { line: 1, column: 2, offset: 1 }],
    ['[1,2', /unexpected end of the body/, { line: 1, column: 5, offset: 4 }],
    ['{"a":1} x', /unexpected text after the JSON value/, { line: 1, column: 9, offset: 8 }],
    ['{"é":"ü", "b": nope}', /unexpected character at line 1, column 16 \(byte offset 17\)/, { line: 1, column: 16, offset: 17 }],
  ]
  for (const [text, detail, position] of cases) {
    const result = json(text)
    t.ok(result instanceof Problem, text)
    const problem = result as Problem
    t.equal(problem.code, codes.BODY_MALFORMED, text)
    t.match(problem.detail, detail, text)
    t.same(problem.extra.position, position, text)
    t.match(problem.extra.excerpt, /⟶/)
  }
})

t.test('invalid UTF-8 names the byte', async (t) => {
  const result = json(Buffer.concat([Buffer.from('{"name":"ab'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])) as Problem
  t.equal(result.code, codes.BODY_MALFORMED)
  t.match(result.detail, /not valid UTF-8: byte 0xc3 at line 1, column 12 \(byte offset 11\)/)
})

t.test('a byte order mark is ignored', async (t) => {
  t.same(json(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')])), { value: { a: 1 } })
})

t.test('duplicate keys and prototype keys are refused, nested or not', async (t) => {
  const dup = json('{"a":{"b":1,"c":{"b":2},"b":3}}') as Problem
  t.equal(dup.code, codes.BODY_DUPLICATE_KEY)
  t.equal(dup.extra.received, 'b')
  t.same(dup.extra.position, { line: 1, column: 25, offset: 24 })
  t.same(json('[{"a":1},{"a":2}]'), { value: [{ a: 1 }, { a: 2 }] }, 'the same key in sibling objects is fine')
  t.same(json('{"a":"x\\":y","b":"\\"a\\":"}'), { value: { a: 'x":y', b: '"a":' } }, 'quotes and colons inside strings are not keys')
  const proto = json('{"x":[{"__proto__":{"admin":true}}]}') as Problem
  t.equal(proto.code, codes.BODY_FORBIDDEN_KEY)
  const ctor = json('{"constructor":{"prototype":{"admin":true}}}') as Problem
  t.equal(ctor.code, codes.BODY_FORBIDDEN_KEY)
  t.equal(ctor.extra.received, 'constructor.prototype')
  t.same(json('{"constructor":"ok","prototype":1}'), { value: { constructor: 'ok', prototype: 1 } })
  // Escapes spell the same keys: JSON.parse reads them as the plain ones.
  t.equal((json('{"__pro\\u0074o__":{"admin":true}}') as Problem).code, codes.BODY_FORBIDDEN_KEY, 'an escaped __proto__')
  t.equal((json('{"constructor":{"prot\\u006ftype":{}}}') as Problem).code, codes.BODY_FORBIDDEN_KEY, 'an escaped prototype')
  const escapedDup = json('{"a":1,"\\u0061":2}') as Problem
  t.same([escapedDup.code, escapedDup.extra.received], [codes.BODY_DUPLICATE_KEY, 'a'], 'an escaped duplicate')
  t.same(json('{"a\\nb":"\\u0041"}'), { value: { 'a\nb': 'A' } }, 'other escapes are only text')
  t.equal(({} as Record<string, unknown>).admin, undefined, 'nothing was polluted')
})

t.test('bodies over a real socket', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'rules.yaml') })
  const send = (path: string, type: string | undefined, body: string | Buffer | Uint8Array | FormData | undefined) =>
    fetchJson(`${mock.url}${path}`, { method: 'POST', body: body as BodyInit, headers: type ? { 'content-type': type } : {} })

  t.test('malformed JSON is 400 BODY_MALFORMED with its position', async (t) => {
    const { status, body } = await send('/things', 'application/json', '{"name": "w",\n "parts": [1,2,}')
    t.equal(status, 400)
    t.equal(body.code, codes.BODY_MALFORMED)
    t.equal(body.step, 'parse')
    t.same(body.position, { line: 2, column: 16, offset: 29 })
  })

  t.test('an empty body where one is required is BODY_REQUIRED', async (t) => {
    const empty = await send('/things', 'application/json', '')
    t.equal(empty.status, 400)
    t.equal(empty.body.code, codes.BODY_REQUIRED)
    const none = await fetchJson(`${mock.url}/things`, { method: 'POST' })
    t.equal(none.body.code, codes.BODY_REQUIRED)
    t.match(none.body.detail, /requires a request body \(application\/json, application\/vnd\.acme\+json\)/)
    const optional = await fetchJson(`${mock.url}/small`, { method: 'POST' })
    t.equal(optional.status, 200, 'an optional body may be left out')
  })

  t.test('form-urlencoded bodies are parsed and coerced to the schema', async (t) => {
    t.equal((await send('/form', 'application/x-www-form-urlencoded', 'name=ab&count=3&tags=x&tags=y')).status, 200)
    const bad = await send('/form', 'application/x-www-form-urlencoded', 'name=a&count=zero')
    t.equal(bad.status, 422)
    t.equal(bad.body.code, codes.BODY_INVALID)
    t.same(
      bad.body.errors.map((e: { pointer: string; keyword: string }) => [e.pointer, e.keyword]),
      [
        ['/name', 'minLength'],
        ['/count', 'type'],
      ],
    )
  })

  t.test('multipart bodies: fields, files, per-part types and sizes', async (t) => {
    const form = new FormData()
    form.append('file', new Blob([Buffer.from('%PDF-1.4')], { type: 'application/pdf' }), 'a.pdf')
    form.append('description', 'short')
    form.append('count', '2')
    t.equal((await send('/form', undefined, form)).status, 200)

    const wrongPart = new FormData()
    wrongPart.append('file', new Blob(['x'], { type: 'text/plain' }), 'a.txt')
    const refused = await send('/form', undefined, wrongPart)
    t.equal(refused.status, 415)
    t.equal(refused.body.part, 'file')
    t.match(refused.body.detail, /part 'file' is text\/plain, but the spec's encoding allows image\/png, application\/pdf/)

    const tooLong = new FormData()
    tooLong.append('file', new Blob([Buffer.alloc(100)], { type: 'image/png' }), 'a.png')
    tooLong.append('description', 'much too long')
    const invalid = await send('/form', undefined, tooLong)
    t.equal(invalid.status, 422)
    t.same(invalid.body.errors.map((e: { pointer: string }) => e.pointer).sort(), ['/description', '/file'])

    const broken = await send('/form', 'multipart/form-data', 'no boundary here')
    t.equal(broken.status, 400)
    t.equal(broken.body.code, codes.BODY_MALFORMED)
  })

  t.test('curl -F uploads a file part', async (t) => {
    const { stdout } = await run('sh', [
      '-c',
      `printf '%%PDF' > /tmp/doorman-part.pdf && curl -s -o /dev/null -w '%{http_code}' -F 'file=@/tmp/doorman-part.pdf;type=application/pdf' ${mock.url}/form`,
    ])
    t.equal(stdout, '200')
  })

  t.test('text and binary bodies are checked against maxLength', async (t) => {
    t.equal((await send('/note', 'text/plain', 'hello')).status, 200)
    const long = await send('/note', 'text/plain; charset=utf-8', 'x'.repeat(21))
    t.equal(long.status, 422)
    t.equal(long.body.errors[0].keyword, 'maxLength')
    t.equal((await send('/note', 'text/plain; charset=iso-8859-1', Buffer.from([0x68, 0xe9]))).status, 200, 'latin1 text decodes')
    t.equal((await send('/blob', 'application/octet-stream', Buffer.alloc(16))).status, 200)
    t.equal((await send('/blob', 'application/octet-stream', Buffer.alloc(17))).status, 422)
  })
})

/** Keys as JSON.parse reads them (escapes decoded), in each object: the first duplicate or prototype key, as the parse step names it. */
function suspiciousKey(text: string): string | undefined {
  const frames: Array<{ keys: Set<string>; name: string | undefined }> = []
  let found: string | undefined
  jsonc.visit(text, {
    onObjectBegin: (_offset, _length, _line, _column, path) => {
      const last = path().at(-1)
      frames.push({ keys: new Set(), name: typeof last === 'string' ? last : undefined })
    },
    onObjectEnd: () => {
      frames.pop()
    },
    onObjectProperty: (_name, offset, length) => {
      const raw = JSON.parse(text.slice(offset, offset + length)) as string
      const frame = frames.at(-1)!
      if (found === undefined && (raw === '__proto__' || (raw === 'prototype' && frame.name === 'constructor'))) found = codes.BODY_FORBIDDEN_KEY
      else if (found === undefined && frame.keys.has(raw)) found = codes.BODY_DUPLICATE_KEY
      frame.keys.add(raw)
    },
  })
  return found
}

t.test('duplicate and prototype keys are found however the body is laid out', async (t) => {
  // The parse step reads a body key by key only when cheaper counts say it may hold such a key: they must never miss one.
  // Each key as JSON.stringify spells it, or with its first character escaped (`"\u005f_proto__"` is `__proto__`).
  const key = fc
    .tuple(fc.constantFrom('a', 'b', 'c', 'a:b', 'x"y', 'constructor', 'prototype', '__proto__', '__proto_'), fc.boolean())
    .map(([k, escape]) => (escape ? `"\\u${k.charCodeAt(0).toString(16).padStart(4, '0')}${JSON.stringify(k).slice(2)}` : JSON.stringify(k)))
  const { value: body } = fc.letrec<{ value: string; object: string; array: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom('1', '-2.5e3', 'true', 'null', '"s:t"', '"{\\"a\\":1}"', '"prototype"'),
      tie('object'),
      tie('array'),
    ),
    object: fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((pairs) => `{${pairs.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
    array: fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
  }))
  fc.assert(
    fc.property(body, (text) => {
      const result = json(text)
      const code = result instanceof Problem ? result.code : undefined
      if (code !== suspiciousKey(text)) throw new Error(`${text}: ${code} where the text says ${suspiciousKey(text)}`)
    }),
    { numRuns: 3000 },
  )
  t.pass('3000 bodies')
})

t.test('a number no 64-bit float holds is refused, whatever its spelling', async (t) => {
  const digits = (n: number) => `${(n % 9) + 1}${'7'.repeat(n - 1)}`
  const number = fc
    .tuple(
      fc.boolean(),
      fc.integer({ min: 1, max: 400 }),
      fc.option(fc.integer({ min: 1, max: 320 })),
      fc.option(fc.tuple(fc.constantFrom('e', 'E', 'e+', 'E-', 'e-'), fc.integer({ min: 0, max: 1200 }))),
    )
    .map(
      ([negative, whole, fraction, exponent]) =>
        `${negative ? '-' : ''}${digits(whole)}${fraction ? `.${digits(fraction)}` : ''}${exponent ? `${exponent[0]}${exponent[1]}` : ''}`,
    )
  fc.assert(
    fc.property(number, (literal) => {
      const result = json(`{"n":[1,${literal}],"s":"9e999"}`)
      const refused = result instanceof Problem && result.code === codes.BODY_MALFORMED && result.extra.pointer === '/n/1'
      if (refused === Number.isFinite(Number(literal))) throw new Error(`${literal}: ${refused ? 'refused' : 'accepted'}`)
    }),
    { numRuns: 3000 },
  )
  t.same(json('{"s":"1e999","n":1e308,"m":-1e-999}'), { value: { s: '1e999', n: 1e308, m: -0 } }, 'in a string, or small: accepted')

  // A long mantissa with a short exponent overflows too.
  const mock = await startMock(t, { spec: fixture('specs', 'rules.yaml') })
  const { status, body } = await fetchJson(`${mock.url}/small`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: `{"n":1${'0'.repeat(250)}e99}`,
  })
  t.equal(status, 400)
  t.equal(body.code, codes.BODY_MALFORMED)
  t.match(body.detail, 'a number too large for a 64-bit float at /n')
})
