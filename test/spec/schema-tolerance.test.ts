/**
 * A document's schema mistakes become start-up notes, never a refusal to
 * start, and never a refusal of a request the document allows. For each
 * class: the note, a valid request accepted, and the rest of the schema
 * still enforced (an invalid request refused with the right code).
 */
import t from 'tap'
import { codes, startServer } from '../../src/index.js'
import { fetchJson, fixture, startMock } from '../helpers.js'

const cases = (name: string) => fixture('specs', 'real-world-cases', name)
const json = { 'content-type': 'application/json' }

/** The notes about one place (or group of places) in the document. */
function notesAt(notes: string[], pointer: string): string[] {
  return notes.filter((note) => note.includes(`: ${pointer}`))
}

/** The `location pointer keyword` of each error of a problem, sorted. */
function errorsOf(body: { errors?: Array<{ location: string; pointer: string; keyword: string }> }): string[] {
  return (body.errors ?? []).map((e) => `${e.location} ${e.pointer} ${e.keyword}`).sort()
}

t.test('patterns other engines read: translated where the meaning is clear, else that one pattern is skipped', async (t) => {
  const mock = await startMock(t, { spec: cases('schema-patterns.yaml') })
  const body = '/paths/~1secrets/post/requestBody/content/application~1json/schema/properties'
  const note = (pointer: string) => notesAt(mock.notes, pointer).join('\n')
  t.match(
    note(`${body}/token/pattern`),
    /pattern '\^\[a-zA-Z0-9\\\/\\\+\\=\]\{0,2048\}\$' is not valid in ECMAScript's unicode mode, .*checked as '\^\[a-zA-Z0-9\\\/\\\+=\]\{0,2048\}\$', which means the same \(the needless escape \\=\)/,
  )
  t.match(note(`${body}/name/pattern`), /the needless escape \\`; the needless escape \\"; the needless escape \\'/)
  t.match(note(`${body}/guid/pattern`), /a \{ that starts no quantifier, read as a literal/)
  t.match(note(`${body}/login/pattern`), /checked as '\^\[a-zA-Z\]\+\$'/)
  t.match(note('/paths/~1secrets/post/parameters/0/schema/pattern'), /checked as '\[\\p\{Any\}\]\*', which means the same \(\\p\{all\} as \\p\{Any\}\)/)
  t.match(
    note(`${body}/code/pattern`),
    /pattern '\^a\+\+b\$' is not a valid ECMAScript regular expression \(possessive quantifiers .* have no ECMAScript equivalent\): it is not checked; the rest of the schema is\./,
  )
  t.match(note(`${body}/tags/patternProperties/^(?>y)$`), /the properties it would name are not checked, nor is this schema's additionalProperties/)
  t.ok(
    mock.notes.every((n) => n.startsWith('fixtures/specs/real-world-cases/schema-patterns.yaml: ')),
    'every note names the file',
  )

  const put = (value: unknown, query = '') => fetchJson(`${mock.url}/secrets${query}`, { method: 'POST', headers: json, body: JSON.stringify(value) })
  const valid = {
    token: 'AbC+/9=',
    name: 'O\'Brien-Sánchez (Jr.) `x` "y"',
    guid: '{01234567-89ab-cdef-0123-456789ABCDEF}',
    login: 'Alice',
    code: 'zzz',
    tags: { 'x-env': 'prod', y: 'not an integer: its pattern is skipped' },
  }
  const ok = await put(valid, `?filter=${encodeURIComponent('héllo ☃')}`)
  t.equal(ok.status, 204, JSON.stringify(ok.body))

  const bad = await put({
    token: 'a b',
    name: 'R2-D2',
    guid: '01234567-89ab-cdef-0123-456789abcdef',
    login: 'al1ce',
    code: 'toolong',
    tags: { 'x-env': 1, z: 'closed' },
  })
  t.equal(bad.status, 422)
  t.equal(bad.body.code, codes.BODY_INVALID)
  t.same(
    errorsOf(bad.body),
    ['body /code maxLength', 'body /guid pattern', 'body /login pattern', 'body /name pattern', 'body /tags/x-env type', 'body /token pattern'],
    'translated patterns refuse what they refused; the skipped one leaves maxLength; z is allowed once additionalProperties goes',
  )

  const query = await put(valid, '?filter=01234567890')
  t.equal(query.status, 400)
  t.equal(query.body.code, codes.PARAMETER_INVALID)
  t.same(errorsOf(query.body), ['query /filter maxLength'])
})

t.test('OpenAPI 3.0 idioms in a 3.1 document: read as in 3.0, with a note', async (t) => {
  const mock = await startMock(t, { spec: cases('schema-dialects-3.1.yaml') })
  const body = '/paths/~1readings/post/requestBody/content/application~1json/schema/properties'
  t.match(
    notesAt(mock.notes, '/components/schemas/Source/nullable (and 2 more places)').join(),
    /'nullable' is OpenAPI 3\.0 \(3\.1 writes type: \[T, 'null'\]\): read as in 3\.0\./,
  )
  t.match(notesAt(mock.notes, `${body}/value/exclusiveMaximum`).join(), /a boolean exclusiveMaximum is OpenAPI 3\.0 .*read as in 3\.0/)
  t.match(notesAt(mock.notes, `${body}/low/exclusiveMinimum`).join(), /a boolean exclusiveMinimum is OpenAPI 3\.0/)
  t.match(notesAt(mock.notes, `${body}/samples/items`).join(), /draft-04 tuple .*read as prefixItems/)
  t.notMatch(mock.notes.join('\n'), /example/, '`example` beside `examples` is no mistake in 3.1')

  const post = (value: unknown) => fetchJson(`${mock.url}/readings`, { method: 'POST', headers: json, body: JSON.stringify(value) })
  const ok = await post({ value: 99.5, low: 0, note: null, unit: null, source: null, samples: ['a', 1], level: 2 })
  t.equal(ok.status, 204, JSON.stringify(ok.body))
  t.equal((await post({ value: 1, unit: 'F', source: 'ab', note: 'short' })).status, 204)

  const bad = await post({ value: 100, low: -1, unit: 'K', note: 'far too long', source: 'a', samples: ['a', 'b'] })
  t.equal(bad.status, 422)
  t.equal(bad.body.code, codes.BODY_INVALID)
  const seen = errorsOf(bad.body)
  for (const expected of [
    'body /value exclusiveMaximum',
    'body /low minimum',
    'body /unit enum',
    'body /note maxLength',
    'body /source minLength',
    'body /samples/1 type',
  ]) {
    t.ok(seen.includes(expected), `${expected} (got ${seen.join(', ')})`)
  }
  t.equal((await post({ low: 1 })).status, 422, 'required still holds')
})

t.test('OpenAPI 3.1 idioms in a 3.0 document: read as in 3.1, with a note', async (t) => {
  const mock = await startMock(t, { spec: cases('schema-dialects-3.0.yaml') })
  const body = '/paths/~1readings/post/requestBody/content/application~1json/schema/properties'
  t.match(notesAt(mock.notes, `${body}/value/exclusiveMaximum`).join(), /a numeric exclusiveMaximum is OpenAPI 3\.1 .*read as in 3\.1/)
  t.match(notesAt(mock.notes, `${body}/label/type`).join(), /a list of types is OpenAPI 3\.1 .*read as in 3\.1, any of them/)
  t.match(notesAt(mock.notes, `${body}/level/examples`).join(), /'examples' is JSON Schema's \(OpenAPI 3\.1\), not an OpenAPI 3\.0 schema keyword/)
  t.match(notesAt(mock.notes, `${body}/nick/x-nullable`).join(), /x-nullable \(Swagger 2\.0 tools\) is read as nullable: null is allowed\./)

  const post = (value: unknown) => fetchJson(`${mock.url}/readings`, { method: 'POST', headers: json, body: JSON.stringify(value) })
  t.equal((await post({ value: 99.9, label: null, level: 1, nick: null })).status, 204)
  t.equal((await post({ value: -5, label: 'five', nick: 'jo' })).status, 204)
  const bad = await post({ value: 100, label: 'too long', level: 'high', nick: 'j' })
  t.equal(bad.status, 422)
  t.same(errorsOf(bad.body), ['body /label maxLength', 'body /level type', 'body /nick minLength', 'body /value exclusiveMaximum'])
})

t.test('types JSON Schema does not have and keyword values of the wrong type: read as meant, or dropped', async (t) => {
  const mock = await startMock(t, { spec: cases('schema-types.yaml') })
  const body = '/paths/~1uploads/post/requestBody/content/application~1json/schema/properties'
  const note = (pointer: string) => notesAt(mock.notes, pointer).join('\n')
  t.match(note('/paths/~1uploads/post/parameters/0/schema/type'), /type "application\/json" is not a JSON Schema type .*: this schema's type is not checked\./)
  t.match(note('/paths/~1uploads/post/parameters/1/schema/type'), /type "int" is not a JSON Schema type: read as 'integer'\./)
  t.match(note('/paths/~1uploads/post/parameters/2/schema/type'), /type "datetime" is not a JSON Schema type: read as 'string' with format 'date-time'\./)
  t.match(note(`${body}/name/type`), /read as 'string'/)
  t.match(note(`${body}/name/minLength`), /minLength is written as the string "3": read as 3\./)
  t.match(note(`${body}/id/required`), /required: true \(or false\) on a property is Swagger 2\.0 .*read that way, in the object's required list/)
  t.match(note(`${body}/kind/enum`), /"single" is read as a list of one/)
  t.match(note(`${body}/size/type`), /read as 'integer' with format 'int64'/)
  t.match(note(`${body}/color/enum`), /an empty enum allows no value at all: ignored/)
  t.match(note(`${body}/title/maxLenght`), /'maxLenght' is not a JSON Schema or OpenAPI keyword: it checks nothing \(did you mean 'maxLength'\?\)/)

  const upload = (query: string, value: unknown, headers: Record<string, string> = { 'x-payload-type': 'application/json' }) =>
    fetchJson(`${mock.url}/uploads${query}`, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(value) })
  const ok = await upload('?count=5&since=2024-05-01T10:00:00Z', { name: 'abc', id: 'x', kind: 'single', size: 5, color: 'any', title: 'longer than five' })
  t.equal(ok.status, 204, JSON.stringify(ok.body))

  const params = await upload('?count=11&since=yesterday', { id: 'x' }, {})
  t.equal(params.status, 400)
  t.equal(params.body.code, codes.PARAMETER_INVALID)
  t.same(errorsOf(params.body), ['header /x-payload-type required', 'query /count maximum', 'query /since format'])
  t.same(errorsOf((await upload('?count=abc', { id: 'x' })).body), ['query /count type'])

  const bad = await upload('', { name: 'ab', kind: 'other', size: 1.5 })
  t.equal(bad.status, 422)
  t.equal(bad.body.code, codes.BODY_INVALID)
  t.same(errorsOf(bad.body), ['body /id required', 'body /kind enum', 'body /name minLength', 'body /size format', 'body /size type'], 'long is an int64')
})

t.test('readOnly applies to properties sent in a body, not to parameters, array items or whole bodies', async (t) => {
  const mock = await startMock(t, { spec: cases('schema-readonly.yaml') })
  t.same(mock.notes, [])
  const alert = await fetchJson(`${mock.url}/repos/octo/hello/code-scanning/alerts/42?since_alert=7`)
  t.equal(alert.status, 200, `GitHub Enterprise's alert_number: ${JSON.stringify(alert.body)}`)
  const wrongType = await fetchJson(`${mock.url}/repos/octo/hello/code-scanning/alerts/forty-two?since_alert=x`)
  t.equal(wrongType.status, 400)
  t.same(errorsOf(wrongType.body), ['path /alert_number type', 'query /since_alert type'], 'the parameters are still checked')

  const create = (value: unknown) => fetchJson(`${mock.url}/alerts`, { method: 'POST', headers: json, body: JSON.stringify(value) })
  t.equal((await create({ title: 'leak', related: [1, 2] })).status, 201, 'array items and a required readOnly property left out')
  const sent = await create({ title: 'leak', number: 5, related: ['x'] })
  t.equal(sent.status, 422)
  t.same(errorsOf(sent.body), ['body /number readOnly', 'body /related/0 type'])

  const put = (value: string) => fetchJson(`${mock.url}/alert-numbers`, { method: 'PUT', headers: json, body: value })
  t.equal((await put('5')).status, 204, 'a readOnly schema as the whole body')
  const notNumber = await put('"five"')
  t.equal(notNumber.status, 422)
  t.same(errorsOf(notNumber.body), ['body  type'])
})

t.test('parameters are valid when a reading of their strings is: oneOf [integer, string], an enum without type, multipleOf 0.1', async (t) => {
  const mock = await startMock(t, { spec: cases('schema-parameter-readings.yaml') })
  t.same(mock.notes, [])
  const runs = (workflow: string, query = '') => fetchJson(`${mock.url}/repos/octo/hello/actions/workflows/${workflow}/runs${query}`)
  t.equal((await runs('161335')).status, 200, "GitHub's workflow_id as a number")
  t.equal((await runs('main.yml')).status, 200, "GitHub's workflow_id as a file name")
  for (const flag of ['true', 'false', '0', '1']) t.equal((await runs('1', `?flag=${flag}`)).status, 200, `enum [true, false, 0, 1] takes ${flag}`)
  t.equal((await runs('1', '?ratio=75.3')).status, 200, '75.3 is a multiple of 0.1')
  t.equal((await runs('1', '?ids=1,2,3f1c2b5e-8d4a-4c1e-9b2f-0a1b2c3d4e5f')).status, 200, 'each item reads as one branch')
  t.equal((await runs('1', '?terms=cloud+computing,security')).status, 200, "'type: string' with 'properties' is a string, not an exploded object")
  t.equal((await runs('1', '?category=15')).status, 200, 'oneOf [integer, array]: one value')
  t.equal((await runs('1', '?category=1,2,3')).status, 200, 'oneOf [integer, array]: a list of them')
  t.equal((await runs('1', '?tags=a,b,c')).status, 200, 'oneOf [string, array of 2 at most]: text with commas is the string')
  t.equal((await runs('1', '?category=1,2,3&tags=a,b,c')).status, 200, 'each parameter read the way that is valid for it')

  const bad = await runs('1', '?flag=yes&ratio=0.15&ids=0,abc&category=1,x')
  t.equal(bad.status, 400)
  t.equal(bad.body.code, codes.PARAMETER_INVALID)
  const seen = errorsOf(bad.body)
  for (const expected of ['query /flag enum', 'query /ratio multipleOf', 'query /ids/0 oneOf', 'query /ids/1 oneOf', 'query /category oneOf'])
    t.ok(seen.includes(expected), `${expected} (got ${seen.join(', ')})`)

  const measure = (value: unknown) => fetchJson(`${mock.url}/measurements`, { method: 'POST', headers: json, body: JSON.stringify(value) })
  t.equal((await measure({ weight: 75.3, price: 19.99 })).status, 204, 'multipleOf in decimal, as JSON carries it')
  t.equal((await measure({ weight: 0.3, price: 1234567.89 })).status, 204)
  const off = await measure({ weight: 75.35, price: 0.005 })
  t.equal(off.status, 422)
  t.same(errorsOf(off.body), ['body /price multipleOf', 'body /weight multipleOf'])

  const form = (value: string) =>
    fetchJson(`${mock.url}/measurements`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: value })
  t.equal((await form('ref=12')).status, 204, 'a form field reads as the integer branch')
  t.equal((await form('ref=abc')).status, 204, 'or as the string branch')
  const neither = await form('ref=ABC')
  t.equal(neither.status, 422)
  t.equal(neither.body.code, codes.BODY_INVALID)
})

