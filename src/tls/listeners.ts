/**
 * The HTTPS listeners of one mock: the main one (`serve --tls`) and one per
 * mode (`--tls-modes`). They share fastify's request handler, so the whole
 * pipeline (rules, auth, faults, journal) runs the same on each; what they
 * add is the handshake: its failures, and the connections a client left
 * without a request, become journal entries (src/tls/handshake.ts).
 */
import type http from 'node:http'
import https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { NonTlsError, readTlsClientHello } from 'read-tls-client-hello'
import { connectionId } from '../journal/client-facts.js'
import type { JournalEntry } from '../journal/entry.js'
import { Problem } from '../problems/problem.js'
import { rawProblemResponse, type SecureTransport, type ServerKit } from '../transport.js'
import type { ListenerSecurity, MockCertificates } from './certificates.js'
import { helloOf, offeredVersions, recordConnection, rememberHello, sniOf, tlsFactsOf, type TlsFacts } from './facts.js'
import { describeFailure, handshakeDetail, handshakeEntry, silentRefusal, type HandshakeFailure } from './handshake.js'
import { MODE_FACTS, type TlsMode } from './modes.js'

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void

export interface TlsListenersOptions {
  certificates: MockCertificates
  /** Journals (and logs) one entry: a failed handshake, or plain HTTP refused. */
  record: (entry: JournalEntry) => void
  /** How long a client may take to say hello and finish the handshake. */
  handshakeTimeoutMs: number
  /** How long `close()` lets requests in flight finish before it ends every connection. */
  closeGraceMs: number
}

export class TlsListeners implements SecureTransport {
  readonly #options: TlsListenersOptions
  #kit: ServerKit | undefined
  readonly #servers = new Map<TlsMode, https.Server>()
  /** Connections still before or in their handshake: no HTTP bookkeeping knows them, so closing ends them here. */
  readonly #handshaking = new Set<Socket>()
  /** Connections that carried at least one request. */
  readonly #spoke = new WeakSet<object>()
  #sequence = 0
  /** Resolves once every mode listener has closed (set by beginClose). */
  #closed: Promise<unknown> | undefined
  /** The URL of each mode's listener, once listening. */
  readonly urls: Partial<Record<TlsMode, string>> = {}

  constructor(options: TlsListenersOptions) {
    this.#options = options
  }

  /** fastify's server: the main listener, with the good certificate. */
  createMainServer(kit: ServerKit): http.Server {
    this.#kit = kit
    return this.#createServer(undefined, this.#options.certificates.main, false)
  }

