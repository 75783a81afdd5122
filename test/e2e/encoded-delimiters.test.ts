/**
 * Delimited parameter values are split on their raw delimiters before they are percent-decoded
 * (RFC 6570 §3.2.1, which OpenAPI's styles follow): in `pair=a%2Cb,b%2Ca` the encoded commas are data,
 * so it is two items. Before, decoding came first and it was read as four.
 */
import t from 'tap'
import { codes } from '../../src/index.js'
import { fetchJson, fixture, hasPythonRequests, run, startMock } from '../helpers.js'

const SPEC = fixture('specs', 'real-world-cases', 'params-encoded-delimiters.yaml')
const pointers = (body: { errors: Array<{ pointer: string; keyword: string }> }) => body.errors.map((e) => `${e.pointer} ${e.keyword}`).sort()

t.test('encoded delimiters stay inside their item, in every style', async (t) => {
  const mock = await startMock(t, { spec: SPEC })
  const get = (path: string, init?: RequestInit) => fetchJson(`${mock.url}${path}`, init)

  t.test('query: form, pipeDelimited, and a non-exploded object', async (t) => {
    for (const query of ['pair=a%2Cb,b%2Ca', 'pair=a%2Cb', 'pair=c,a%2Cb', 'via=x%7Cy|z', 'origin=city,Paris%2C%20TX', 'origin=city,Lyon']) {
      const { status, body } = await get(`/routes?${query}`)
      t.equal(status, 200, `${query}: ${JSON.stringify(body)}`)
    }
    const split = await get('/routes?pair=a,b,b,a')
    t.equal(split.status, 400, 'raw commas still split')
    t.same(pointers(split.body), ['/pair maxItems', '/pair/0 enum', '/pair/1 enum', '/pair/2 enum', '/pair/3 enum'])
    const city = await get('/routes?origin=city,Paris,TX')
    t.equal(city.status, 400)
    t.same(pointers(city.body), ['/origin/city enum'])
  })

  t.test('path: simple, matrix and label', async (t) => {
    t.equal((await get('/files/a%2Cb,c')).status, 200, 'simple')
    t.same(pointers((await get('/files/a,b,c')).body), ['/names maxItems', '/names/0 enum', '/names/1 enum'])
    t.equal((await get('/tags/;tags=a%2Cb,c')).status, 200, 'matrix')
    t.equal((await get('/tags/;tags=a,b,c')).status, 400)
    t.equal((await get('/versions/.1%2E2.3')).status, 200, 'label, exploded')
    t.equal((await get('/versions/.1.2.3')).status, 400)
  })

  t.test('cookie: form', async (t) => {
    t.equal((await get('/routes', { headers: { cookie: 'recent=a%2Cb,c' } })).status, 200)
    const bad = await get('/routes', { headers: { cookie: 'recent=a,b,c' } })
    t.equal(bad.status, 400)
    t.same(pointers(bad.body), ['/recent/0 enum', '/recent/1 enum'])
  })

  t.test('a value whose only delimiters came encoded reads either way (clients that join, then encode)', async (t) => {
    // URLSearchParams and Python's requests encode a joined '1,2' as 1%2C2: two items are meant.
    const joined = new URLSearchParams({ ids: [1, 2].join(',') }).toString()
    t.equal(joined, 'ids=1%2C2')
    t.equal((await get(`/routes?${joined}`)).status, 200)
    const bad = await get('/routes?ids=1%2Cx')
    t.equal(bad.status, 400, 'invalid either way is refused')
    t.same(pointers(bad.body), ['/ids/0 type'], 'with the errors of the RFC 6570 reading')
    t.equal((await get('/routes?ids=1%2C2%2C3%2C4')).status, 400, 'too many items either way')
    t.equal((await get('/files/c%2Cc')).status, 200, 'in a path too')
  })

  t.test('Python requests', { skip: (await hasPythonRequests()) ? false : 'python3 with requests is not installed' }, async (t) => {
    const script = `
import requests, sys
base = sys.argv[1]
# The items hold commas: encode each, join with a raw comma (requests leaves a ready-made query string alone).
pair = ','.join(requests.utils.quote(item, safe='') for item in ['a,b', 'b,a'])
print(requests.get(base + '/routes?pair=' + pair, timeout=10).status_code)
print(requests.get(base + '/routes', params={'ids': ','.join(['1', '2'])}, timeout=10).status_code)
print(requests.get(base + '/routes', params={'ids': '1,x'}, timeout=10).status_code)
`
    const { stdout, stderr } = await run('python3', ['-c', script, mock.url])
    t.same(stdout.trim().split('\n'), ['200', '200', '400'], stderr)
  })

  t.test('the problem still names the bad item', async (t) => {
    const { body } = await get('/routes?pair=a%2Cb,z%2Cz')
    t.equal(body.code, codes.PARAMETER_INVALID)
    t.match(body.errors[0], { pointer: '/pair/1', keyword: 'enum', received: 'z,z' })
  })
})
