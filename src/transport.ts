import http from 'node:http'
import type { Socket } from 'node:net'
import { clientErrorProblem } from './problems/foreign-errors.js'
import { PROBLEM_MEDIA_TYPE, Problem, statusTitle } from './problems/problem.js'
import type { ResolvedConfig } from './config.js'

/**
 * The connections under the mock: what Node does before there is a request
 * to answer (bad request lines, CONNECT, Expect), and the sockets the server
 * must know about when it closes.
 */
export class Connections {
  /**
   * Sockets that only drain what a client still sends after its answer went out (refused tunnels, which leave
   * Node's HTTP bookkeeping, and early refusals): a closing mock ends them instead of sitting out the drain.
   */
  readonly draining = new Set<Socket>()
  /** A request whose body broke mid-way was answered by `clientError`: the journal records that answer. */
  readonly answeredOnSocket = new WeakMap<Socket, Problem>()

  /** Ends the connections that are only draining a refused body. */
  endDraining(): void {
    for (const socket of this.draining) socket.destroy()
  }
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void

/** Marks a request that asked `Expect: 100-continue` (Node hands it over without sending 100). */
export const EXPECTS_CONTINUE = Symbol('doorman.expectsContinue')
export type ExpectingRequest = http.IncomingMessage & { [EXPECTS_CONTINUE]?: boolean }
// A mark on the request rather than a WeakSet: adding to a WeakSet costs each answer more, here and in the collector.
export const ANSWERED = Symbol('doorman.answered')
export type AnsweredRequest = http.IncomingMessage & { [ANSWERED]?: boolean }

/** What src/tls/listeners.ts needs to make HTTPS listeners that behave like the plain one. */
export interface ServerKit {
  /** doorman's timeouts, for every listener. */
  options: http.ServerOptions
  handler: Handler
  /** The answers to CONNECT and Expect, on a server that hands requests to `handle`. */
  wire: (server: http.Server, handle: Handler) => void
  /** fastify wires its `clientErrorHandler` to the main server only: other listeners take this one. */
  clientError: (error: Error & { code?: string }, socket: Socket) => void
}

/** Makes the main server an HTTPS one (`serve --tls`, src/tls/). */
export interface SecureTransport {
  createMainServer(kit: ServerKit): http.Server
}

/** fastify's `serverFactory`: the HTTP (or, given `secure`, HTTPS) server with doorman's timeouts and its answers to CONNECT and Expect. */
export function createTransport(config: ResolvedConfig['server'], lingerMs: () => number, connections: Connections, secure?: SecureTransport) {
  return (handler: Handler): http.Server => {
    const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = config
    const options: http.ServerOptions = {
      // A slowloris client (headers a byte at a time) gets a 408 instead of holding a socket forever.
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      // Node checks those timeouts every 30 s by default: a 1 s headers timeout would really be up to 31 s.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeoutMs / 4))),
      // Node answers a request without Host with a bare 400; the onRequest hook answers it with a problem.
      requireHostHeader: false,
    }
    const wire = (server: http.Server, handle: Handler) => {
      server.on('connect', (_request: http.IncomingMessage, socket: Socket) => refuseTunnel(socket, lingerMs(), connections))
      // Header-only steps decide before the body is sent: answer 100 Continue only when they pass.
      server.on('checkContinue', (req, res) => {
        ;(req as ExpectingRequest)[EXPECTS_CONTINUE] = true
        handle(req, res)
      })
      // Any other expectation is refused with a problem (Node alone would send a bare 417).
      server.on('checkExpectation', handle)
    }
    if (secure) return secure.createMainServer({ options, handler, wire, clientError: answerClientError(connections) })
    const server = http.createServer(options, handler)
    wire(server, handler)
    return server
  }
}

/** fastify's `clientErrorHandler`: Node could not parse the request (bad request line, header overflow, a bad chunk mid-body, a timeout). */
export function answerClientError(connections: Connections) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return
    // Node's own bookkeeping, read because nothing public says it: the response the socket is writing
    // (`_httpMessage`), and the request its parser is reading (`parser.incoming`).
    // A response already on its way (a 413 while the rest of the body is discarded, say) must not get a second one glued on.
    const inFlight = (socket as Socket & { _httpMessage?: http.ServerResponse })._httpMessage
    // …nor may a request still being read that was answered already (a 401 while its body trickles in past requestTimeout).
    const reading = (socket as Socket & { parser?: { incoming?: http.IncomingMessage | null } }).parser?.incoming
    if (socket.writable && !inFlight?.headersSent && !(reading && (reading as AnsweredRequest)[ANSWERED] === true)) {
      const problem = clientErrorProblem(error.code)
      socket.write(rawProblemResponse(problem, socket))
      // A request already handed over (its body broke) is journaled with the answer the client got.
      if (inFlight) connections.answeredOnSocket.set(socket, problem)
    }
    socket.destroy()
  }
}

/**
 * CONNECT asks for a tunnel, which a mock is not; Node would just drop the
 * connection. The answer goes out, and what the client still sends is read
 * and dropped (closing on unread bytes would reset the answer away) until it
 * closes or `lingerMs` passes.
 */
function refuseTunnel(socket: Socket, lingerMs: number, connections: Connections): void {
  const problem = new Problem('REQUEST_MALFORMED', {
    detail: 'CONNECT asks for a tunnel, and doorman is a mock, not a proxy; send the request itself to the mock.',
    extra: { received: 'CONNECT' },
  })
  connections.draining.add(socket)
  const timer = setTimeout(() => socket.destroy(), lingerMs)
  timer.unref()
  socket.once('close', () => {
    clearTimeout(timer)
    connections.draining.delete(socket)
  })
  socket.on('error', () => socket.destroy())
  socket.once('end', () => socket.destroy())
  socket.resume()
  socket.end(rawProblemResponse(problem, socket))
}

/**
 * For errors Node reports before there is a request to answer: written straight to the socket. `scheme` is
 * that of the listener, for the problem's `type` link (a plain-HTTP request to an HTTPS one says https).
 */
export function rawProblemResponse(
  problem: Problem,
  socket: Socket,
  scheme = (socket as Socket & { encrypted?: boolean }).encrypted ? 'https' : 'http',
): string {
  const host = socket.localAddress?.includes(':') ? `[${socket.localAddress}]` : socket.localAddress
  const body = JSON.stringify(problem.toJSON(`${scheme}://${host}:${socket.localPort}`, '/', '-'))
  return (
    `HTTP/1.1 ${problem.status} ${statusTitle(problem.status)}\r\n` +
    `Content-Type: ${PROBLEM_MEDIA_TYPE}\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  )
}
