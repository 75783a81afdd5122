/**
 * Raw HTTP/1.1 exchanges for the adversarial tests: requests are bytes we
 * choose (so they can be wrong in every way), answers are judged by the
 * invariants every doorman answer must keep.
 */
import net from 'node:net'
import { CATALOG } from '../../src/index.js'

export interface WireRequest {
  method: string
  /** The request target as it goes on the wire (not re-encoded). */
  target: string
  headers: Array<[string, string]>
  body?: Buffer
  /** Send the body with Transfer-Encoding: chunked instead of Content-Length. */
  chunked?: boolean
}

export interface WireResponse {
  status: number
  headers: Record<string, string>
  /** The body, decoded as UTF-8. */
  body: string
}

/** The bytes of a request: Host and `Connection: close` added, Content-Length (or chunks) computed. */
export function serialize(request: WireRequest, host: string): Buffer {
  const lines = [`${request.method} ${request.target} HTTP/1.1`, `Host: ${host}`]
  for (const [name, value] of request.headers) lines.push(`${name}: ${value}`)
  const body = request.body
  if (body !== undefined) lines.push(request.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${body.length}`)
  lines.push('Connection: close', '', '')
  const head = Buffer.from(lines.join('\r\n'), 'utf8')
  if (body === undefined) return head
  if (!request.chunked) return Buffer.concat([head, body])
  const chunks: Buffer[] = [head]
  for (let i = 0; i < body.length; i += 4096) {
    const piece = body.subarray(i, i + 4096)
    chunks.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from('0\r\n\r\n'))
  return Buffer.concat(chunks)
}

/**
 * Sends `bytes` on a fresh connection and reads until the server closes it.
 * Resolves with what arrived (possibly nothing) and whether it timed out.
 */
export function exchange(url: string, bytes: Buffer, timeoutMs = 10_000): Promise<{ raw: Buffer; timedOut: boolean }> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    const socket = net.connect({ port: Number(port), host: hostname, allowHalfOpen: true })
    const timer = setTimeout(() => finish(true), timeoutMs)
    let done = false
    function finish(timedOut: boolean) {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resolve({ raw: Buffer.concat(chunks), timedOut })
    }
    socket.on('data', (chunk) => chunks.push(chunk))
    // Half-open: the server's FIN ends the answer even while we could still write.
    socket.on('end', () => finish(false))
    socket.on('close', () => finish(false))
    // A server that refuses early may close while we are still writing (EPIPE/ECONNRESET): what it sent still counts.
    socket.on('error', () => finish(false))
    socket.write(bytes)
  })
}

/** Parses the final response in `raw` (interim 1xx responses skipped); undefined when there is none. */
export function parseWire(raw: Buffer): WireResponse | undefined {
  let rest = raw
  for (;;) {
    const end = rest.indexOf('\r\n\r\n')
    if (end === -1) return undefined
    const head = rest.subarray(0, end).toString('latin1')
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(head)
    if (!match) return undefined
    const status = Number(match[1])
    const headers: Record<string, string> = {}
    for (const line of head.split('\r\n').slice(1)) {
      const i = line.indexOf(':')
      headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim()
    }
    rest = rest.subarray(end + 4)
    if (status >= 100 && status < 200) continue
    const length = headers['content-length']
    const body = length === undefined ? rest : rest.subarray(0, Number(length))
    return { status, headers, body: body.toString('utf8') }
  }
}

/**
 * The invariants of every answer: one came; no 5xx (no fault was asked for);
 * every non-2xx refusal is problem+json whose `code` is in the catalog and
 * whose `status` is the HTTP status. Returns what is wrong, or undefined.
 */
export function judge(response: WireResponse | undefined, method: string): string | undefined {
  if (response === undefined) return 'no HTTP response'
  if (response.status >= 500) return `answered ${response.status}: ${response.body.slice(0, 300)}`
  if (response.status < 300) return undefined
  // A redirect is not a refusal: /__doorman sends the browser on to the inspector at /__doorman/.
  if (response.status < 400 && response.headers.location !== undefined) return undefined
  // `Prefer: code=4xx` asked for a documented answer: its body is the spec's example, not a doorman problem.
  if (/\bcode=/.test(response.headers['preference-applied'] ?? '')) return undefined
  const type = response.headers['content-type'] ?? ''
  if (!type.startsWith('application/problem+json')) return `a ${response.status} with content-type '${type}', not problem+json`
  // HEAD answers carry the headers of the refusal but no body (RFC 9110 §9.3.2).
  if (method === 'HEAD') return undefined
  let problem: Record<string, unknown>
  try {
    problem = JSON.parse(response.body)
  } catch {
    return `a ${response.status} whose body is not JSON: ${response.body.slice(0, 200)}`
  }
  if (typeof problem.code !== 'string' || !Object.hasOwn(CATALOG, problem.code)) return `code ${JSON.stringify(problem.code)} is not in the catalog`
  if (problem.status !== response.status) return `problem.status ${JSON.stringify(problem.status)} differs from HTTP ${response.status}`
  if (typeof problem.detail !== 'string' || problem.detail === '') return `${problem.code} without a detail`
  if (typeof problem.title !== 'string' || typeof problem.type !== 'string') return `${problem.code} without type and title`
  return undefined
}

/** Captures what doorman writes to stderr from now until `restore()` (it reports its own bugs there). */
export function captureStderr(): { lines: () => string[]; restore: () => void } {
  const original = process.stderr.write.bind(process.stderr)
  const seen: string[] = []
  process.stderr.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
    seen.push(String(chunk))
    return (original as (...args: unknown[]) => boolean)(chunk, ...rest)
  }
  return { lines: () => seen, restore: () => void (process.stderr.write = original) }
}