t.test('security naming an undefined scheme: that scheme is not checked, the others are', async (t) => {
  const mock = await startMock(t, { spec: cases('schema-security-undefined.yaml') })
  t.match(
    notesAt(mock.notes, '/security').join(),
    /'oauth' is not a securityScheme \(components\.securitySchemes defines apiKey\): it is not checked, and requests that need it pass\./,
  )
  t.match(notesAt(mock.notes, '/paths/~1both/get/security (and 1 more place)').join(), /'legacyToken' is not a securityScheme/)
  t.equal((await fetch(`${mock.url}/inherited`)).status, 200, 'the global requirement names only an undefined scheme')
  t.equal((await fetch(`${mock.url}/either`)).status, 200, 'one alternative names only an undefined scheme')
  const missing = await fetchJson(`${mock.url}/both`)
  t.equal(missing.status, 401, 'a defined scheme beside an undefined one is still required')
  t.equal(missing.body.code, codes.AUTH_MISSING)
  t.equal((await fetch(`${mock.url}/both`, { headers: { 'x-api-key': 'k1' } })).status, 200)
})

t.test('schemas that cannot be compiled accept anything, with a note; the rest of the document is checked', async (t) => {
  const mock = await startMock(t, { spec: cases('schema-uncompilable.yaml') })
  // A $ref chain that only goes round is found when the document is read (src/spec/resolve-refs.ts), before any compiling.
  t.match(
    notesAt(mock.notes, '/paths/~1loops/post/requestBody/content/application~1json/schema').join(),
    /the \$ref chain is circular; that schema accepts any value\./,
  )
  t.match(
    mock.notes.join('\n'),
    /schema-uncompilable\.yaml: the document's schemas cannot be read together \(reference "https:\/\/example\.com\/code" resolves to more than one schema\): doorman ignores every \$id in them\./,
  )

  const post = (path: string, value: unknown) => fetchJson(`${mock.url}${path}`, { method: 'POST', headers: json, body: JSON.stringify(value) })
  t.equal((await post('/loops', { anything: [1, 'two'] })).status, 204)
  t.equal((await post('/things', { name: 'n', code: 'abcd', when: 3 })).status, 204)
  // Validators compile on first use (src/spec/lazy-rules.ts): what ajv says while compiling is a note from then on.
  t.match(
    notesAt(mock.notes, '/paths/~1things/post/requestBody/content/application~1json/schema').join(),
    /JSON Schema: "if" without "then" and "else" is ignored\./,
    "ajv's strict-mode warnings are notes",
  )
  const bad = await post('/things', { code: 'abcde' })
  t.equal(bad.status, 422)
  t.same(errorsOf(bad.body), ['body /code maxLength', 'body /name required'], 'the $id-less Code schema is still the one meant')
})

