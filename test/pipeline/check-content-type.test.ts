import t from 'tap'
import { codes } from '../../src/index.js'
import { suggestMediaType } from '../../src/pipeline/check-content-type.js'
import { fetchJson, fixture, run, startMock } from '../helpers.js'

const thing = { name: 'widget', parts: [{ qty: 1 }] }

t.test('content type, over a real socket', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'rules.yaml') })
  const post = (path: string, contentType: string | undefined, body: string, headers: Record<string, string> = {}) =>
    fetchJson(`${mock.url}${path}`, {
      method: 'POST',
      body,
      headers: { ...(contentType === undefined ? {} : { 'content-type': contentType }), ...headers },
    })

  t.test('documented types pass, case-insensitively and with parameters', async (t) => {
    for (const type of ['application/json', 'Application/JSON', 'application/json; charset=UTF-8', 'application/vnd.acme+json']) {
      const { status } = await post('/things', type, JSON.stringify(thing))
      t.equal(status, 201, type)
    }
  })

  t.test('a typo gets 415 with Accept-Post and a suggestion', async (t) => {
    for (const typo of ['application/jsn', 'aplication/json', 'text/json', 'json']) {
      const { status, body, headers } = await post('/things', typo, JSON.stringify(thing))
      t.equal(status, 415, typo)
      t.equal(headers.get('content-type'), 'application/problem+json; charset=utf-8')
      t.equal(body.code, codes.CONTENT_TYPE_UNSUPPORTED)
      t.equal(headers.get('accept-post'), 'application/json, application/vnd.acme+json')
      t.equal(body.suggestion, 'application/json', typo)
      t.match(body.detail, /Did you mean 'application\/json'\?/)
      t.same(body.expected, ['application/json', 'application/vnd.acme+json'])
    }
  })

  t.test('a type far from any documented one gets no suggestion', async (t) => {
    const { body } = await post('/things', 'image/png', 'x')
    t.equal(body.code, codes.CONTENT_TYPE_UNSUPPORTED)
    t.notOk(body.suggestion)
    t.notMatch(body.detail, /Did you mean/)
  })

  t.test('a body without Content-Type is CONTENT_TYPE_MISSING', async (t) => {
    // fetch adds text/plain to a string body; a Uint8Array goes without one.
    const { status, body } = await fetchJson(`${mock.url}/things`, { method: 'POST', body: new TextEncoder().encode('{}') })
    t.equal(status, 415)
    t.equal(body.code, codes.CONTENT_TYPE_MISSING)
    t.match(body.detail, /no Content-Type header; add Content-Type: application\/json/)
  })

  t.test('PATCH answers with Accept-Patch; PUT with Accept', async (t) => {
    const patch = await fetchJson(`${mock.url}/things/1`, { method: 'PATCH', body: '{}', headers: { 'content-type': 'application/json' } })
    t.equal(patch.status, 415)
    t.equal(patch.headers.get('accept-patch'), 'application/merge-patch+json')
    const ok = await fetchJson(`${mock.url}/things/1`, {
      method: 'PATCH',
      body: '{"name":"x"}',
      headers: { 'content-type': 'application/merge-patch+json' },
    })
    t.equal(ok.status, 200)
    const put = await fetchJson(`${mock.url}/things/1`, { method: 'PUT', body: 'x', headers: { 'content-type': 'text/plain' } })
    t.equal(put.status, 415)
    t.equal(put.headers.get('accept'), 'application/json')
  })

  t.test('a body sent to an operation that takes none is refused', async (t) => {
    const { status, body } = await fetchJson(`${mock.url}/things/1`, {
      method: 'DELETE',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    })
    t.equal(status, 415)
    t.equal(body.code, codes.CONTENT_TYPE_UNSUPPORTED)
    t.match(body.detail, /takes no request body/)
  })

  t.test('JSON must be UTF-8', async (t) => {
    const { status, body } = await post('/things', 'application/json; charset=iso-8859-1', JSON.stringify(thing))
    t.equal(status, 415)
    t.equal(body.received, 'charset=iso-8859-1')
    t.match(body.detail, /UTF-8/)
  })

  t.test('wildcards in the spec accept whole families', async (t) => {
    t.equal((await post('/any', 'application/vnd.custom+json', '{}')).status, 200)
    // application/* takes any subtype, but the schema still applies: bytes are no object
    t.equal((await post('/any', 'application/x-custom', '{}')).status, 422)
    t.equal((await post('/any', 'text/csv', 'a,b')).status, 200)
    t.equal((await post('/any', 'image/png', 'x')).status, 415)
  })

  t.test('an unknown Content-Encoding is 415 with Accept-Encoding', async (t) => {
    const { status, body, headers } = await post('/things', 'application/json', '{}', { 'content-encoding': 'zstd' })
    t.equal(status, 415)
    t.equal(body.code, codes.CONTENT_ENCODING_UNSUPPORTED)
    t.equal(headers.get('accept-encoding'), 'gzip, deflate, br')
  })

  t.test('curl sees the same 415 and the header', async (t) => {
    const { stdout } = await run('curl', ['-s', '-i', `${mock.url}/things`, '-H', 'Content-Type: application/jsn', '-d', '{}'])
    t.match(stdout, /^HTTP\/1\.1 415 Unsupported Media Type\r\n/)
    t.match(stdout, /accept-post: application\/json, application\/vnd\.acme\+json/i)
    t.match(stdout, /"code":"CONTENT_TYPE_UNSUPPORTED"/)
  })
})

t.test('suggestMediaType', async (t) => {
  const accepted = ['application/json', 'application/xml', 'multipart/form-data']
  t.equal(suggestMediaType('application/jsno', accepted), 'application/json')
  t.equal(suggestMediaType('xml', accepted), 'application/xml')
  t.equal(suggestMediaType('text/xml', accepted), 'application/xml')
  t.equal(suggestMediaType('multipart/formdata', accepted), 'multipart/form-data')
  t.equal(suggestMediaType('video/mp4', accepted), undefined)
})
