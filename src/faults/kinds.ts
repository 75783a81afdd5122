import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FaultAction, RenderedResponse, SocketFaultKind } from './action.js'
import type { DripPlan, GarbagePlan, PartialPlan } from './plan.js'

/** What a socket-level fault works with. The reply is hijacked: fastify no longer touches it. */
export interface FaultIO {
  socket: Socket
  res: ServerResponse
  /** Cancelled when the connection goes (client left, server closing). */
  signal: AbortSignal
  /** Call when the status line goes out. */
  started(): void
  /** Call before the mock itself ends the connection, so it is not mistaken for the client giving up. */
  endedByServer(): void
}

/** Bytes no HTTP/1.x parser accepts as a status line (a TLS record header, then text). */
export const DEFAULT_GARBAGE = Buffer.from('\x16\x03\x01\x00\xa5 doorman garbage fault: these bytes are not an HTTP response\r\n\r\n', 'latin1')

/**
 * One implementation per socket-level kind (mockttp's step-impls, in small).
 * `status` and `delay` need no socket tricks: the pipeline answers them.
 */
export const SOCKET_FAULTS: Record<SocketFaultKind, (io: FaultIO, action: FaultAction) => void> = {
  hang() {
    // Nothing, ever: the connection stays open until the client gives up or the server closes.
  },

  reset(io) {
    io.endedByServer()
    // A real RST (SO_LINGER 0), not a FIN: the client reads ECONNRESET.
    if (typeof io.socket.resetAndDestroy === 'function') io.socket.resetAndDestroy()
    else io.socket.destroy()
  },

  close(io) {
    io.endedByServer()
    // FIN once the (empty) write queue drains: "other side closed" / RemoteDisconnected.
    io.socket.destroySoon()
  },

  garbage(io, action) {
    io.endedByServer()
    io.socket.write((action.plan as GarbagePlan).text ?? DEFAULT_GARBAGE)
    io.socket.destroySoon()
  },

  partial(io, action) {
    const response = renderedResponse(action)
    const requested = (action.plan as PartialPlan).bytes
    // Always fewer bytes than promised, or it would not be partial.
    const sent = Math.min(requested ?? Math.floor(response.body.length / 2), Math.max(0, response.body.length - 1))
    io.res.writeHead(response.status, { ...response.headers, 'content-length': String(response.body.length) })
    io.started()
    io.res.flushHeaders()
    io.res.write(response.body.subarray(0, sent), () => {
      io.endedByServer()
      io.socket.destroy()
    })
  },

  drip(io, action) {
    const response = renderedResponse(action)
    const plan = action.plan as DripPlan
    const chunkBytes = plan.chunkBytes ?? 16
    const intervalMs = plan.intervalMs ?? 200
    io.res.writeHead(response.status, { ...response.headers, 'content-length': String(response.body.length) })
    io.started()
    io.res.flushHeaders()
    let offset = 0
    const timer = setInterval(() => {
      const chunk = response.body.subarray(offset, offset + chunkBytes)
      offset += chunk.length
      if (offset >= response.body.length) {
        clearInterval(timer)
        io.res.end(chunk)
      } else {
        io.res.write(chunk)
      }
    }, intervalMs)
    io.signal.addEventListener('abort', () => clearInterval(timer), { once: true })
  },
}

/** partial and drip send part of the documented answer: the fault step renders it for them (src/pipeline/decide-fault.ts). */
function renderedResponse(action: FaultAction): RenderedResponse {
  if (action.response === undefined) throw new Error(`doorman bug: a ${action.kind} fault came without the response it sends part of`)
  return action.response
}
