import type { IncomingMessage } from 'node:http'
import { reclaimYoungGarbage } from '../util/reclaim-memory.js'

const RECLAIM_EVERY_BYTES = 4 * 1024 * 1024

/**
 * After refusing a request whose body is still on its way (413 by
 * Content-Length, 401/415 before 100 Continue, …) the answer carries
 * `Connection: close`. Closing at once would make the kernel send a RST while
 * the client is still uploading, and a client that writes its whole body
 * before reading (Python requests, Java's HttpURLConnection) would see
 * "connection reset" instead of the 413. So, like nginx's lingering close,
 * the socket sends FIN after the answer but keeps reading and discarding the
 * body until it ends, the client closes, or `lingerMs` passes.
 */
export function lingerOnClose(req: IncomingMessage, lingerMs: number): void {
  const socket = req.socket as IncomingMessage['socket'] & { destroySoon?: () => void }
  if (!socket || socket.destroyed) return
  discardBody(req)
  // Node's http server ends a `Connection: close` response by calling socket.destroySoon() (an
  // internal, undocumented method: end, then destroy once written). Overriding it on this one socket is
  // the only place to step in between the answer's last byte and the close without patching Node.
  socket.destroySoon = () => {
    socket.end()
    if (req.complete) return void socket.destroy()
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
    }
    const timer = setTimeout(done, lingerMs)
    timer.unref()
    req.once('end', done)
    socket.once('close', done)
  }
}

/** Reads and drops what is still coming; memory stays flat whatever the client sends. */
export function discardBody(req: IncomingMessage): void {
  let sinceReclaim = 0
  req.on('data', (chunk: Buffer) => {
    sinceReclaim += chunk.length
    if (sinceReclaim >= RECLAIM_EVERY_BYTES) {
      sinceReclaim = 0
      reclaimYoungGarbage()
    }
  })
}
