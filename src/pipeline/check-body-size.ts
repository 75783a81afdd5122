import { Problem } from '../problems/problem.js'
import { matchedOperation, matchedRules, type Stage } from './context.js'

/**
 * Step 5, the part headers decide: a Content-Length over the limit is refused
 * before one byte of the body is read. A chunked body is counted as it
 * arrives (read-body.ts), and a compressed one after decoding too.
 */
export const checkBodySize: Stage = {
  name: 'body-size',
  needsBody: false,
  run(ctx, request, mock) {
    if (!ctx.hasBody) return undefined
    const limit = matchedRules(ctx).bodyLimitBytes
    const declared = request.headers['content-length']
    if (declared === undefined) {
      if (mock.config.limits.requireContentLength) {
        return new Problem('LENGTH_REQUIRED', {
          detail: `${matchedOperation(ctx).label} requires a Content-Length header; this body was sent chunked. Send the body with its length.`,
          headers: { connection: 'close' },
        })
      }
      return undefined
    }
    const bytes = Number(declared)
    if (bytes > limit) {
      return tooLarge(limit, bytes, 'declares')
    }
    return undefined
  },
}

export function tooLarge(limit: number, bytes: number, how: 'declares' | 'sent' | 'decodes to'): Problem {
  const size = how === 'sent' ? `more than ${formatBytes(limit)} (${bytes} bytes so far)` : `${formatBytes(bytes)} (${bytes} bytes)`
  return new Problem('BODY_TOO_LARGE', {
    detail: `The body ${how} ${size}, over this operation's limit of ${formatBytes(limit)} (${limit} bytes); send a smaller body.`,
    headers: { connection: 'close' },
    extra: { limit, received: bytes },
  })
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${+(bytes / 1024 ** 3).toFixed(2)} GiB`
  if (bytes >= 1024 ** 2) return `${+(bytes / 1024 ** 2).toFixed(2)} MiB`
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(2)} KiB`
  return `${bytes} B`
}
