import net from 'node:net'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
  /** Everything the server sent, including interim 1xx responses. */
  raw: string
}

/** Parses the last complete HTTP/1.1 response in `raw` (interim 100s are skipped). */
export function parseResponse(raw: string): RawResponse {
  let rest = raw
  while (/^HTTP\/1\.1 1\d\d /.test(rest)) rest = rest.slice(rest.indexOf('\r\n\r\n') + 4)
  const end = rest.indexOf('\r\n\r\n')
  const [statusLine, ...lines] = rest.slice(0, end).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const i = line.indexOf(':')
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim()
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: rest.slice(end + 4), raw }
}

/**
 * Opens a socket to the mock's URL. Half-open like a real HTTP client: after
 * an early refusal the server sends FIN but keeps reading the body, and a
 * client that is still uploading must be able to finish.
 */
export function connect(url: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port: Number(port), host: hostname, allowHalfOpen: true }, () => resolve(socket))
    socket.once('error', reject)
  })
}

/** Collects what the server sends until it closes the connection (or `until` matches). */
export function readAll(socket: net.Socket, until?: (text: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    let text = ''
    const finish = () => resolve(text)
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1')
      if (until?.(text)) {
        socket.off('close', finish)
        resolve(text)
      }
    })
    socket.once('close', finish)
    socket.once('error', finish)
  })
}

/** True once `text` holds a complete response with a Content-Length body. */
export function hasCompleteResponse(text: string): boolean {
  const parsed = /^HTTP\/1\.1 [2-5]\d\d/m.exec(text)
  if (!parsed) return false
  const rest = text.slice(parsed.index)
  const end = rest.indexOf('\r\n\r\n')
  if (end === -1) return false
  const length = /content-length: (\d+)/i.exec(rest.slice(0, end))
  return length ? rest.length - end - 4 >= Number(length[1]) : false
}
