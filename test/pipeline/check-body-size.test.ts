import { gzipSync } from 'node:zlib'
import t from 'tap'
import { codes } from '../../src/index.js'
import { fetchJson, fixture, run, startMock } from '../helpers.js'
import { connect, hasCompleteResponse, parseResponse, readAll } from '../raw-http.js'

t.test('body size, over real sockets', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'rules.yaml'), config: { limits: { bodyIdleTimeoutMs: 300 } } })

  t.test('a Content-Length over the limit is refused from the headers alone', async (t) => {
    // Headers only: the body is never sent, and the answer must still come.
    const socket = await connect(mock.url)
    socket.write('POST /small HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20000\r\n\r\n')
    const res = parseResponse(await readAll(socket, hasCompleteResponse))
    socket.destroy()
    t.equal(res.status, 413)
    t.match(res.raw, /^HTTP\/1\.1 413 Content Too Large\r\n/)
    t.equal(res.headers.connection, 'close')
    const body = JSON.parse(res.body)
    t.equal(body.code, codes.BODY_TOO_LARGE)
    t.equal(body.limit, 10240)
    t.equal(body.received, 20000)
    t.match(body.detail, /declares 19\.53 KiB \(20000 bytes\), over this operation's limit of 10 KiB \(10240 bytes\)/)
  })

  t.test('the per-operation limit comes from x-doorman, the server limit from the config', async (t) => {
    const small = await fetchJson(`${mock.url}/small`, {
      method: 'POST',
      body: JSON.stringify('x'.repeat(11000)),
      headers: { 'content-type': 'application/json' },
    })
    t.equal(small.status, 413)
    const fine = await fetchJson(`${mock.url}/small`, {
      method: 'POST',
      body: JSON.stringify('x'.repeat(9000)),
      headers: { 'content-type': 'application/json' },
    })
    t.equal(fine.status, 200)
  })

  t.test('a chunked body is cut off when it crosses the limit', async (t) => {
    const socket = await connect(mock.url)
    socket.write('POST /small HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n')
    const chunk = 'a'.repeat(4096)
    let sent = 0
    const answer = readAll(socket, hasCompleteResponse)
    // Keep sending without ever ending the body: the 413 must arrive anyway.
    for (let i = 0; i < 4; i++) {
      socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)
      sent += chunk.length
    }
    const res = parseResponse(await answer)
    socket.destroy()
    t.equal(res.status, 413)
    t.equal(res.headers.connection, 'close')
    const body = JSON.parse(res.body)
    t.equal(body.code, codes.BODY_TOO_LARGE)
    t.ok(body.received > 10240 && body.received <= sent, `counted ${body.received} of ${sent}`)
  })

  t.test('a gzip bomb is stopped after the limit, not inflated', async (t) => {
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20))
    t.ok(bomb.length < 10240, 'the compressed body itself is within the limit')
    const { status, body } = await fetchJson(`${mock.url}/small`, {
      method: 'POST',
      body: bomb,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    })
    t.equal(status, 413)
    t.equal(body.code, codes.BODY_TOO_LARGE)
    t.match(body.detail, /decodes to/)
    t.ok(body.received < 200 * 1024, `stopped after ${body.received} decoded bytes`)
  })

  t.test('gzip, deflate and br bodies are decoded', async (t) => {
    const { brotliCompressSync, deflateSync } = await import('node:zlib')
    const json = Buffer.from(JSON.stringify({ name: 'w', parts: [{ qty: 2 }] }))
    for (const [coding, data] of [
      ['gzip', gzipSync(json)],
      ['deflate', deflateSync(json)],
      ['br', brotliCompressSync(json)],
    ] as const) {
      const { status } = await fetchJson(`${mock.url}/things`, {
        method: 'POST',
        body: data,
        headers: { 'content-type': 'application/json', 'content-encoding': coding },
      })
      t.equal(status, 201, coding)
    }
    const broken = await fetchJson(`${mock.url}/things`, {
      method: 'POST',
      body: json,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    })
    t.equal(broken.status, 400)
    t.equal(broken.body.code, codes.BODY_ENCODING_INVALID)
  })

  t.test('Expect: 100-continue gets the final refusal instead of 100 Continue', async (t) => {
    const socket = await connect(mock.url)
    socket.write('POST /small HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50000\r\nExpect: 100-continue\r\n\r\n')
    const raw = await readAll(socket, hasCompleteResponse)
    socket.destroy()
    t.notMatch(raw, /100 Continue/)
    t.equal(parseResponse(raw).status, 413)
  })

  t.test('Expect: 100-continue with a wrong content type gets 415 first', async (t) => {
    const socket = await connect(mock.url)
    socket.write('POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n')
    const raw = await readAll(socket, hasCompleteResponse)
    socket.destroy()
    t.notMatch(raw, /100 Continue/)
    t.equal(parseResponse(raw).status, 415)
  })

  t.test('Expect: 100-continue on a good request gets 100 Continue, then the answer', async (t) => {
    const body = JSON.stringify({ name: 'w', parts: [{ qty: 1 }] })
    const socket = await connect(mock.url)
    socket.write(`POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`)
    const interim = await readAll(socket, (text) => text.includes('\r\n\r\n'))
    t.match(interim, /^HTTP\/1\.1 100 Continue\r\n\r\n/)
    const rest = readAll(socket, (text) => hasCompleteResponse(interim + text))
    socket.write(body)
    const res = parseResponse(interim + (await rest))
    socket.destroy()
    t.equal(res.status, 201)
  })

  t.test('curl uses 100-continue for a large upload and sees the 413 without sending it', async (t) => {
    const { stdout, stderr } = await run(
      'curl',
      ['-sv', `${mock.url}/small`, '-H', 'Content-Type: application/json', '-H', 'Expect: 100-continue', '--data-binary', '@-'],
      'x'.repeat(60000),
    )
    t.match(stderr, /< HTTP\/1\.1 413 Content Too Large/)
    t.notMatch(stderr, /100 Continue/)
    t.match(stdout, /"code":"BODY_TOO_LARGE"/)
  })

  t.test('another expectation is 417', async (t) => {
    // undici refuses to send Expect at all; curl does.
    const { stdout } = await run('curl', ['-s', '-i', `${mock.url}/things`, '-H', 'Content-Type: application/json', '-H', 'Expect: teapot', '-d', '{}'])
    t.match(stdout, /^HTTP\/1\.1 417 Expectation Failed\r\n/)
    t.match(stdout, /"code":"EXPECTATION_FAILED"/)
  })

  t.test('a body shorter than its Content-Length is refused, not left hanging', async (t) => {
    const socket = await connect(mock.url)
    socket.write('POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":')
    const res = parseResponse(await readAll(socket, hasCompleteResponse))
    socket.destroy()
    t.equal(res.status, 400)
    const body = JSON.parse(res.body)
    t.equal(body.code, codes.BODY_INCOMPLETE)
    t.equal(body.expected, 100)
    t.equal(body.received, 8)
  })
})

t.test('limits.requireContentLength refuses chunked bodies with 411', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'rules.yaml'), config: { limits: { requireContentLength: true } } })
  const socket = await connect(mock.url)
  socket.write('POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n')
  const res = parseResponse(await readAll(socket, hasCompleteResponse))
  socket.destroy()
  t.equal(res.status, 411)
  t.equal(JSON.parse(res.body).code, codes.LENGTH_REQUIRED)
  const fine = await fetchJson(`${mock.url}/things`, {
    method: 'POST',
    body: JSON.stringify({ name: 'w', parts: [{ qty: 1 }] }),
    headers: { 'content-type': 'application/json' },
  })
  t.equal(fine.status, 201)
})
