// The ceiling: fastify with routes that check nothing. Same Node, same machine, same run.
//
// For a fair ratio the bare route sends the same answer doorman sends (same
// status, headers and body bytes), so the comparison is the checking, not the
// size of the documented response: run.mjs fetches doorman's answer once and
// registers it here with POST /__canned/<key>; requests to /canned/<key> get it.
// A canned answer with `Connection: close` goes out from onRequest, the body
// never read, as doorman's early refusals do.
import Fastify from 'fastify'
import secureJson from 'secure-json-parse'

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 })
// Any body is taken as it comes (fastify alone would answer 415 to the scenario with a wrong media type); JSON is still
// parsed, as fastify parses it (secure-json-parse), but a body that is not JSON is taken as it comes too: fastify's own
// 400 would be another answer than the canned one, and its error path (an Error with a stack) is not what is measured.
app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => done(null, body))
app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
  let parsed = body
  try {
    parsed = secureJson.parse(body, undefined, { protoAction: 'error', constructorAction: 'error' })
  } catch {
    // not JSON: the canned answer says what doorman said of it
  }
  done(null, parsed)
})

const canned = new Map()
const reply = (answer, res) => res.code(answer.status).headers(answer.headers).send(answer.body)

app.post('/__canned/:key', (request, res) => {
  canned.set(request.params.key, request.body)
  return res.code(204).send()
})
app.route({
  method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
  url: '/canned/:key',
  onRequest: (request, res, done) => {
    const answer = canned.get(request.params.key)
    if (answer?.headers.connection === 'close') return void reply(answer, res)
    done()
  },
  handler: (request, res) => reply(canned.get(request.params.key), res),
})
app.post('/*', async (request, res) => res.code(201).send({ ok: true }))
app.get('/*', async () => ({ ok: true }))

await app.listen({ port: Number(process.env.BARE_PORT ?? 0), host: '127.0.0.1' })
process.stdout.write(`bare listening on http://127.0.0.1:${app.server.address().port}\n`)
process.on('SIGTERM', () => app.close().then(() => process.exit(0)))
