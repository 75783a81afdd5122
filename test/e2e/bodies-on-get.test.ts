/**
 * A request body documented on GET (OpenAPI 3.1 permits it), HEAD, DELETE or OPTIONS is read and
 * checked like any other. Before, fastify never read a body on GET: a required one was refused
 * (BODY_REQUIRED) even when sent, and an invalid optional one was never checked.
 */
import http from 'node:http'
import t from 'tap'
import { codes } from '../../src/index.js'
import { fixture, hasPythonRequests, run, startMock } from '../helpers.js'

const SPEC = fixture('specs', 'real-world-cases', 'params-body-on-get.yaml')

/** fetch refuses a body on GET and HEAD; Node's own client sends one, as curl, requests and Elasticsearch clients do. */
function send(url: string, method: string, body?: string, contentType = 'application/json') {
  return new Promise<{ status: number; body: { code?: string } | undefined }>((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) }
    const request = http.request(url, { method, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }))
    })
    request.on('error', reject)
    request.end(body)
  })
}

t.test('bodies on GET, HEAD, DELETE and OPTIONS are read and checked', async (t) => {
  const mock = await startMock(t, { spec: SPEC, config: { limits: { bodySize: '1kb' } } })
  const search = `${mock.url}/search`

  t.test('GET with a required body', async (t) => {
    const ok = await send(search, 'GET', '{"query":"doorman","limit":10}')
    t.equal(ok.status, 200, JSON.stringify(ok.body))
    t.same(ok.body, { hits: [] })
    const invalid = await send(search, 'GET', '{"query":"","limit":99}')
    t.equal(invalid.status, 422)
    t.equal(invalid.body!.code, codes.BODY_INVALID)
    t.equal((await send(search, 'GET')).body!.code, codes.BODY_REQUIRED, 'none sent: still required')
    t.equal((await send(search, 'GET', '{"query":')).body!.code, codes.BODY_MALFORMED)
    t.equal((await send(search, 'GET', 'query=x', 'text/plain')).status, 415)
    const large = await send(search, 'GET', JSON.stringify({ query: 'x'.repeat(2000) }))
    t.equal(large.status, 413, 'the body limit holds on GET too')
  })

  t.test('HEAD follows GET, body included', async (t) => {
    t.equal((await send(search, 'HEAD', '{"query":"doorman"}')).status, 200)
    t.equal((await send(search, 'HEAD', '{"limit":1}')).status, 422)
    t.equal((await send(search, 'HEAD')).status, 400)
  })

  t.test('DELETE with an optional body', async (t) => {
    t.equal((await send(`${mock.url}/items/3`, 'DELETE', '{"reason":"duplicate"}')).status, 204)
    t.equal((await send(`${mock.url}/items/3`, 'DELETE')).status, 204, 'optional: none is fine')
    const invalid = await send(`${mock.url}/items/3`, 'DELETE', '{"reason":"x"}')
    t.equal(invalid.status, 422)
    t.equal(invalid.body!.code, codes.BODY_INVALID)
  })

  t.test('a documented OPTIONS with an optional body', async (t) => {
    t.equal((await send(search, 'OPTIONS', '{"query":"x"}')).status, 200)
    t.equal((await send(search, 'OPTIONS', '{}')).status, 422)
  })

  t.test('a GET that documents no body still refuses one', async (t) => {
    const refused = await send(`${mock.url}/items/3`, 'GET', '{"x":1}')
    t.equal(refused.status, 415)
    t.equal(refused.body!.code, codes.CONTENT_TYPE_UNSUPPORTED)
    t.equal((await send(`${mock.url}/items/3`, 'GET')).status, 200)
  })

  t.test('the journal has the body', async (t) => {
    await send(search, 'GET', '{"query":"journal"}')
    const entry = mock.journal.entries().at(-1)!
    t.equal(entry.method, 'GET')
    t.equal(entry.status, 200)
    t.equal(entry.body?.text, '{"query":"journal"}')
  })

  t.test('Python requests sending a JSON body on GET', { skip: (await hasPythonRequests()) ? false : 'python3 with requests is not installed' }, async (t) => {
    const script = `
import requests, sys
print(requests.get(sys.argv[1], json={'query': 'doorman'}, timeout=10).status_code)
print(requests.get(sys.argv[1], json={'limit': 1}, timeout=10).json()['code'])
`
    const { stdout, stderr } = await run('python3', ['-c', script, search])
    t.same(stdout.trim().split('\n'), ['200', 'BODY_INVALID'], stderr)
  })
})
