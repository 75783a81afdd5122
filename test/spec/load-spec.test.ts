import { readFileSync } from 'node:fs'
import t from 'tap'
import { parse } from 'yaml'
import { SetupError } from '../../src/index.js'
import { loadSpec, parseYaml } from '../../src/spec/load-spec.js'
import { compileRouteTable } from '../../src/spec/route-table.js'
import { DEFAULT_SPEC, fixture } from '../helpers.js'

/** Every `$ref` left in the bundled document, wherever it sits. */
function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => refsIn(item, out))
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') out.push(child)
      else refsIn(child, out)
    }
  }
  return out
}

/** The SetupError from loading the document and compiling its route table (what `doorman check` does). */
async function loadError(source: string | object): Promise<SetupError> {
  try {
    compileRouteTable(await loadSpec(source))
  } catch (error) {
    if (error instanceof SetupError) return error
    throw error
  }
  throw new Error(`loadSpec(${typeof source === 'string' ? source : 'object'}) did not fail`)
}

t.test('OpenAPI 3.0 in YAML', async (t) => {
  const spec = await loadSpec(fixture('specs', 'petstore-3.0.yaml'))
  t.equal(spec.version, '3.0')
  t.equal(spec.document.openapi, '3.0.3')
  t.equal(spec.file, fixture('specs', 'petstore-3.0.yaml'), 'the file is kept as an absolute path')
  t.equal(spec.document.servers?.[0]?.url, 'http://localhost/api/v1')
  t.ok(spec.document.paths?.['/pets/{petId}/owner'])
})

t.test('OpenAPI 3.1 in YAML (the default spec)', async (t) => {
  const spec = await loadSpec(DEFAULT_SPEC)
  t.equal(spec.version, '3.1')
  t.equal(spec.document.info.title, 'Orders API')
  t.ok(
    refsIn(spec.document).every((ref) => ref.startsWith('#/')),
    'internal $refs stay as they are',
  )
  t.ok(refsIn(spec.document).includes('#/components/schemas/NewOrder'))
})

t.test('OpenAPI 3.1 in JSON', async (t) => {
  const spec = await loadSpec(fixture('specs', 'minimal-3.1.json'))
  t.equal(spec.version, '3.1')
  t.same(Object.keys(spec.document.paths ?? {}), ['/ping'])
})

t.test('$refs to other files are pulled into one document', async (t) => {
  const spec = await loadSpec(fixture('specs', 'split', 'main.yaml'))
  const widgets = spec.document.paths?.['/widgets'] as Record<string, { operationId: string }>
  t.equal(widgets.get?.operationId, 'listWidgets', 'the path item comes from paths/widgets.yaml')
  t.equal(widgets.post?.operationId, 'createWidget')
  const refs = refsIn(spec.document)
  t.ok(refs.length > 0, 'the shared schema is referenced, not copied everywhere')
  t.same(
    refs.filter((ref) => !ref.startsWith('#')),
    [],
    'no $ref to another file is left',
  )
  t.equal(spec.document.servers?.[0]?.url, '/v2')
})

t.test('the document can be passed as an object, and is not changed', async (t) => {
  const raw = parse(readFileSync(DEFAULT_SPEC, 'utf8')) as Record<string, unknown>
  const before = JSON.stringify(raw)
  const spec = await loadSpec(raw)
  t.equal(spec.version, '3.1')
  t.equal(spec.document.info.title, 'Orders API')
  t.match(spec.file, /<inline>$/)
  t.equal(JSON.stringify(raw), before, "the caller's object is left untouched")

  const error = await loadError({ info: { title: 'x', version: '1' }, paths: {} })
  t.match(error.message, /^<inline spec>: \/openapi: /, 'errors in an object name it as the inline spec')
  const noted = await loadSpec({ openapi: '3.1.0', info: { title: 'x' } })
  t.match(noted.notes.list[0], { kind: 'document', where: '<inline spec>: /info/version' }, 'and so do notes')
})

t.test('OpenAPI 3.1 without paths (webhooks only) loads', async (t) => {
  const spec = await loadSpec({ openapi: '3.1.0', info: { title: 'hooks', version: '1' }, webhooks: {} })
  t.equal(spec.document.paths, undefined)
})

