import t from 'tap'
import { codes } from '../../src/index.js'
import { fetchJson, startMock } from '../helpers.js'

t.test('the library serves the spec on a real socket', async (t) => {
  const mock = await startMock(t)
  t.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  const { status, body, headers } = await fetchJson(`${mock.url}/orders/o-1001`)
  t.equal(status, 200)
  t.match(headers.get('content-type'), /^application\/json/)
  t.equal(body.id, 'o-1001')

  const missing = await fetchJson(`${mock.url}/ordrs`)
  t.equal(missing.status, 404)
  t.equal(missing.body.code, codes.ROUTE_NOT_FOUND)
  const [entry] = await mock.journal.waitFor({ code: codes.ROUTE_NOT_FOUND })
  t.equal(entry!.path, '/ordrs')
})
