/**
 * Documented response headers are checked against their schemas, not only for presence: a header value is text,
 * read as OpenAPI's `simple` style says (a number, a boolean, a comma-separated list) where the schema wants one.
 * The answer passes back unchanged either way; a value that breaks its schema is a violation naming the header.
 */
import http from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { startMock } from '../helpers.js'

const spec = {
  openapi: '3.0.3',
  info: { title: 'headers', version: '1' },
  paths: {
    '/limits': {
      get: {
        responses: {
          '200': {
            description: 'ok',
            headers: {
              'X-Rate-Limit': { schema: { type: 'integer', minimum: 1 } },
              'X-Flags': { schema: { type: 'array', items: { type: 'boolean' } } },
              'X-Tier': { $ref: '#/components/headers/Tier' },
            },
            content: { 'application/json': { schema: { type: 'object' } } },
          },
        },
      },
    },
  },
  components: { headers: { Tier: { schema: { type: 'string', enum: ['free', 'paid'] } } } },
}

t.test('header values against their schemas', async (t) => {
  let answerHeaders: Record<string, string> = {}
  const upstream = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json', ...answerHeaders }).end('{}'))
  upstream.listen(0, '127.0.0.1')
  await once(upstream, 'listening')
  t.teardown(() => upstream.close())
  const mock = await startMock(t, { spec, upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` })

  const call = async (headers: Record<string, string>) => {
    answerHeaders = headers
    mock.reset()
    const res = await fetch(`${mock.url}/limits`)
    t.equal(res.status, 200, 'passed through')
    for (const [name, value] of Object.entries(headers)) t.equal(res.headers.get(name), value, `${name} unchanged`)
    await res.text()
    const [entry] = await mock.journal.waitFor({ path: '/limits', count: 1 })
    return (entry.violations ?? []).map((v) => [v.part, v.pointer, v.keyword, v.received])
  }

  t.same(await call({ 'x-rate-limit': '60', 'x-flags': 'true,false', 'x-tier': 'free' }), [], 'valid values: no violation')
  t.same(await call({}), [], 'absent optional headers: nothing to check')
  t.same(await call({ 'x-rate-limit': 'sixty', 'x-flags': 'true,maybe', 'x-tier': 'gold' }), [
    ['header', 'X-Rate-Limit', 'type', 'sixty'],
    ['header', 'X-Flags/1', 'type', 'maybe'],
    ['header', 'X-Tier', 'enum', 'gold'],
  ])
  t.same(await call({ 'x-rate-limit': '0' }), [['header', 'X-Rate-Limit', 'minimum', 0]], 'a number read as a number, then its bounds')
})