// Only what is no YAML/JSON, or no OpenAPI/Swagger document at all, stops start-up; the rest is notes
// (test/spec/tolerant-loading.test.ts). The other files in broken/ belong to the route table's tests.
const REFUSED = ['yaml-syntax.yaml', 'json-syntax.json', 'not-openapi.yaml', 'unsupported-version.yaml', 'swagger-1.2.yaml']

t.test('every refused fixture stops with a SetupError naming the file', async (t) => {
  for (const name of REFUSED) {
    const error = await loadError(fixture('specs', 'broken', name))
    t.match(error.message, /^fixtures\/specs\/broken\//, `${name}: names a file`)
    t.ok(error.location, `${name}: names a location (${error.message})`)
    t.notMatch(error.message, /\n/, `${name}: one line`)
  }
})

t.test('each refused fixture says where and what', async (t) => {
  const cases: Array<[string, { location: RegExp | string; message: RegExp }]> = [
    ['yaml-syntax.yaml', { location: /^6:\d+$/, message: /^fixtures\/specs\/broken\/yaml-syntax\.yaml: 6:\d+: YAML syntax error: / }],
    ['not-openapi.yaml', { location: '/openapi', message: /not an OpenAPI document: the top-level 'openapi' field/ }],
    ['unsupported-version.yaml', { location: '/openapi', message: /unsupported OpenAPI version '4\.0\.0'/ }],
    ['swagger-1.2.yaml', { location: '/swagger', message: /unsupported Swagger version '1\.2': doorman reads Swagger 2\.0 and OpenAPI 3\.0 and 3\.1/ }],
    ['json-syntax.json', { location: /^\d+:\d+$/, message: /^fixtures\/specs\/broken\/json-syntax\.json: \d+:\d+: YAML syntax error: / }],
  ]
  for (const [name, expected] of cases) {
    const error = await loadError(fixture('specs', 'broken', name))
    t.equal(error.file, `fixtures/specs/broken/${name}`, `${name}: file`)
    if (typeof expected.location === 'string') t.equal(error.location, expected.location, `${name}: location`)
    else t.match(error.location, expected.location, `${name}: location`)
    t.match(error.message, expected.message, `${name}: message`)
  }
})

t.test('a YAML error inside a $ref’d file is a note naming that file and its line; the other paths serve', async (t) => {
  const spec = await loadSpec(fixture('specs', 'real-world-cases', 'load-ref-to-broken-yaml.yaml'))
  t.same(
    spec.notes.list.map((note) => note.kind),
    ['ref'],
  )
  t.match(
    spec.notes.list[0].message,
    /^cannot resolve \$ref '\.\.\/broken\/yaml-syntax\.yaml#\/paths\/~1ping': fixtures\/specs\/broken\/yaml-syntax\.yaml: 6:\d+: YAML syntax error: .*; that path is not served\.$/,
  )
  t.ok(spec.files.includes(fixture('specs', 'broken', 'yaml-syntax.yaml')), 'the broken file is watched: fixing it reloads the spec')
  t.same(
    compileRouteTable(spec).operations.map((op) => op.id),
    ['health'],
    'the other path is served',
  )
})

t.test('a missing spec file', async (t) => {
  const error = await loadError(fixture('specs', 'no-such-spec.yaml'))
  t.equal(error.message, 'fixtures/specs/no-such-spec.yaml: cannot read the OpenAPI document: no such file')
})

t.test('a document that is not a mapping', async (t) => {
  const error = await loadError(['openapi', '3.1.0'])
  t.equal(error.location, '/')
  t.match(error.message, /expected a mapping at the top level/)
})

t.test('parseYaml reports line:column for syntax errors and duplicate keys', async (t) => {
  t.same(parseYaml('a: 1\nb: [1, 2]\n', 'x.yaml'), { a: 1, b: [1, 2] })
  t.throws(() => parseYaml('a: 1\nb: 2\na: 3\n', 'dup.yaml'), {
    name: 'SetupError',
    file: 'dup.yaml',
    location: '3:1',
    message: /^dup\.yaml: 3:1: YAML syntax error: Map keys must be unique$/,
  })
  t.throws(() => parseYaml('{"a": 1,\n  "b": [1, 2}\n', 'x.json'), { name: 'SetupError', location: /^2:\d+$/ })
})
