/**
 * A 1xx is never a final answer. An operation that documents only 1xx statuses for success (a WebSocket
 * endpoint's 101, an upload's 100) gets 204 No Content, and `Prefer: code=1xx` is refused with a reason.
 * Before, doorman sent `100 Continue` as the last answer and the client waited for the real one forever.
 */
import t from 'tap'
import { codes } from '../../src/index.js'
import { fetchJson, fixture, hasPythonRequests, run, startMock } from '../helpers.js'
import { connect, parseResponse, readAll } from '../raw-http.js'

const SPEC = fixture('specs', 'real-world-cases', 'params-informational-only.yaml')
// A hang is the failure: every request here gives up long before tap's own timeout.
const within = () => AbortSignal.timeout(5000)

t.test('operations that document only 1xx get a final answer', async (t) => {
  const mock = await startMock(t, { spec: SPEC })
  for (const [op, pointer] of [
    ['GET /socket', '/paths/~1socket/get/responses'],
    ['POST /uploads', '/paths/~1uploads/post/responses'],
  ]) {
    t.match(
      mock.notes.find((n) => n.includes(`${pointer}:`)),
      new RegExp(`${op} documents only informational success .* gets 204 No Content instead`),
    )
  }
  t.notOk(
    mock.notes.some((n) => n.includes('/paths/~1things/')),
    'an operation with a 200 beside its 100 needs no note',
  )
  t.notOk(
    mock.notes.some((n) => /no success response/.test(n) && /upload/.test(n)),
    'nor is the upload said to answer its 413',
  )

  t.test('a valid request gets 204, a bad one its refusal', async (t) => {
    const socket = await fetch(`${mock.url}/socket?channel=news`, { signal: within() })
    t.equal(socket.status, 204)
    t.equal(socket.headers.get('upgrade'), null, 'no Upgrade without switching protocols')
    t.equal((await fetchJson(`${mock.url}/socket?channel=sports`, { signal: within() })).status, 400)

    const post = (body: string) => fetchJson(`${mock.url}/uploads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: within() })
    t.equal((await post('{"name":"a.txt"}')).status, 204)
    const bad = await post('{}')
    t.equal(bad.status, 422)
    t.equal(bad.body.code, codes.BODY_INVALID)
    t.equal((await fetchJson(`${mock.url}/things`, { signal: within() })).status, 200, 'a documented 200 beside a 100 is the answer')
  })

  t.test('on the wire: no interim response stands as the last one', async (t) => {
    const socket = await connect(mock.url)
    socket.write('GET /socket?channel=chat HTTP/1.1\r\nHost: x\r\n\r\n')
    // The first head is enough: were it a 1xx, the client would be left waiting after it.
    const raw = await readAll(socket, (text) => text.includes('\r\n\r\n'))
    socket.destroy()
    t.match(raw, /^HTTP\/1\.1 204 No Content\r\n/, 'the first status line is the final one')
    t.equal(parseResponse(raw).status, 204)
  })

  t.test('Prefer: code=1xx is refused, not obeyed', async (t) => {
    for (const [path, code] of [
      ['/things', '100'],
      ['/socket?channel=news', '101'],
      ['/things', '103'],
    ]) {
      const res = await fetchJson(`${mock.url}${path}`, { headers: { prefer: `code=${code}` }, signal: within() })
      t.equal(res.status, 400, `code=${code}`)
      t.equal(res.body.code, codes.PREFER_UNSATISFIABLE)
      t.match(res.body.detail, new RegExp(`Prefer: code=${code} asks for an informational \\(1xx\\) status, which is never a final answer`))
    }
    const things = await fetchJson(`${mock.url}/things`, { headers: { prefer: 'code=100' }, signal: within() })
    t.match(things.body.detail, /ask for a final status GET \/things documents: 200/)
    const socket = await fetchJson(`${mock.url}/socket?channel=news`, { headers: { prefer: 'code=101' }, signal: within() })
    t.match(socket.body.detail, /drop it: GET \/socket documents no final status/)
  })

  t.test('Python requests gets its answer', { skip: (await hasPythonRequests()) ? false : 'python3 with requests is not installed' }, async (t) => {
    const script = `
import requests, sys
print(requests.get(sys.argv[1] + '/socket', params={'channel': 'news'}, timeout=5).status_code)
print(requests.get(sys.argv[1] + '/things', headers={'Prefer': 'code=100'}, timeout=5).status_code)
`
    const { stdout, stderr } = await run('python3', ['-c', script, mock.url])
    t.same(stdout.trim().split('\n'), ['204', '400'], stderr)
  })
})
