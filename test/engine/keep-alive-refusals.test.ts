import http from 'node:http'
import type { Socket } from 'node:net'
import t from 'tap'
import { buildMock } from '../../src/server.js'
import { DEFAULT_SPEC } from '../helpers.js'

// Refusals decided from the headers while a body is on its way (401, 415, 405, …) must leave nothing behind on
// a keep-alive connection: a suite that sends many bad requests on one session must not slow the server down.
t.test('many early refusals on one keep-alive connection leave no listeners on its socket', async (t) => {
  const mock = await buildMock({ spec: DEFAULT_SPEC, port: 0 })
  t.teardown(() => mock.close())
  const sockets: Socket[] = []
  mock.app.server.on('connection', (socket: Socket) => sockets.push(socket))
  await mock.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = mock.app.server.address() as { port: number }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())

  const post = (headers: http.OutgoingHttpHeaders) =>
    new Promise<number>((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/orders', agent, headers }, (response) => {
        response.resume()
        response.once('end', () => resolve(response.statusCode!))
      })
      request.once('error', reject)
      request.end('{"sku":"A-1","quantity":1}')
    })

  const statuses = new Set<number>()
  for (let i = 0; i < 300; i++) {
    statuses.add(await post({ 'content-type': 'application/json' })) // no token: 401
    statuses.add(await post({ 'content-type': 'application/jsn', authorization: 'Bearer ' })) // malformed: 400
  }
  t.same([...statuses].sort(), [400, 401], 'the requests were refused from their headers')
  t.equal(sockets.length, 1, 'all of them went over one connection')
  const socket = sockets[0]
  t.ok(socket.listenerCount('close') < 10, `the socket holds ${socket.listenerCount('close')} close listeners after 600 refusals`)
  t.ok(socket.listenerCount('end') < 10, `the socket holds ${socket.listenerCount('end')} end listeners`)
  t.equal(await post({ 'content-type': 'application/json' }), 401, 'and the connection still answers')
})