t.test('huge schemas keep compiling; one nested past what the validator can compile accepts anything', async (t) => {
  let deep: Record<string, unknown> = { type: 'string' }
  for (let i = 0; i < 600; i++) deep = { type: 'object', properties: { a: deep } }
  const wide: { type: string; properties: Record<string, unknown>; required: string[] } = { type: 'object', properties: {}, required: ['p0'] }
  for (let i = 0; i < 3000; i++) wide.properties[`p${i}`] = { type: 'integer', maximum: i }
  const operation = (schema: unknown) => ({
    post: { requestBody: { content: { 'application/json': { schema } } }, responses: { '204': { description: 'ok' } } },
  })
  const mock = await startServer({
    port: 0,
    spec: { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/deep': operation(deep), '/wide': operation(wide) } },
  })
  t.teardown(() => mock.close())
  const post = (path: string, value: unknown) => fetch(`${mock.url}${path}`, { method: 'POST', headers: json, body: JSON.stringify(value) })
  t.equal((await post('/deep', { a: { a: 1 } })).status, 204)
  // Noted when first compiled: on first use (src/spec/lazy-rules.ts).
  t.match(notesAt(mock.notes, '/paths/~1deep/post/requestBody/content/application~1json/schema').join(), /this schema cannot be compiled \(.*nests too deeply/)
  t.equal((await post('/wide', { p0: 0, p2999: 2999 })).status, 204)
  t.equal((await post('/wide', { p0: 0, p2999: 3000 })).status, 422, 'the wide one is checked')
})

t.test("a request schema bundled into a response's place is still checked", async (t) => {
  const mock = await startMock(t, { spec: cases('schema-bundled.yaml') })
  t.same(mock.notes, [])
  const post = (value: unknown) => fetchJson(`${mock.url}/pets`, { method: 'POST', headers: json, body: JSON.stringify(value) })
  t.equal((await post({ pet: { name: 'Rex', tag: 'dog' } })).status, 201)
  const bad = await post({ pet: { name: '', tag: 1 } })
  t.equal(bad.status, 422)
  t.same(errorsOf(bad.body), ['body /pet/name minLength', 'body /pet/tag type'])
})

t.test('a schema that is not one (null, a string) accepts anything, with a note', async (t) => {
  const mock = await startMock(t, { spec: fixture('adversarial', 'null-schema.yaml') })
  t.match(
    notesAt(mock.notes, '/paths/~1items/post/requestBody/content/application~1json/schema/properties/name').join(),
    /a schema must be an object \(or true\/false\), got null: it accepts anything/,
  )
  const post = (value: unknown) => fetchJson(`${mock.url}/items`, { method: 'POST', headers: json, body: JSON.stringify(value) })
  t.equal((await post({ name: ['anything', 1] })).status, 201)
  const notObject = await post(['a list'])
  t.equal(notObject.status, 422, 'the schema around it is still checked')
  t.equal(notObject.body.code, codes.BODY_INVALID)

  const inline = await startServer({
    port: 0,
    spec: {
      openapi: '3.1.0',
      info: { title: 't', version: '1' },
      paths: { '/x': { post: { requestBody: { content: { 'application/json': { schema: 'a string' } } }, responses: { '204': { description: 'ok' } } } } },
    },
  })
  t.teardown(() => inline.close())
  t.match(
    inline.notes.join('\n'),
    /^<inline spec>: \/paths\/~1x\/post\/requestBody\/content\/application~1json\/schema: a schema must be an object \(or true\/false\), got "a string"/m,
  )
  t.equal((await fetch(`${inline.url}/x`, { method: 'POST', headers: json, body: '{"any": 1}' })).status, 204)
})
