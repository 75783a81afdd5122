/**
 * Row 2 of issue 13: DNS rebinding. A page on evil.example re-points its own
 * name at 127.0.0.1; the browser then sends the page's requests to the mock
 * from loopback, with `Host: evil.example:PORT`. The admin API must answer
 * only Host headers that name the mock, in every mode.
 */
import t from 'tap'
import { codes } from '../../src/index.js'
import { startMock } from '../helpers.js'
import { send } from './hostile.js'

const REFUSED = [
  'evil.example',
  'evil.example.',
  'localhost.evil.example',
  '127.0.0.1.evil.example',
  'evil.example:80',
  '[::2]',
  '0x7f000001',
  'admin.corp.test.evil.example',
]

const ALLOWED = [
  '127.0.0.1',
  'localhost',
  'LOCALHOST',
  'localhost.',
  'app.localhost',
  '[::1]',
  '127.0.0.2',
  'mock.internal',
  'corp.test',
  'a.b.corp.test',
  'mock.internal.',
]

for (const withToken of [false, true]) {
  t.test(`Host headers that do not name the mock are refused${withToken ? ' (with admin.token, sent)' : ''}`, async (t) => {
    const token = 'adm-7Ud2kq91'
    const mock = await startMock(t, { config: { admin: { allowedHosts: ['mock.internal', '.corp.test'], ...(withToken ? { token } : {}) } } })
    const auth: Record<string, string> = withToken ? { authorization: `Bearer ${token}` } : {}
    mock.faults.add({ id: 'keep', kind: 'hang', operation: 'getOrder' })
    for (const name of REFUSED) {
      const host = name.includes(':') && !name.startsWith('[') ? name : `${name}:${mock.port}`
      for (const [method, path, body] of [
        ['GET', '/__doorman/journal', undefined],
        ['GET', '/__doorman/health', undefined],
        ['POST', '/__doorman/tokens', '{}'],
        ['DELETE', '/__doorman/faults', undefined],
      ] as const) {
        const res = await send(mock.url, { method, path, headers: { ...auth, host, ...(body ? { 'content-type': 'application/json' } : {}) }, body })
        t.equal(res.status, 403, `${method} ${path} with Host '${host}': 403`)
        t.equal(res.json?.code, codes.ADMIN_HOST_REFUSED)
      }
    }
    const one = await send(mock.url, { path: '/__doorman/journal', headers: { ...auth, host: `evil.example:${mock.port}` } })
    t.match(one.json?.detail, /Host header .* 'evil\.example:\d+'.* admin\.allowedHosts/, 'the detail names the Host and the setting')
    t.notMatch(one.text, token, 'and never the token')
    t.same(
      mock.faults.list().map((p) => p.id),
      ['keep'],
      'DELETE /__doorman/faults from a rebinding page changed nothing',
    )
    for (const name of ALLOWED) {
      const res = await send(mock.url, { path: '/__doorman/health', headers: { ...auth, host: `${name}:${mock.port}` } })
      t.equal(res.status, 200, `Host '${name}:PORT': 200`)
    }
    // The API itself is for whoever reaches it: Host is the admin API's business only.
    const api = await send(mock.url, { path: '/health', headers: { host: `evil.example:${mock.port}` } })
    t.equal(api.status, 200, 'the mocked API answers any Host')
    const docs = await send(mock.url, { path: '/__doorman/problems/ADMIN_HOST_REFUSED', headers: { host: 'evil.example' } })
    t.equal(docs.status, 200, 'and the problem pages stay open')
  })
}

t.test('the address the mock is reached on, and the --host name, are its own', async (t) => {
  const mock = await startMock(t, { host: '::1' })
  t.equal((await send(mock.url, { path: '/__doorman/health', headers: { host: `[::1]:${mock.port}` } })).status, 200, '[::1]')
  const named = await startMock(t, { host: 'localhost' })
  t.equal((await send(named.url, { path: '/__doorman/health', headers: { host: `localhost:${named.port}` } })).status, 200, 'localhost')
  const any = await startMock(t, { host: '0.0.0.0' })
  t.equal(
    (await send(`http://127.0.0.1:${any.port}`, { path: '/__doorman/health', headers: { host: `0.0.0.0:${any.port}` } })).status,
    200,
    'the URL the ready line prints (http://0.0.0.0:PORT)',
  )
  const loopback = await startMock(t)
  t.equal(
    (await send(loopback.url, { path: '/__doorman/health', headers: { host: `0.0.0.0:${loopback.port}` } })).status,
    403,
    'but 0.0.0.0 is not loopback when the mock listens on 127.0.0.1',
  )
})

t.test('HTTP/1.0 without Host: no browser sends that', async (t) => {
  const mock = await startMock(t)
  const { connect, readAll, parseResponse } = await import('../raw-http.js')
  const socket = await connect(mock.url)
  socket.end('GET /__doorman/health HTTP/1.0\r\n\r\n')
  const res = parseResponse(await readAll(socket))
  t.equal(res.status, 200)
})
