// A document with mistakes still serves: each mistake is a start-up note (file, pointer,
// what doorman does instead), the fallback behaves as the note says, and everything
// else in the document is still enforced.
import t from 'tap'
import { codes } from '../../src/index.js'
import { loadSpec } from '../../src/spec/load-spec.js'
import { fixture, startMock } from '../helpers.js'

const CASES = (name: string) => fixture('specs', 'real-world-cases', name)
const SHOWN = 'fixtures/specs/real-world-cases/'

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

t.test("no 'info' and an unquoted `openapi: 3.0`: notes, and the API serves", async (t) => {
  const mock = await startMock(t, { spec: CASES('load-missing-info.yaml') })
  t.same(mock.startupNotes, [
    { kind: 'document', where: `${SHOWN}load-missing-info.yaml: /openapi`, message: "openapi '3.0' is not a version doorman knows; read as OpenAPI 3.0." },
    {
      kind: 'document',
      where: `${SHOWN}load-missing-info.yaml: /info`,
      message: `the required 'info' object is missing; doorman calls the API "load-missing-info.yaml", version 0.`,
    },
  ])
  const ping = await fetch(`${mock.url}/ping`)
  t.equal(ping.status, 200)
  t.same(await ping.json(), { pong: true })
  t.equal((await fetch(`${mock.url}/echo`, json({ say: 'hi' }))).status, 200, 'a valid body is accepted')
  const refused = await fetch(`${mock.url}/echo`, json({ shout: 'hi' }))
  t.equal(refused.status, 422, 'and an invalid one still refused')
  t.equal((await refused.json()).code, codes.BODY_INVALID)
})

t.test("'info' without a version, and 3.0 without 'paths': notes, and a mock that answers 404", async (t) => {
  const mock = await startMock(t, { spec: CASES('load-info-without-version.json') })
  t.same(
    mock.startupNotes.map((note) => [note.where, note.message]),
    [
      [`${SHOWN}load-info-without-version.json: /info/version`, `'info.version' is missing; read as "0".`],
      [`${SHOWN}load-info-without-version.json: /paths`, "the required 'paths' object is missing (OpenAPI 3.0 requires it); no operation is served."],
    ],
  )
  const res = await fetch(`${mock.url}/anything`)
  t.equal(res.status, 404)
  t.equal((await res.json()).code, codes.ROUTE_NOT_FOUND)
  t.equal((await fetch(`${mock.url}/__doorman/health`)).status, 200, 'the admin API is there')
})

t.test('a version number YAML read as a number is read as the text the author meant', async (t) => {
  const spec = await loadSpec({ openapi: '3.1.0', info: { title: 't', version: 1.5 }, paths: {} })
  t.equal(spec.document.info.version, '1.5')
  t.match(spec.notes.list, [{ kind: 'document', where: '<inline spec>: /info/version', message: `'info.version' must be a string, got 1.5; read as "1.5".` }])
})

t.test('OpenAPI 3.2 is read as 3.1, with a note', async (t) => {
  const spec = await loadSpec({ openapi: '3.2.0', info: { title: 't', version: '1' }, paths: {} })
  t.equal(spec.version, '3.1')
  t.match(spec.notes.list, [{ kind: 'document', message: "openapi '3.2.0' is not a version doorman knows; read as OpenAPI 3.1." }])
})

