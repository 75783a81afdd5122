import type { FastifyInstance } from 'fastify'

/** How long `close()` lets requests in flight finish before it closes what is still open. */
export const CLOSE_GRACE_MS = 2000

/**
 * `close()` for a fixture: the requests in flight get their answers (a test's
 * last request is not cut off by its teardown), idle keep-alive connections
 * close at once (fastify's `forceCloseConnections: 'idle'`), and the fault
 * runtime (src/faults/runtime.ts) ends the connections a fault holds on purpose
 * (hang, drip, delay) and marks every answer sent while closing
 * `Connection: close`, or its connection would stay open, idle, until the
 * keep-alive timeout (72 s). Whatever is still open after CLOSE_GRACE_MS (a
 * client stalled mid-upload) is closed.
 */
export function gracefulClose(app: FastifyInstance): () => Promise<void> {
  let closed: Promise<void> | undefined
  return () =>
    (closed ??= (async () => {
      const deadline = setTimeout(() => app.server.closeAllConnections(), CLOSE_GRACE_MS)
      try {
        await app.close()
      } finally {
        clearTimeout(deadline)
      }
    })())
}
