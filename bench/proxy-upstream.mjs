// The upstream of the proxy benchmark (bench/proxy-overhead.mjs): a small JSON answer, as fast as Node serves one.
import http from 'node:http'

const body = JSON.stringify({ id: 1, item: 'tea', quantity: 2 })
const server = http.createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  response.end(body)
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => console.log(`upstream listening on http://127.0.0.1:${server.address().port}`))
