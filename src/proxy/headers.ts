import type { IncomingHttpHeaders } from 'node:http'
import type { FastifyRequest } from 'fastify'

/**
 * RFC 9110 §7.6.1: Connection, and the fields it names, are for one hop only;
 * so are Proxy-Connection, Keep-Alive, TE, Transfer-Encoding and Upgrade. A
 * proxy drops them on the way in both directions. `Expect` is doorman's to
 * meet (it answered 100-continue itself) and Proxy-Authorization is meant for
 * a proxy that doorman is not.
 */
const HOP_BY_HOP = ['connection', 'proxy-connection', 'keep-alive', 'te', 'transfer-encoding', 'upgrade']
const REQUEST_ONLY = ['expect', 'proxy-authorization']

/** Our token in Via (RFC 9110 §7.6.3): the protocol version received, and a pseudonym. */
export function viaToken(httpVersion: string): string {
  return `${httpVersion === '2.0' ? '2' : httpVersion} doorman`
}

/** The field names a Connection header lists (lower case). */
function connectionOptions(value: string | string[] | undefined): string[] {
  if (value === undefined) return []
  return [value]
    .flat()
    .flatMap((v) => v.split(','))
    .map((token) => token.trim().toLowerCase())
    .filter(Boolean)
}

function dropHopByHop(headers: Record<string, unknown>, listed: string[]): void {
  for (const name of [...HOP_BY_HOP, ...listed]) delete headers[name]
}

/**
 * The headers that go to the upstream: the client's own, credentials included
 * (doorman's check of a token does not replace the upstream's), without the
 * hop-by-hop ones, with Via and Forwarded (RFC 7239) saying who forwarded it.
 * `Host` is the upstream's (reply-from sets it); the client's goes in Forwarded.
 */
export function forwardedRequestHeaders(request: FastifyRequest, headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers }
  // reply-from already took out Connection and what it lists; the original names them.
  dropHopByHop(out, connectionOptions(request.headers.connection))
  for (const name of REQUEST_ONLY) delete out[name]
  out.via = appendList(request.headers.via, viaToken(request.raw.httpVersion))
  out.forwarded = appendList(request.headers.forwarded, forwardedElement(request))
  return out
}

/** The upstream's answer headers as they came, less the hop-by-hop ones, plus our Via (RFC 9110 §7.6.3: a proxy MUST add it). */
export function returnedResponseHeaders(headers: Record<string, string | string[] | undefined>, httpVersion: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = value
  dropHopByHop(out, connectionOptions(headers.connection))
  out.via = appendList(headers.via, viaToken(httpVersion))
  return out
}

function appendList(existing: string | string[] | undefined, element: string): string {
  if (existing === undefined || existing.length === 0) return element
  return `${[existing].flat().join(', ')}, ${element}`
}

/** `for=127.0.0.1;host="127.0.0.1:4010";proto=http` (RFC 7239 §4; IPv6 and ports quoted). */
function forwardedElement(request: FastifyRequest): string {
  const ip = request.raw.socket.remoteAddress ?? 'unknown'
  const forNode = ip.includes(':') ? `"[${ip}]"` : ip
  const host = request.headers.host
  const parts = [`for=${forNode}`]
  if (host !== undefined) parts.push(`host=${quoteIfNeeded(host)}`)
  parts.push(`proto=${request.protocol}`)
  return parts.join(';')
}

function quoteIfNeeded(value: string): string {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value) ? value : `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
}
