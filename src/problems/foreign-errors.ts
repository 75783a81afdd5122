import type { ProblemCode } from './catalog.js'
import { Problem } from './problem.js'

/**
 * Errors raised by fastify or Node on the request's behalf, translated into
 * catalog problems in one table. Anything not listed here and not a client
 * error is a doorman bug: INTERNAL_ERROR.
 */
// Rows of one table, alike in shape by design (`duplicates` pairs them): each says its own code and detail.
const FOREIGN: Record<string, { code: ProblemCode; detail: (error: Error) => string }> = {
  FST_ERR_BAD_URL: {
    code: 'REQUEST_MALFORMED',
    detail: () => 'The URL is not valid: a percent sign must start a %XX escape (encode a literal % as %25).',
  },
  FST_ERR_MAX_PARAM_LENGTH: {
    code: 'URI_TOO_LONG',
    detail: () => 'A path segment is longer than 1000 characters; send a shorter path.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'BODY_TOO_LARGE',
    detail: () => 'The request body is larger than this server accepts; send a smaller body.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'REQUEST_MALFORMED',
    detail: () => 'The body is not as long as its Content-Length header says; send a Content-Length that matches the body.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'CONTENT_TYPE_UNSUPPORTED',
    detail: () => 'The Content-Type header is not a valid media type; send e.g. Content-Type: application/json.',
  },
  // Node's 'aborted': the connection closed (or broke, e.g. a bad chunk size) while the body was still arriving.
  ECONNRESET: {
    code: 'BODY_INCOMPLETE',
    detail: () => 'The connection closed before the whole body arrived; keep it open until the body is sent and the answer read.',
  },
}

export function translateForeignError(error: Error & { code?: string; statusCode?: number }): Problem {
  const known = error.code ? FOREIGN[error.code] : undefined
  if (known) return new Problem(known.code, { detail: known.detail(error) })
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new Problem('REQUEST_MALFORMED', {
      detail: `The request could not be read: ${error.message}`,
      status: error.statusCode,
    })
  }
  return new Problem('INTERNAL_ERROR', {
    detail: 'doorman failed while answering this request. This is a bug in doorman, not in your request; the server log has the details.',
  })
}

/** Node's `clientError` codes (before any request object exists). */
export function clientErrorProblem(code: string | undefined): Problem {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return new Problem('HEADERS_TOO_LARGE', {
      detail: 'The request headers exceed 16 KiB; send fewer or shorter headers (an oversized cookie or token is the usual cause).',
    })
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new Problem('REQUEST_TIMEOUT', {
      detail: 'The request was not complete in time; send the whole request (and a body as long as its Content-Length) promptly.',
    })
  }
  return new Problem('REQUEST_MALFORMED', {
    detail: `The request is not valid HTTP/1.1 (${code ?? 'parse error'}); check the request line, header syntax and chunk sizes.`,
  })
}
