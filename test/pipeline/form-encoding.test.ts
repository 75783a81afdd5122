// Form bodies and the Encoding Object (issue 15.5), over real sockets with fetch and curl.
import t from 'tap'
import { parseMultipart } from '../../src/pipeline/parse-multipart.js'
import type { MediaRule } from '../../src/spec/compile-rules.js'
import { fetchJson, fixture, run, startMock } from '../helpers.js'

t.test('multipart and urlencoded fields named constructor, toString, __proto__ are names like any other', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'form-encoding.yaml') })
  const url = `${mock.url}/names`
  // Pairs, not an object literal: `{ __proto__: 'z' }` would set a prototype, not a key.
  type Pairs = Array<[string, string]>
  const multipart = (pairs: Pairs) => {
    const form = new FormData()
    for (const [name, value] of pairs) form.append(name, value)
    return fetchJson(url, { method: 'POST', body: form })
  }
  const urlencoded = (pairs: Pairs) => fetchJson(url, { method: 'POST', body: new URLSearchParams(pairs) })
  for (const [what, send] of [
    ['multipart', multipart],
    ['urlencoded', urlencoded],
  ] as const) {
    const ok = await send([
      ['constructor', 'x'],
      ['toString', 'y'],
      ['__proto__', 'z'],
    ])
    t.equal(ok.status, 200, `${what}: all three read as plain strings`)
    const long = await send([
      ['constructor', 'long'],
      ['toString', 'long'],
      ['__proto__', 'long'],
      ['hasOwnProperty', 'long'],
    ])
    t.equal(long.status, 422, what)
    // ajv leaves a property named __proto__ out of `properties` checks (its allSchemaProperties), so only
    // presence (`required`) speaks for it; the other three are checked against their own schemas.
    t.same(
      (long.body.errors as Array<{ pointer: string }>).map((e) => e.pointer).sort(),
      ['/constructor', '/hasOwnProperty', '/toString'],
      `${what}: each is checked against its own schema`,
    )
    const missing = await send([['constructor', 'x']])
    t.equal(missing.status, 422, `${what}: a missing toString is not found on the prototype`)
    t.match(JSON.stringify(missing.body.errors), /toString/)
  }
  const twice = await run('curl', [
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '-F',
    'constructor=a',
    '-F',
    'constructor=b',
    '-F',
    'toString=c',
    '-F',
    '__proto__=d',
    url,
  ])
  t.equal(twice.stdout, '422', 'curl -F constructor twice: an array of two strings, not [Object, …], refused by type: string')
})

t.test('parseMultipart keeps every name as an own key, __proto__ included', async (t) => {
  const boundary = 'b0undary'
  const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
  const body = Buffer.from(part('constructor', 'x') + part('toString', 'y') + part('__proto__', 'z') + part('constructor', 'w') + `--${boundary}--\r\n`)
  const rule = { partTypes: {} } as unknown as MediaRule
  const fields = await parseMultipart(body, `multipart/form-data; boundary=${boundary}`, rule, 1024)
  t.same(Object.entries(fields), [
    ['constructor', ['x', 'w']],
    ['toString', 'y'],
    ['__proto__', 'z'],
  ])
  t.equal(Object.getPrototypeOf(fields), null)
})
