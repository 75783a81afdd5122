import { Problem } from '../problems/problem.js'

/** Node and undici codes that mean the upstream's certificate (or its TLS) was refused. */
const TLS_CODE = /CERT|SSL|TLS|SIGNATURE|ISSUER|EPROTO|ERR_TLS/

/** The undici error under reply-from's wrapper (it wraps each one in its own `cause`). */
function rootCause(error: unknown): NodeJS.ErrnoException {
  let current = error as NodeJS.ErrnoException & { cause?: unknown }
  for (let depth = 0; depth < 5 && current.cause instanceof Error; depth++) current = current.cause
  return current
}

/**
 * An upstream failure as the client hears it (one table, like
 * src/problems/foreign-errors.ts): no connection or no such host → 502
 * UPSTREAM_UNREACHABLE, no headers in time → 504 UPSTREAM_TIMEOUT, a
 * certificate refused → 502 UPSTREAM_TLS with Node's code.
 */
export function upstreamProblem(error: unknown, upstream: URL, timeoutMs: number): Problem {
  const cause = rootCause(error)
  const code = cause.code ?? (error as NodeJS.ErrnoException).code ?? 'UNKNOWN'
  const where = upstream.origin
  const received = { code, message: cause.message }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'FST_REPLY_FROM_GATEWAY_TIMEOUT') {
    const what = code === 'UND_ERR_CONNECT_TIMEOUT' ? 'did not accept the connection' : 'sent no response headers'
    return new Problem('UPSTREAM_TIMEOUT', {
      detail: `The upstream ${where} ${what} within ${timeoutMs} ms (--upstream-timeout); make it answer faster or raise the timeout.`,
      extra: { upstream: where, expected: timeoutMs, received },
    })
  }
  if (TLS_CODE.test(code)) {
    return new Problem('UPSTREAM_TLS', {
      detail: `The upstream ${where}'s certificate was refused (${code}: ${cause.message}); give its CA with --upstream-ca, or --upstream-insecure for a test server.`,
      extra: { upstream: where, received },
    })
  }
  const why =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? `its host name does not resolve (${code})`
      : code === 'ECONNREFUSED'
        ? 'it refused the connection (ECONNREFUSED): is it running on that port?'
        : `the connection failed (${code}: ${cause.message})`
  return new Problem('UPSTREAM_UNREACHABLE', {
    detail: `doorman could not reach the upstream ${where}: ${why}.`,
    extra: { upstream: where, received },
  })
}