t.test('unresolvable $refs: a note each, a stand-in that accepts anything, the rest enforced', async (t) => {
  const mock = await startMock(t, { spec: CASES('load-unresolvable-refs.yaml') })
  const file = `${SHOWN}load-unresolvable-refs.yaml`
  const body = '/paths/~1notes/post/requestBody/content/application~1json/schema/properties'
  t.same(
    mock.startupNotes.filter((note) => note.kind === 'ref').map((note) => `${note.where}: ${note.message}`),
    [
      `${file}: /paths/~1notes/post/parameters/0: cannot resolve $ref '#/components/parameters/Missing': there is no '/components/parameters'; the parameter is left out (not checked).`,
      `${file}: ${body}/author: cannot resolve $ref 'https://schemas.example.com/person.json': doorman does not fetch $refs over the network (download the file and $ref it by its path); that schema accepts any value.`,
      `${file}: ${body}/tags: cannot resolve $ref './parts/no-such-file.yaml': there is no file ${SHOWN}parts/no-such-file.yaml; that schema accepts any value.`,
      `${file}: /paths/~1notes/post/responses/201: cannot resolve $ref '#/components/responses/Missing': there is no '/components/responses'; that response is answered with no body.`,
      `${file}: /paths/~1archive/post/requestBody: cannot resolve $ref '#/components/requestBodies/Nope': there is no '/components/requestBodies'; any request body is accepted.`,
      // A broken $ref inside a file the document $refs points into that file.
      `${SHOWN}parts/refs-part.yaml: /Meta/properties/owner: cannot resolve $ref '#/Owner': there is no 'Owner'; that schema accepts any value.`,
    ],
  )

  const anything = { text: 'hi', author: 12, tags: 'not a list', meta: { source: 'abc', owner: [1, 2] } }
  const created = await fetch(`${mock.url}/notes`, json(anything))
  t.equal(created.status, 201, 'what the broken $refs stood for accepts any value')
  t.equal(await created.text(), '', 'the stand-in response has no body')
  t.equal((await fetch(`${mock.url}/notes?limit=3`, json(anything))).status, 201, 'the parameter beside the broken one is read')

  const tooBig = await fetch(`${mock.url}/notes?limit=99`, json(anything))
  t.equal(tooBig.status, 400, 'the parameter beside the broken one is still checked')
  const wrongText = await fetch(`${mock.url}/notes`, json({ ...anything, text: 5 }))
  t.equal(wrongText.status, 422, 'the rest of the schema is still checked')
  t.match((await wrongText.json()).errors, [{ pointer: '/text', keyword: 'type' }])
  const longSource = await fetch(`${mock.url}/notes`, json({ ...anything, meta: { source: 'far too long' } }))
  t.equal(longSource.status, 422, "the $ref'd file is still enforced where it resolves")
  t.match((await longSource.json()).errors, [{ pointer: '/meta/source', keyword: 'maxLength' }])

  const archived = await fetch(`${mock.url}/archive`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'any old thing' })
  t.equal(archived.status, 204, 'an unresolvable requestBody accepts any body')
  t.equal((await fetch(`${mock.url}/ping`)).status, 200, 'operations without a broken $ref are untouched')
})

t.test('a $ref chain that goes round in a circle, and one that ends in a broken link', async (t) => {
  const spec = await loadSpec({
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: {
      '/x': {
        get: {
          parameters: [
            { $ref: '#/components/parameters/A' },
            { $ref: '#/components/parameters/Broken' },
            { name: 'q', in: 'query', schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'ok' } },
        },
      },
    },
    components: {
      parameters: { A: { $ref: '#/components/parameters/B' }, B: { $ref: '#/components/parameters/A' }, Broken: { $ref: '#/components/parameters/Gone' } },
    },
  })
  const messages = spec.notes.list.map((note) => `${note.where}: ${note.message}`)
  t.match(messages.join('\n'), /\/components\/parameters\/A: cannot resolve \$ref '#\/components\/parameters\/B': the \$ref chain is circular/)
  t.match(
    messages.join('\n'),
    /\/components\/parameters\/Broken: cannot resolve \$ref '#\/components\/parameters\/Gone': there is no 'Gone'; it is left out, and so is every parameter that \$refs it\./,
  )
  const params = (spec.document.paths!['/x'] as { get: { parameters: unknown[] } }).get.parameters
  t.same(params, [{ name: 'q', in: 'query', schema: { type: 'string' } }], 'only the parameter that resolves is left')
})

t.test('a $ref to a schema by its $id is not a remote $ref', async (t) => {
  const spec = await loadSpec({
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: {},
    components: {
      schemas: { Id: { $id: 'https://example.com/schemas/id', type: 'string' }, User: { properties: { id: { $ref: 'https://example.com/schemas/id' } } } },
    },
  })
  t.same(spec.notes.list, [])
})

t.test('an unresolvable security scheme passes requests unchecked; a header $ref takes any value', async (t) => {
  const mock = await startMock(t, {
    spec: {
      openapi: '3.0.3',
      info: { title: 't', version: '1' },
      security: [{ key: [] }],
      paths: {
        '/x': {
          get: {
            responses: {
              '200': {
                description: 'ok',
                headers: { 'X-Rate': { $ref: '#/components/headers/Gone' } },
                content: { 'application/json': { example: { ok: true } } },
              },
            },
          },
        },
      },
      components: { securitySchemes: { key: { $ref: '#/components/securitySchemes/Nope' } } },
    },
  })
  const notes = mock.startupNotes.map((note) => `${note.where}: ${note.message}`).join('\n')
  t.match(
    notes,
    /<inline spec>: \/components\/securitySchemes\/key: cannot resolve \$ref '#\/components\/securitySchemes\/Nope': there is no 'Nope'; requests that need that scheme pass unchecked\./,
  )
  t.match(
    notes,
    /\/paths\/~1x\/get\/responses\/200\/headers\/X-Rate: cannot resolve \$ref '#\/components\/headers\/Gone': there is no '\/components\/headers'; that header takes any value\./,
  )
  const res = await fetch(`${mock.url}/x`)
  t.equal(res.status, 200, 'no credentials needed for a scheme doorman cannot read')
  t.same(await res.json(), { ok: true })
})
