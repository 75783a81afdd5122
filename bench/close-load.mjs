// Load for answers that close the connection (413 + `Connection: close`).
// autocannon ignores `Connection: close`: it writes the next request on the
// closing socket and times the retry from the dead attempt, which measures
// autocannon, not the server. This client does what curl, requests and
// undici do: one request per connection, a new connection after each answer.
// `connections` workers in parallel; latency runs from connect() to the end
// of the response. The result has the fields run.mjs reads from autocannon's.
import net from 'node:net'

function once(url, method, path, headers, body) {
  return new Promise((resolve) => {
    const started = performance.now()
    const socket = net.connect(Number(url.port), url.hostname)
    let raw = Buffer.alloc(0)
    let done = false
    const finish = (status) => {
      if (done) return
      done = true
      socket.destroy()
      resolve({ status, ms: performance.now() - started })
    }
    socket.on('connect', () => {
      const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(body)
      const lines = [`${method} ${path} HTTP/1.1`, `Host: ${url.host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)]
      if (body !== undefined) lines.push(`Content-Length: ${payload.length}`)
      socket.write(Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), payload]))
    })
    socket.on('data', (chunk) => {
      raw = Buffer.concat([raw, chunk])
      const end = raw.indexOf('\r\n\r\n')
      if (end === -1) return
      const head = raw.subarray(0, end).toString('latin1')
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0)
      if (raw.length >= end + 4 + length) finish(Number(head.slice(9, 12)))
    })
    socket.on('error', () => finish(0))
    socket.on('close', () => finish(0))
  })
}

export async function loadWithClose({ url, method, headers = {}, body, connections, duration }) {
  const target = new URL(url)
  const path = target.pathname + target.search
  const latencies = []
  const statusCodeStats = {}
  const deadline = performance.now() + duration * 1000
  const worker = async () => {
    while (performance.now() < deadline) {
      const { status, ms } = await once(target, method, path, headers, body)
      latencies.push(ms)
      statusCodeStats[status] = { count: (statusCodeStats[status]?.count ?? 0) + 1 }
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: connections }, worker))
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const at = (q) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 100) / 100
  return {
    requests: { average: latencies.length / seconds, total: latencies.length },
    latency: { p50: at(0.5), p99: at(0.99) },
    statusCodeStats,
    errors: statusCodeStats[0]?.count ?? 0,
    timeouts: 0,
  }
}
