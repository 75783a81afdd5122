/**
 * What the journal keeps about a TLS connection: which listener (mode), the
 * protocol, the server name the client asked for, and its client
 * certificate. Read once per connection, when the handshake completes, and
 * shared by every request on it (a TLS connection cannot change them).
 */
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { TlsClientHelloMessage } from 'read-tls-client-hello'
import type { TlsMode } from './modes.js'

export interface TlsClientCertificate {
  /** The subject's common name (or the whole subject when it has none). */
  subject: string
  issuer: string
  /** It chains to doorman's CA and is valid now. */
  trusted: boolean
  /** Why it is not trusted: OpenSSL's verdict, e.g. `UNABLE_TO_GET_ISSUER_CERT`, `CERT_HAS_EXPIRED`. */
  reason?: string
}

export interface TlsFacts {
  /** The mode listener the connection came to; absent on the main listener. */
  mode?: TlsMode
  /** The protocol the handshake settled on (`TLSv1.3`); absent when it failed before. */
  protocol?: string
  /** The versions the client offered in its hello, newest first. */
  offered?: string[]
  /** The server name the client asked for (SNI); clients send none when they connect to an IP address. */
  sni?: string
  /** A failed handshake: the TLS alert (`certificate expired`, `unknown ca`, `protocol version`, …). */
  alert?: string
  /** Who sent the alert: the client refused the server, or the server refused the client. */
  alertFrom?: 'client' | 'server'
  /** The error Node and OpenSSL gave for a failed handshake, to search for. */
  error?: string
  /** The certificate the client presented, if any. */
  clientCertificate?: TlsClientCertificate
}

const connectionFacts = new WeakMap<object, TlsFacts>()
const HELLO = Symbol('doorman.tlsClientHello')
type HelloSocket = Socket & { [HELLO]?: TlsClientHelloMessage }

/** Kept on the raw socket until the handshake ends (read-tls-client-hello reads it before TLS starts). */
export function rememberHello(raw: Socket, hello: TlsClientHelloMessage): void {
  ;(raw as HelloSocket)[HELLO] = hello
}

/** The hello of a TLS socket's underlying connection. `_parent` is Node's own link to it (read-tls-client-hello reads it too). */
export function helloOf(tlsSocket: TLSSocket): TlsClientHelloMessage | undefined {
  const raw: HelloSocket = (tlsSocket as TLSSocket & { _parent?: HelloSocket })._parent ?? tlsSocket
  return raw[HELLO]
}

/** Called on 'secureConnection': the facts every request on this connection shares. */
export function recordConnection(tlsSocket: TLSSocket, mode: TlsMode | undefined): void {
  const hello = helloOf(tlsSocket)
  const facts: TlsFacts = {
    mode,
    protocol: tlsSocket.getProtocol() ?? undefined,
    offered: hello && offeredVersions(hello),
    sni: typeof tlsSocket.servername === 'string' ? tlsSocket.servername : undefined,
    clientCertificate: clientCertificateOf(tlsSocket),
  }
  connectionFacts.set(tlsSocket, facts)
}

/** The journal's `tls` field for a request: undefined on plain HTTP. */
export function tlsFactsOf(socket: Socket | undefined): TlsFacts | undefined {
  return socket === undefined ? undefined : connectionFacts.get(socket)
}

function clientCertificateOf(tlsSocket: TLSSocket): TlsClientCertificate | undefined {
  const peer = tlsSocket.getPeerCertificate()
  // An empty object when the client sent none.
  if (!peer || Object.keys(peer).length === 0) return undefined
  const name = (dn: Record<string, string | string[]> | undefined) => {
    if (!dn) return ''
    const cn = dn.CN
    return (
      (Array.isArray(cn) ? cn[0] : cn) ??
      Object.entries(dn)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(', ')
    )
  }
  const reason = tlsSocket.authorizationError
  return {
    subject: name(peer.subject as unknown as Record<string, string>),
    issuer: name(peer.issuer as unknown as Record<string, string>),
    trusted: tlsSocket.authorized,
    ...(tlsSocket.authorized || !reason ? {} : { reason: String(reason) }),
  }
}

const VERSION_NAMES: Record<number, string> = { 0x0304: 'TLSv1.3', 0x0303: 'TLSv1.2', 0x0302: 'TLSv1.1', 0x0301: 'TLSv1', 0x0300: 'SSLv3' }

/** TLS 1.3 clients list their versions in supported_versions (43); older ones say only their highest in the hello. */
export function offeredVersions(hello: TlsClientHelloMessage): string[] {
  const supported = hello.extensions.find((extension) => extension.id === 43)?.data as { versions?: number[] } | null | undefined
  const versions = supported?.versions?.length ? supported.versions : [hello.version]
  return versions.map((v) => VERSION_NAMES[v]).filter((name): name is string => name !== undefined)
}

export function sniOf(hello: TlsClientHelloMessage | undefined): string | undefined {
  const data = hello?.extensions.find((extension) => extension.id === 0)?.data as { serverName?: string } | null | undefined
  return data?.serverName
}
