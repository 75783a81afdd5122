import type { FastifyRequest } from 'fastify'
import { Problem } from '../problems/problem.js'
import { isLoopbackAddress } from './guard.js'

/**
 * What a web page in the user's browser could make the browser send to the
 * admin API, and how each is told apart from a test suite, curl or a script:
 *
 * - DNS rebinding (webpack-dev-server CVE-2018-14732, Vite CVE-2025-24010):
 *   the page's own name resolves to 127.0.0.1, so the request comes from
 *   loopback, but its Host header still names the page's site.
 * - A cross-site request (CSRF): the browser sends Origin on every POST and
 *   on every CORS request, and Sec-Fetch-Site on everything.
 * - A "simple" POST (text/plain, a form, multipart) needs no CORS preflight:
 *   state-changing admin calls take JSON only, which a page cannot send to
 *   another origin without a preflight that doorman never grants.
 *
 * Non-browser clients send none of these headers, or the right ones.
 */
export interface AdminOrigin {
  /** The names the mock listens on (`--host`), besides loopback and the address a request came in on. */
  boundHost: string | undefined
  /** `admin.allowedHosts`, lower-cased: exact names, or `.example.test` for a domain and its subdomains. */
  allowedHosts: readonly string[]
}

export function checkSameOrigin(request: FastifyRequest, origin: AdminOrigin): Problem | undefined {
  return checkHost(request, origin) ?? checkCrossSite(request) ?? checkJsonOnly(request)
}

function checkHost(request: FastifyRequest, { boundHost, allowedHosts }: AdminOrigin): Problem | undefined {
  const header = request.headers.host
  // HTTP/1.0 without Host: no browser sends that, so no page can be behind it.
  if (header === undefined) return undefined
  const name = hostName(header)
  if (name !== undefined && hostAllowed(name, request.socket.localAddress, boundHost, allowedHosts)) return undefined
  return new Problem('ADMIN_HOST_REFUSED', {
    detail: `The admin API answers requests that name this mock in their Host header (localhost, a loopback address, the address it listens on, or admin.allowedHosts), and this one says '${truncate(header)}'; call it as http://127.0.0.1:${request.socket.localPort ?? 'PORT'}/__doorman/…, or add '${truncate(name ?? header)}' to admin.allowedHosts if you reach the mock by that name.`,
    extra: { received: truncate(header), expected: ['localhost', '127.0.0.1', '[::1]', ...allowedHosts] },
  })
}

function checkCrossSite(request: FastifyRequest): Problem | undefined {
  const origin = request.headers.origin
  const site = request.headers['sec-fetch-site']
  if (origin !== undefined && !sameOrigin(origin, request)) {
    return crossSite(`this request comes from a page of another origin (Origin: ${truncate(origin)})`, origin)
  }
  // A top-level navigation to a GET (a link a person clicks) changes nothing and shows the answer to that person only.
  const navigation = request.headers['sec-fetch-mode'] === 'navigate' && (request.method === 'GET' || request.method === 'HEAD')
  if (site === 'cross-site' && !navigation) return crossSite('the browser says this request comes from another site (Sec-Fetch-Site: cross-site)', site)
  return undefined
}

function crossSite(why: string, received: string): Problem {
  return new Problem('ADMIN_CROSS_SITE', {
    detail: `The admin API can rewrite what the mock answers, so no web page of another origin may call it, and ${why}; call it from a test suite, curl or a script instead.`,
    extra: { received: truncate(received) },
  })
}

/** Methods a page can send without a preflight, and whose bodies it can make text/plain, form or multipart. */
function checkJsonOnly(request: FastifyRequest): Problem | undefined {
  if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return undefined
  const type = request.headers['content-type']
  if (type === undefined) {
    const length = request.headers['content-length']
    const hasBody = request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
    if (!hasBody) return undefined
  } else if (isJson(type)) {
    return undefined
  }
  return new Problem('ADMIN_CONTENT_TYPE_UNSUPPORTED', {
    detail: `${request.method} ${request.url.split('?')[0]} takes a JSON body (or none), and this one ${type === undefined ? 'has no Content-Type' : `is '${truncate(type)}'`}: a browser form or a simple fetch could send that from any web page. Send 'Content-Type: application/json' (curl: -H 'content-type: application/json').`,
    extra: { expected: ['application/json'], received: type === undefined ? null : truncate(type) },
  })
}

function isJson(type: string): boolean {
  const essence = type.split(';')[0].trim().toLowerCase()
  return essence === 'application/json' || (essence.startsWith('application/') && essence.endsWith('+json'))
}

/** `Origin` names the very scheme, host and port the request was sent to. */
function sameOrigin(origin: string, request: FastifyRequest): boolean {
  // 'null': a sandboxed page, a file:// page, a redirect across origins: never the mock's own page.
  if (origin === 'null' || request.headers.host === undefined) return false
  try {
    const from = new URL(origin)
    const to = new URL(`${request.protocol}://${request.headers.host}`)
    return from.protocol === to.protocol && from.host === to.host
  } catch {
    return false
  }
}

/** The host name of a Host header, lower-cased, brackets and one trailing dot dropped; undefined when it is not one. */
export function hostName(header: string): string | undefined {
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d*)?$/i.exec(header)
  if (bracketed) return bracketed[1].toLowerCase()
  const plain = /^([^:[\]]+)(?::\d*)?$/.exec(header)
  return plain ? plain[1].toLowerCase().replace(/\.$/, '') : undefined
}

/**
 * Loopback names and addresses (RFC 6761: `localhost` and `*.localhost` are
 * loopback; browsers resolve them so, without DNS), the address the request
 * came in on (what a client that typed the mock's IP sends), the `--host`
 * name, and `admin.allowedHosts`. A rebinding page's name is none of these.
 */
function hostAllowed(name: string, localAddress: string | undefined, boundHost: string | undefined, allowedHosts: readonly string[]): boolean {
  if (name === 'localhost' || name.endsWith('.localhost') || isLoopbackAddress(name)) return true
  if (localAddress !== undefined && sameAddress(name, localAddress)) return true
  if (
    boundHost !== undefined &&
    name ===
      boundHost
        .toLowerCase()
        .replace(/^\[(.*)\]$/, '$1')
        .replace(/\.$/, '')
  )
    return true
  return allowedHosts.some((allowed) => (allowed.startsWith('.') ? name === allowed.slice(1) || name.endsWith(allowed) : name === allowed))
}

function sameAddress(name: string, address: string): boolean {
  const bare = (a: string) => a.toLowerCase().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1')
  return bare(name) === bare(address)
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}
