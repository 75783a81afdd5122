/**
 * Framing and hop-by-hop headers documented on a response (Transfer-Encoding, Content-Encoding,
 * Content-Length, Connection, Keep-Alive, Upgrade, Trailer, TE) are not copied into answers: doorman
 * frames its own. Before, `Transfer-Encoding: chunked` went out beside Content-Length and Node's fetch
 * failed with HPE_UNEXPECTED_CONTENT_LENGTH; a copied `Content-Encoding: gzip` made clients gunzip JSON.
 */
import t from 'tap'
import { fixture, hasPythonRequests, run, startMock } from '../helpers.js'
import { connect, hasCompleteResponse, parseResponse, readAll } from '../raw-http.js'

const SPEC = fixture('specs', 'real-world-cases', 'params-framing-headers.yaml')
const FRAMING = ['Transfer-Encoding', 'Content-Encoding', 'Content-Length', 'Connection', 'Keep-Alive', 'Upgrade', 'Trailer', 'TE']

t.test('documented framing headers are left out of answers, with a note each', async (t) => {
  const mock = await startMock(t, { spec: SPEC })
  for (const name of FRAMING) {
    t.match(
      mock.notes.find((n) => n.includes(`/responses/200/headers/${name}:`)),
      new RegExp(`the documented response header '${name}' is left out of answers`),
      `a note for ${name}`,
    )
  }
  t.notOk(
    mock.notes.some((n) => n.includes('X-Rate-Limit-Remaining')),
    'an ordinary header gets no note',
  )

  t.test('Node fetch reads the answer', async (t) => {
    const res = await fetch(`${mock.url}/archive`)
    t.equal(res.status, 200)
    t.same(await res.json(), { files: ['a.txt', 'b.txt'] })
    t.equal(res.headers.get('x-rate-limit-remaining'), '99', 'ordinary documented headers still go out')
    t.equal(res.headers.get('content-encoding'), null)
    t.equal(res.headers.get('upgrade'), null)
    t.equal(res.headers.get('trailer'), null)
  })

  t.test('on the wire: one framing, doorman’s own', async (t) => {
    const socket = await connect(mock.url)
    socket.write('GET /archive HTTP/1.1\r\nHost: x\r\n\r\n')
    const raw = await readAll(socket, hasCompleteResponse)
    socket.destroy()
    const res = parseResponse(raw)
    t.equal(res.status, 200)
    t.equal(res.headers['content-length'], String(Buffer.byteLength(res.body)), 'Content-Length is the real one, not the documented 12')
    for (const name of ['transfer-encoding', 'content-encoding', 'upgrade', 'trailer', 'te']) t.notOk(name in res.headers, `no ${name}`)
    t.equal(res.headers.connection, 'keep-alive', "Connection is Node's, not the document's")
    t.not(res.headers['keep-alive'], 'timeout=5, max=100')
  })

  t.test('a HEAD answer carries no documented framing either', async (t) => {
    const res = await fetch(`${mock.url}/archive`, { method: 'HEAD' })
    t.equal(res.status, 200)
    t.equal(res.headers.get('transfer-encoding'), null)
    t.equal(res.headers.get('content-encoding'), null)
  })

  t.test('Python requests decodes the answer', { skip: (await hasPythonRequests()) ? false : 'python3 with requests is not installed' }, async (t) => {
    const script = `
import requests, sys
r = requests.get(sys.argv[1] + '/archive', timeout=10)
print(r.status_code, r.json()['files'][0], r.headers.get('Content-Encoding'))
`
    const { stdout, stderr } = await run('python3', ['-c', script, mock.url])
    t.equal(stdout.trim(), '200 a.txt None', stderr)
  })

  t.test('curl reads exactly one answer', async (t) => {
    const { stdout, stderr } = await run('curl', ['-s', '--max-time', '10', '-w', '\\n%{http_code}', `${mock.url}/archive`])
    t.same(stdout.split('\n'), ['{"files":["a.txt","b.txt"]}', '200'], stderr)
  })
})