  /** One listener per mode, each on a free port of `host`, once the main one listens. */
  async listenModes(host: string): Promise<void> {
    const shownHost = host.includes(':') ? `[${host}]` : host
    await Promise.all(
      [...this.#options.certificates.modes].map(async ([mode, security]) => {
        const server = this.#createServer(mode, security, true)
        this.#servers.set(mode, server)
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject)
          server.listen(0, host, () => {
            server.off('error', reject)
            resolve()
          })
        })
        this.urls[mode] = `https://${shownHost}:${(server.address() as AddressInfo).port}`
      }),
    )
  }

  /** On preClose: no new connections; idle ones and handshakes under way end now, requests in flight may finish. */
  beginClose(): void {
    for (const socket of this.#handshaking) socket.destroy()
    this.#closed = Promise.all(
      [...this.#servers.values()].map((server) => {
        const closed = new Promise((resolve) => server.close(resolve))
        server.closeIdleConnections()
        return closed
      }),
    )
  }

  /** On onClose: the mode listeners closed, what is still open ended after the grace period. */
  async close(): Promise<void> {
    const deadline = setTimeout(() => {
      for (const server of this.#servers.values()) server.closeAllConnections()
    }, this.#options.closeGraceMs)
    try {
      if (this.#closed === undefined) this.beginClose()
      await this.#closed
    } finally {
      clearTimeout(deadline)
    }
  }

  #createServer(mode: TlsMode | undefined, security: ListenerSecurity, modeListener: boolean): https.Server {
    const kit = this.#kit
    if (kit === undefined) throw new Error('the main listener is made first: it carries the request handler')
    // A request marks its connection: one that closes without any was left by a client that refused the certificate.
    const handle: Handler = (req, res) => {
      this.#spoke.add(req.socket)
      kit.handler(req, res)
    }
    const server = https.createServer({ ...kit.options, ...security, handshakeTimeout: this.#options.handshakeTimeoutMs }, handle)
    kit.wire(server, handle)
    if (modeListener) server.on('clientError', kit.clientError)
    this.#readHellos(server, mode)
    server.prependListener('secureConnection', (socket: TLSSocket) => {
      recordConnection(socket, mode)
      if (!refusable(mode)) return
      let reset = false
      socket.on('error', (error: NodeJS.ErrnoException) => (reset ||= error.code === 'ECONNRESET'))
      socket.once('close', () => {
        // The client's FIN (or reset) before a single request: it hung up on the certificate.
        if (!this.#spoke.has(socket) && (socket.readableEnded || reset)) this.#journalFailure(mode, socket, silentRefusal(), tlsFactsOf(socket))
      })
    })
    server.on('tlsClientError', (error: Error & { code?: string }, socket: TLSSocket) => this.#journalFailure(mode, socket, describeFailure(error)))
    return server
  }

  /**
   * Reads the client's hello before TLS starts (read-tls-client-hello, as
   * mockttp does): the versions it offers and the name it asks for are known
   * even when the handshake fails before Node could tell. Plain HTTP sent to
   * the listener gets a problem instead of a TLS error it cannot read.
   */
  #readHellos(server: https.Server, mode: TlsMode | undefined): void {
    const startTls = server.listeners('connection')[0] as (socket: Socket) => void
    server.removeListener('connection', startTls)
    server.on('connection', (socket: Socket) => {
      const arrivedAt = Date.now()
      this.#handshaking.add(socket)
      const timer = setTimeout(() => socket.destroy(), this.#options.handshakeTimeoutMs)
      timer.unref()
      socket.once('close', () => {
        clearTimeout(timer)
        this.#handshaking.delete(socket)
      })
      readTlsClientHello(socket).then(
        (hello) => {
          rememberHello(socket, hello)
          ;(socket as Socket & { [ARRIVED]?: number })[ARRIVED] = arrivedAt
          startTls.call(server, socket)
        },
        (error: unknown) => {
          if (socket.destroyed) return
          if (error instanceof NonTlsError && this.#refusePlainHttp(socket, mode, arrivedAt)) return
          startTls.call(server, socket)
        },
      )
    })
    // Once secure, the HTTP server's own timeouts and close() take over.
    server.on('secureConnection', (socket: TLSSocket) => {
      const raw = (socket as TLSSocket & { _parent?: Socket })._parent
      if (raw) this.#handshaking.delete(raw)
    })
  }

  /** A request line where a TLS hello should be: answered with a 400 problem in plain HTTP, which the client can read. */
  #refusePlainHttp(socket: Socket, mode: TlsMode | undefined, arrivedAt: number): boolean {
    const head = socket.read() as Buffer | null
    const requestLine = head ? /^([A-Z]{3,10}) (\S+) HTTP\/1\.[01]\r?\n/.exec(head.toString('latin1', 0, Math.min(head.length, 2048))) : null
    if (!requestLine) {
      if (head) socket.unshift(head)
      return false
    }
    const problem = new Problem('HTTPS_REQUIRED', {
      detail: `This listener speaks HTTPS only; send the request to https://${socket.localAddress?.includes(':') ? `[${socket.localAddress}]` : socket.localAddress}:${socket.localPort}${requestLine[2]} and trust doorman's CA (doorman tls ca prints its path).`,
      extra: { expected: 'https', received: 'http' },
    })
    // Read and drop what else comes, so that closing does not reset the answer away.
    socket.on('error', () => socket.destroy())
    socket.resume()
    socket.end(rawProblemResponse(problem, socket, 'https'))
    const entry = handshakeEntry({
      requestId: this.#nextId(),
      startedAt: arrivedAt,
      connection: connectionId(socket),
      facts: { ...(mode ? { mode } : {}), alertFrom: 'server', error: 'HTTPS_REQUIRED' },
      detail: problem.detail,
    })
    const [, method, target] = requestLine
    const q = target.indexOf('?')
    this.#options.record({
      ...entry,
      method: method,
      path: q === -1 ? target : target.slice(0, q),
      query: q === -1 ? '' : target.slice(q + 1),
      status: 400,
      code: 'HTTPS_REQUIRED',
    })
    return true
  }

  #journalFailure(mode: TlsMode | undefined, socket: TLSSocket, failure: HandshakeFailure, known?: TlsFacts): void {
    const hello = helloOf(socket)
    const raw = (socket as TLSSocket & { _parent?: Socket })._parent ?? socket
    const arrivedAt = (raw as Socket & { [ARRIVED]?: number })[ARRIVED] ?? Date.now()
    const offered = known?.offered ?? (hello && offeredVersions(hello))
    const facts: TlsFacts = {
      ...(mode ? { mode } : {}),
      ...(known?.protocol ? { protocol: known.protocol } : {}),
      ...(offered ? { offered } : {}),
      ...((known?.sni ?? sniOf(hello)) ? { sni: known?.sni ?? sniOf(hello) } : {}),
      ...(failure.alert ? { alert: failure.alert, alertFrom: failure.alertFrom } : {}),
      error: failure.error,
    }
    this.#options.record(
      handshakeEntry({
        requestId: this.#nextId(),
        startedAt: arrivedAt,
        connection: connectionId(raw),
        facts,
        detail: handshakeDetail(mode, failure, offered),
      }),
    )
  }

  #nextId(): string {
    return `t-${String(++this.#sequence).padStart(6, '0')}`
  }
}

const ARRIVED = Symbol('doorman.tlsArrivedAt')

/**
 * Listeners whose certificate a careful client refuses: there, a connection
 * left without a request means the client refused it. On the main listener
 * too: the client does not trust doorman's CA.
 */
function refusable(mode: TlsMode | undefined): boolean {
  return mode === undefined || MODE_FACTS[mode].accepted !== undefined
}
