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

  t.test('a key the closed object cannot hold is a stray query parameter, ignored like any undocumented one', async (t) => {
    t.equal((await get('status=open&utm_source=mail&api_key=k1')).status, 200)
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

t.test('with validation.rejectUnknownProperties, the object takes its declared properties only', async (t) => {
  const doc = {
    openapi: '3.0.3',
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
  const mock = await startMock(t, { spec: doc, config: { validation: { rejectUnknownProperties: true } } })
  t.equal((await fetchJson(`${mock.url}/paint?R=100&G=200&B=150&gloss=true&cb=123`)).status, 204)
  const bad = await fetchJson(`${mock.url}/paint?R=red&gloss=maybe`)
  t.equal(bad.status, 400)
  t.same(pointers(bad.body), ['/color/R type', '/gloss type'])
})
