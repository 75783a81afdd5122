// A test suite that sends many bad requests on one keep-alive session (a Python
// requests.Session, an undici pool) must not slow the mock down or grow its heap.
// Two parts: a storm of early refusals (400 AUTH_MALFORMED on POST with a body)
// from 20 autocannon connections, then how long health takes to answer; and
// 100k refusals on one connection, with the heap after a full GC every 50k.
//   node --expose-gc bench/refusal-storm.mjs        (STORM_SECONDS=20, STORM_ONE_CONNECTION=100000)
import http from 'node:http'
import autocannon from 'autocannon'
import { buildMock } from '../dist/server.js'

const seconds = Number(process.env.STORM_SECONDS ?? 20)
const oneConnection = Number(process.env.STORM_ONE_CONNECTION ?? 100_000)
if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc')

const mock = await buildMock({ spec: new URL('../openapi.yaml', import.meta.url).pathname, port: 0 })
await mock.app.listen({ port: 0, host: '127.0.0.1' })
const { port } = mock.app.server.address()
const url = `http://127.0.0.1:${port}`
const headers = { 'content-type': 'application/json', authorization: 'Bearer ' }
const body = '{"sku":"A-1","quantity":1}'

const storm = await autocannon({ url: `${url}/orders`, connections: 20, duration: seconds, method: 'POST', headers, body })
let started = performance.now()
const health = await fetch(`${url}/__doorman/health`)
console.log(
  `storm: ${storm.requests.total} refusals in ${seconds} s (${storm.non2xx} non-2xx); health answered ${health.status} ${(performance.now() - started).toFixed(0)} ms after the load ended`,
)

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
const post = () =>
  new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/orders', agent, headers }, (response) => {
      response.resume()
      response.once('end', resolve)
    })
    request.once('error', reject)
    request.end(body)
  })
const heapMiB = () => {
  global.gc()
  global.gc()
  return (process.memoryUsage().heapUsed / 1048576).toFixed(1)
}
for (let i = 0; i < 5000; i++) await post()
const heaps = [heapMiB()]
started = performance.now()
for (let done = 0; done < oneConnection;) {
  const batch = Math.min(50_000, oneConnection - done)
  for (let i = 0; i < batch; i++) await post()
  done += batch
  heaps.push(heapMiB())
}
console.log(
  `one connection: ${oneConnection} refusals in ${((performance.now() - started) / 1000).toFixed(1)} s; heap MiB after a GC, every 50k: ${heaps.join(' → ')}`,
)
agent.destroy()
await mock.close()
