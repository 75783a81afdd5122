import { Readable } from 'node:stream'
import zlib from 'node:zlib'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'

/** What the upstream saw: the tests assert that doorman forwarded (or did not forward) a request, and how. */
export interface UpstreamSeen {
  method: string
  url: string
  headers: FastifyRequest['headers']
  body: string
}

export interface Upstream {
  app: FastifyInstance
  url: string
  /** Every request that reached the upstream, in order. */
  seen: UpstreamSeen[]
  /** Bytes received by PUT /api/files/:name (streamed, never held). */
  uploaded: number
}

/**
 * A small real API behind doorman proxy, answering under /api what the spec
 * (fixtures/specs/proxied.yaml) documents under /v1, right by default and
 * wrong on request: `x-upstream-answer: wrong-type | no-header | teapot |
 * write-only | slow | not-json`.
 */
export async function startUpstream(t: { teardown(fn: () => unknown): void }): Promise<Upstream> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 * 1024 })
  const upstream: Upstream = { app, url: '', seen: [], uploaded: 0 }
  app.removeAllContentTypeParsers()
  // JSON and text bodies as text; octet-stream counted as it streams.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => {
    let bytes = 0
    payload.on('data', (chunk: Buffer) => (bytes += chunk.length))
    payload.on('end', () => {
      upstream.uploaded += bytes
      done(null, `${bytes} bytes`)
    })
  })
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body))
  app.addHook('preHandler', async (request) => {
    upstream.seen.push({ method: request.method, url: request.url, headers: request.headers, body: typeof request.body === 'string' ? request.body : '' })
  })
  const answer = (request: FastifyRequest) => String(request.headers['x-upstream-answer'] ?? 'good')

  app.post('/api/orders', async (request, reply) => {
    const order = { id: 7, item: 'tea', quantity: 2 }
    switch (answer(request)) {
      case 'wrong-type':
        return reply
          .code(201)
          .header('location', '/v1/orders/7')
          .send({ ...order, id: 'seven', quantity: 'two' })
      case 'no-header':
        return reply.code(201).send(order)
      case 'teapot':
        return reply.code(418).header('x-teapot', 'yes').type('text/plain').send("I'm a teapot")
      case 'write-only':
        return reply
          .code(201)
          .header('location', '/v1/orders/7')
          .send({ ...order, secretCode: 'hunter2' })
      case 'not-json':
        return reply.code(201).header('location', '/v1/orders/7').type('application/json').send('{"id": 7,')
      default:
        return reply.code(201).header('location', '/v1/orders/7').header('x-upstream', 'real').send(order)
    }
  })
  app.get('/api/orders/:orderId', async (request, reply) => {
    if (answer(request) === 'slow') await new Promise((resolve) => setTimeout(resolve, 1500))
    const body = JSON.stringify({ id: Number((request.params as { orderId: string }).orderId), item: 'tea', token: 'abc', secretCode: undefined })
    if (String(request.headers['accept-encoding'] ?? '').includes('gzip')) {
      return reply.header('content-encoding', 'gzip').type('application/json').send(zlib.gzipSync(body))
    }
    return reply.type('application/json').send(body)
  })
  app.get('/api/notes', async (_request, reply) => reply.type('text/plain').send('this note is far longer than twenty characters'))
  app.put('/api/files/:name', async (request) => ({ bytes: Number(String(request.body).split(' ')[0]) }))
  app.get('/api/files/:name', async (request, reply) => {
    const total = Number((request.query as { bytes?: string }).bytes ?? 1024)
    const chunk = Buffer.alloc(64 * 1024, 120)
    let sent = 0
    const stream = new Readable({
      read() {
        if (sent >= total) return this.push(null)
        const n = Math.min(chunk.length, total - sent)
        sent += n
        this.push(n === chunk.length ? chunk : chunk.subarray(0, n))
      },
    })
    return reply.type('application/octet-stream').header('content-length', total).send(stream)
  })
  app.get('/api/secure', async (request) => ({ authorization: request.headers.authorization ?? null }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address() as { port: number }
  upstream.url = `http://127.0.0.1:${address.port}`
  t.teardown(() => app.close())
  return upstream
}
