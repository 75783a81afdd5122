import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { once } from 'node:events'
import type { Socket } from 'node:net'
import { buildMock } from '../../src/server.js'
import { translateForeignError } from '../../src/problems/foreign-errors.js'
import { DEFAULT_SPEC, startMock } from '../helpers.js'
import { connect, parseResponse, readAll } from '../raw-http.js'

t.test('a fastify setup error is a doorman bug (500 INTERNAL_ERROR), never a client error', async (t) => {
  // What fastify throws when a content-type parser is registered with a bad type: a TypeError at set-up time.
  const setup = Object.assign(new TypeError('The content type should be a string or a RegExp'), { code: 'FST_ERR_CTP_INVALID_TYPE', statusCode: 500 })
  const problem = translateForeignError(setup)
  t.equal(problem.code, 'INTERNAL_ERROR')
  t.equal(problem.status, 500)
  // The client error next to it is still the client's.
  t.equal(translateForeignError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 })).code, 'CONTENT_TYPE_UNSUPPORTED')
})

t.test('an HTTP/1.0 request without Host gets a type URI that resolves: the admin API says localhost too', async (t) => {
  const mock = await startMock(t)
  for (const target of ['/__doorman/journal?stauts=201', '/__doorman/faults/no-such-plan', '/__doorman/problems/NO_SUCH_CODE']) {
    const socket = await connect(mock.url)
    const method = target.includes('/faults/') ? 'DELETE' : 'GET'
    socket.end(`${method} ${target} HTTP/1.0\r\n\r\n`)
    const response = parseResponse(await readAll(socket))
    const body = JSON.parse(response.body)
    t.ok(response.status >= 400, `${method} ${target}: refused (${response.status})`)
    t.match(body.type, /^http:\/\/localhost\/__doorman\/problems\/[A-Z_]+$/, `${method} ${target}: ${body.type}`)
  }
})

t.test('a refused CONNECT lingers as long as the reloaded config says, not the start-up one', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'doorman-linger-'))
  const config = path.join(dir, 'doorman.yaml')
  writeFileSync(config, 'limits: { lingerMs: 600000 }\n')
  const mock = await buildMock({ spec: DEFAULT_SPEC, config, port: 0 })
  t.teardown(() => mock.close())
  const serverSide = new Promise<Socket>((resolve) => mock.app.server.once('connection', resolve))
  await mock.app.listen({ port: 0, host: '127.0.0.1' })
  writeFileSync(config, 'limits: { lingerMs: 50 }\n')
  await mock.reload()
  const { port } = mock.app.server.address() as { port: number }
  const socket = await connect(`http://127.0.0.1:${port}`)
  t.teardown(() => socket.destroy())
  // The client keeps its side open and sends nothing more: only the linger timer can end the server's side.
  socket.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n')
  const response = parseResponse(await readAll(socket, (text) => text.includes('"requestId"')))
  t.equal(response.status, 400, 'CONNECT is refused')
  const started = performance.now()
  await once(await serverSide, 'close')
  t.ok(
    performance.now() - started < 30_000,
    `the server ended the connection after ${Math.round(performance.now() - started)} ms (lingerMs 50 after the reload, 600000 before)`,
  )
})
