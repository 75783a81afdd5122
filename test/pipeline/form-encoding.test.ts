// Form bodies and the Encoding Object (issue 15.5), over real sockets with fetch and curl.
import t from 'tap'
import { parseMultipart } from '../../src/pipeline/parse-multipart.js'
import type { MediaRule } from '../../src/spec/compile-rules.js'
import { fetchJson, fixture, run, startMock } from '../helpers.js'

t.test('multipart and urlencoded fields named constructor, toString, __proto__ are names like any other', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'form-encoding.json') })
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

t.test('urlencoded: allowReserved false refuses raw reserved characters with a 422 naming the field', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'form-encoding.json') })
  const url = `${mock.url}/encoded`
  const curlForm = async (data: string) => {
    const { stdout } = await run('curl', ['-s', '-w', '\n%{http_code}', '-H', 'content-type: application/x-www-form-urlencoded', '--data', data, url])
    const lines = stdout.split('\n')
    const status = Number(lines.pop())
    return { status, body: lines.join('\n') ? (JSON.parse(lines.join('\n')) as Record<string, unknown>) : undefined }
  }
  const raw = await curlForm('note=a:b/c&url=http://x.example/y?z=1')
  t.equal(raw.status, 422)
  t.equal(raw.body?.code, 'FORM_FIELD_RESERVED_CHARACTERS')
  t.same(raw.body?.fields, ['note'], 'the field named, not url (allowReserved: true)')
  t.match(raw.body?.detail, /'note' \(: \/\)/)
  const each = await curlForm("note=a;b@c!d$e'f(g)h,i=j[k]")
  t.equal(each.status, 422)
  const encoded = await run('curl', [
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '--data-urlencode',
    'note=a:b/c?d#e',
    '--data-urlencode',
    'url=http://x/y',
    url,
  ])
  t.equal(encoded.stdout, '200', 'curl --data-urlencode percent-encodes them')
  t.equal(
    (await fetchJson(url, { method: 'POST', body: new URLSearchParams({ note: 'a:b/c*d e+f' }) })).status,
    200,
    'URLSearchParams: * and + (a space) are not counted',
  )
})

t.test('urlencoded: style and explode read as for query parameters', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'form-encoding.json') })
  const url = `${mock.url}/encoded`
  const post = (body: string) => fetchJson(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })
  const pointers = (res: { body: Record<string, unknown> }) => ((res.body.errors ?? []) as Array<{ pointer: string }>).map((e) => e.pointer)
  t.equal((await post('tags=a,b&ids=1|2&words=ab+cd&filter[status]=open&filter[min]=3&color=R,100,G,200')).status, 200, 'every style read')
  t.same(pointers(await post('tags=a,d')), ['/tags/1'], 'form, explode false: split on commas')
  t.same(pointers(await post('ids=1|x')), ['/ids/1'], 'pipeDelimited')
  t.same(pointers(await post('words=ab+abcd')), ['/words/1'], 'spaceDelimited')
  t.same(pointers(await post('filter[status]=bogus')), ['/filter/status'], 'deepObject')
  t.same(pointers(await post('color=R,x')), ['/color/R'], 'an object, form, explode false')
})

t.test('multipart: an encoding contentType holds for plain field parts too', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'form-encoding.json') })
  const url = `${mock.url}/parts`
  const typed = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-F', 'meta={"a":1};type=application/json', '-F', 'note=x', url])
  t.equal(typed.stdout, '200')
  const form = new FormData()
  form.append('meta', '{"a":1}')
  const plain = await fetchJson(url, { method: 'POST', body: form })
  t.equal(plain.status, 415, 'a field part without Content-Type is text/plain (RFC 7578), not application/json')
  t.equal(plain.body.code, 'CONTENT_TYPE_UNSUPPORTED')
  t.equal(plain.body.part, 'meta')
})
