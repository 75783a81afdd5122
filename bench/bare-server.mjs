// The ceiling: fastify with one route that checks nothing. Same Node, same machine, same run.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.post('/*', async (request, reply) => reply.code(201).send({ ok: true }))
app.get('/*', async () => ({ ok: true }))
await app.listen({ port: 0, host: '127.0.0.1' })
process.stdout.write(`bare listening on http://127.0.0.1:${app.server.address().port}\n`)
process.on('SIGTERM', () => app.close().then(() => process.exit(0)))
