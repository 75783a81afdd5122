/**
 * An exploded form-style object in the query (OpenAPI's style table: `R=100&G=200&B=150`) takes its own
 * properties from the query string, not the keys of the other parameters nor the credentials sent there.
 * Before, `?status=open&api_key=k1` was refused: "/filter/api_key is not a declared property".
 */
import t from 'tap'
import { codes } from '../../src/index.js'
import { fetchJson, fixture, startMock } from '../helpers.js'

const SPEC = fixture('specs', 'real-world-cases', 'params-exploded-form-object.yaml')
const pointers = (body: { errors: Array<{ pointer: string; keyword: string }> }) => body.errors.map((e) => `${e.pointer} ${e.keyword}`).sort()

t.test('a closed exploded object (additionalProperties: false) beside an API key in the query', async (t) => {
  const mock = await startMock(t, { spec: SPEC, config: { auth: { apiKeys: { apiKey: ['k1'] } } } })
  const get = (query: string) => fetchJson(`${mock.url}/issues?${query}`)

  t.test('valid requests are accepted', async (t) => {
    for (const query of ['status=open&api_key=k1', 'api_key=k1', 'status=closed&label=bug&label=ui&page=2&api_key=k1', 'label=bug&api_key=k1']) {
      const { status, body } = await get(query)
      t.equal(status, 200, `${query}: ${JSON.stringify(body)}`)
    }
  })

  t.test('any other key is the object’s, by the style table: the closed object refuses it, naming what it declares', async (t) => {
    const typo = await get('statsu=open&api_key=k1')
    t.equal(typo.status, 400)
    t.match(typo.body.errors, [
      { location: 'query', pointer: '/filter/statsu', keyword: 'additionalProperties', message: "is not a declared property (did you mean 'status'?)" },
    ])
  })

  t.test('bad values are still refused, each under its own parameter', async (t) => {
    const bad = await get('status=gone&page=0&api_key=k1')
    t.equal(bad.status, 400)
    t.equal(bad.body.code, codes.PARAMETER_INVALID)
    t.same(pointers(bad.body), ['/filter/status enum', '/page minimum'], 'page is its own parameter, not a property of filter')
  })

  t.test('the API key is still required and checked', async (t) => {
    t.equal((await get('status=open')).status, 401)
    const wrong = await get('status=open&api_key=nope')
    t.equal(wrong.status, 401)
    t.equal(wrong.body.code, codes.API_KEY_INVALID)
  })
})

t.test('an open exploded object (a free-form map) beside an RFC 6750 access_token', async (t) => {
  const mock = await startMock(t, { spec: SPEC, config: { auth: { bearer: { tokens: ['t-1'] } } } })
  const get = (query: string) => fetchJson(`${mock.url}/search?${query}`)
  const ok = await get('size=3&colour=0&access_token=t-1')
  t.equal(ok.status, 200, 'the token is not a facet (it would fail the map’s integer values)')
  t.equal((await get('access_token=t-1')).status, 200, 'no facets at all')
  const bad = await get('size=big&access_token=t-1')
  t.equal(bad.status, 400)
  t.same(pointers(bad.body), ['/facets/size type'])
  t.equal((await get('size=3')).status, 401, 'the token is still required')
})

t.test('an object that declares properties and says nothing of others takes any key; rejectUnknownProperties closes it', async (t) => {
  const doc = {
    openapi: '3.1.0',
    info: { title: 'colours', version: '1' },
    paths: {
      '/paint': {
        get: {
          parameters: [
            { name: 'color', in: 'query', schema: { type: 'object', properties: { R: { type: 'integer' }, G: { type: 'integer' }, B: { type: 'integer' } } } },
            { name: 'gloss', in: 'query', schema: { type: 'boolean' } },
          ],
          responses: { '204': { description: 'painted' } },
        },
      },
    },
  }
  const open = await startMock(t, { spec: doc })
  t.equal((await fetchJson(`${open.url}/paint?R=100&G=200&B=150&gloss=true&cb=123`)).status, 204)
  const bad = await fetchJson(`${open.url}/paint?R=red&gloss=maybe`)
  t.equal(bad.status, 400)
  t.same(pointers(bad.body), ['/color/R type', '/gloss type'], 'gloss is its own parameter')

  const strict = await startMock(t, { spec: doc, config: { validation: { rejectUnknownProperties: true } } })
  t.equal((await fetchJson(`${strict.url}/paint?R=100&gloss=true`)).status, 204)
  const unknown = await fetchJson(`${strict.url}/paint?R=100&Bl=200&gloss=true`)
  t.equal(unknown.status, 400)
  t.match(unknown.body.errors, [{ pointer: '/color/Bl', message: "is not a declared property (did you mean 'B'?)" }])
})

t.test('two exploded objects share the query string by what each declares', async (t) => {
  const object = (properties: string[]) => ({
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(properties.map((p) => [p, { type: 'integer' }])),
  })
  const doc = {
    openapi: '3.1.0',
    info: { title: 'two objects', version: '1' },
    paths: {
      '/box': {
        get: {
          parameters: [
            { name: 'size', in: 'query', style: 'form', explode: true, schema: object(['width', 'height']) },
            { name: 'offset', in: 'query', style: 'form', explode: true, schema: object(['x', 'y']) },
          ],
          responses: { '204': { description: 'ok' } },
        },
      },
    },
  }
  const mock = await startMock(t, { spec: doc })
  t.equal((await fetchJson(`${mock.url}/box?width=3&height=4&x=1&y=2`)).status, 204)
  const bad = await fetchJson(`${mock.url}/box?width=3&x=left&depth=9`)
  t.equal(bad.status, 400)
  t.same(pointers(bad.body), ['/offset/depth additionalProperties', '/offset/x type', '/size/depth additionalProperties'])
})
