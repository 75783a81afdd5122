import http from 'node:http'

export interface HostileResponse {
  status: number
  headers: http.IncomingHttpHeaders
  text: string
  /** The body as JSON, or undefined when it is not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the suites read whatever came back, and a wrong guess fails the test
  json: any
}

export interface HostileRequest {
  method?: string
  path: string
  headers?: Record<string, string>
  body?: string | Buffer
}

/**
 * Sends exactly the headers a hostile page (through the user's browser) or a
 * hostile client would: node:http lets a test set Host, Origin and the
 * Sec-Fetch-* headers that fetch() keeps for itself.
 */
export function send(baseUrl: string, { method = 'GET', path, headers = {}, body }: HostileRequest): Promise<HostileResponse> {
  const url = new URL(path, baseUrl)
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port, path: url.pathname + url.search, method, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let json: unknown
          try {
            json = text ? JSON.parse(text) : undefined
          } catch {
            json = undefined
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
        })
      },
    )
    request.on('error', reject)
    request.end(body)
  })
}
