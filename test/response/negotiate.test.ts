import t from 'tap'
import { codes } from '../../src/index.js'
import { isJsonMediaType, negotiate, parseAccept } from '../../src/response/negotiate.js'
import { essence } from '../../src/util/media-type.js'
import { fetchJson, startMock } from '../helpers.js'

const ORDER = ['application/json', 'application/xml']

t.test('parseAccept reads ranges and q-values', async (t) => {
  t.same(parseAccept('application/json, text/*;q=0.5, */*; q=0.1'), [
    { type: 'application', subtype: 'json', q: 1 },
    { type: 'text', subtype: '*', q: 0.5 },
    { type: '*', subtype: '*', q: 0.1 },
  ])
  t.same(parseAccept('Application/JSON;charset=utf-8'), [{ type: 'application', subtype: 'json', q: 1 }], 'case-insensitive, params other than q ignored')
  t.same(parseAccept('json, ,text/plain;q=abc'), [{ type: 'text', subtype: 'plain', q: 0 }], 'junk ranges dropped, junk q is 0')
})

t.test('among offers the client takes alike, one the mock can send as it says wins', async (t) => {
  const XML_FIRST = ['application/xml', 'application/json']
  const json = (offer: string) => offer === 'application/json'
  t.equal(negotiate('*/*', XML_FIRST, json), 'application/json', "curl's and fetch's */*")
  t.equal(negotiate(undefined, XML_FIRST, json), 'application/json', 'no Accept')
  t.equal(negotiate('application/xml, application/json', XML_FIRST, json), 'application/json', 'equal q')
  t.equal(negotiate('application/xml', XML_FIRST, json), 'application/xml', 'asked for by name: still the one asked for')
  t.equal(negotiate('application/xml, application/json;q=0.5', XML_FIRST, json), 'application/xml', 'a higher q still wins')
  t.equal(negotiate('*/*', XML_FIRST), 'application/xml', 'without the tie-breaker, the document order')
})

t.test('negotiate picks the offer the client prefers', async (t) => {
  t.equal(negotiate(undefined, ORDER), 'application/json', 'no Accept: the first documented type')
  t.equal(negotiate('', ORDER), 'application/json')
  t.equal(negotiate('*/*', ORDER), 'application/json')
  t.equal(negotiate('application/xml', ORDER), 'application/xml')
  t.equal(negotiate('application/*', ORDER), 'application/json', 'ties keep the document order')
  t.equal(negotiate('application/xml;q=0.5, application/json;q=0.9', ORDER), 'application/json')
  t.equal(negotiate('application/json;q=0.1, application/xml', ORDER), 'application/xml')
  t.equal(negotiate('application/json;q=0, */*', ORDER), 'application/xml', 'q=0 excludes, even under */*')
  t.equal(negotiate('text/csv', ORDER), undefined)
  t.equal(negotiate('application/json;q=0', ORDER), undefined)
  t.equal(negotiate('text/csv', []), undefined)
  t.equal(negotiate('application/json; charset=utf-8', ['application/json; charset=utf-8']), 'application/json; charset=utf-8')
  t.equal(negotiate('application/*;q=0.2, application/xml', ORDER), 'application/xml', 'the most specific range sets the q')
})

t.test('offers with wildcards (the spec says "any type") fit every overlapping range', async (t) => {
  t.equal(negotiate('text/csv', ['*/*']), '*/*')
  t.equal(negotiate('application/xml', ['application/*']), 'application/*')
  t.equal(negotiate('text/csv', ['application/*']), undefined)
})

t.test('essence and JSON media types', async (t) => {
  t.equal(essence('Application/Problem+JSON; charset=utf-8'), 'application/problem+json')
  t.ok(isJsonMediaType('application/json'))
  t.ok(isJsonMediaType('application/merge-patch+json'))
  t.notOk(isJsonMediaType('application/xml'))
  t.notOk(isJsonMediaType('text/plain'))
})

t.test('Accept over a real socket', async (t) => {
  const mock = await startMock(t, {
    spec: {
      openapi: '3.1.0',
      info: { title: 'negotiation', version: '1' },
      paths: {
        '/orders/{orderId}': {
          parameters: [{ name: 'orderId', in: 'path', required: true, schema: { type: 'string' } }],
          get: {
            operationId: 'getOrder',
            responses: {
              '200': {
                description: 'the order, as JSON or XML',
                content: {
                  'application/json': { example: { id: 'o-1001' } },
                  'application/xml': { example: '<order><id>o-1001</id></order>' },
                },
              },
            },
          },
        },
        '/anything': {
          get: {
            operationId: 'anything',
            responses: {
              '200': { description: 'any type', content: { '*/*': { example: 'hello' } } },
              '201': { description: 'any type', content: { '*/*': { example: { hello: true } } } },
            },
          },
        },
      },
    },
  })
  const url = `${mock.url}/orders/o-1001`

  const xml = await fetch(url, { headers: { accept: 'application/xml' } })
  t.equal(xml.status, 200)
  t.match(xml.headers.get('content-type'), /^application\/xml/)
  t.equal(await xml.text(), '<order><id>o-1001</id></order>', 'a string example is sent as it is')

  const weighted = await fetchJson(url, { headers: { accept: 'application/xml;q=0.5, application/json;q=0.9' } })
  t.match(weighted.headers.get('content-type'), /^application\/json/)
  t.same(weighted.body, { id: 'o-1001' })

  const preferXml = await fetch(url, { headers: { accept: 'application/json;q=0.1, application/xml' } })
  t.match(preferXml.headers.get('content-type'), /^application\/xml/)
  await preferXml.arrayBuffer()

  const csv = await fetchJson(url, { headers: { accept: 'text/csv' } })
  t.equal(csv.status, 406)
  t.match(csv.headers.get('content-type'), /^application\/problem\+json/)
  t.equal(csv.body.code, codes.NOT_ACCEPTABLE)
  t.equal(csv.body.step, 'respond')
  t.same(csv.body.expected, ['application/json', 'application/xml'])
  t.equal(csv.body.received, 'text/csv')
  t.equal(
    csv.body.detail,
    "GET /orders/{orderId} answers 200 as application/json or application/xml, but the request's Accept is 'text/csv'; accept one of those (or */*).",
  )
  const [entry] = await mock.journal.waitFor({ code: codes.NOT_ACCEPTABLE })
  t.equal(entry.status, 406)

  const anyText = await fetch(`${mock.url}/anything`, { headers: { accept: 'text/csv' } })
  t.equal(anyText.status, 200, 'a */* response satisfies any Accept')
  t.match(anyText.headers.get('content-type'), /^text\/csv/, 'named after what the client asked for')
  t.equal(await anyText.text(), 'hello')

  const plain = await fetch(`${mock.url}/anything`)
  t.match(plain.headers.get('content-type'), /^text\/plain/, 'a string example is text/plain')
  t.equal(await plain.text(), 'hello', 'not JSON-quoted')

  const object = await fetchJson(`${mock.url}/anything`, { headers: { prefer: 'code=201' } })
  t.match(object.headers.get('content-type'), /^application\/json/)
  t.same(object.body, { hello: true })
})
