/**
 * The one catalog of problem codes doorman answers with.
 *
 * A code is a public contract: test suites match on `problem.code`.
 * Never rename a code and never reuse a retired one; add new codes at the end
 * of their step's group. `docs/errors.md` has one row per code, and
 * test/problems/catalog.test.ts fails when the two disagree.
 */

export type Step =
  | 'route'
  | 'fault'
  | 'auth'
  | 'content-type'
  | 'body-size'
  | 'parse'
  | 'schema'
  | 'respond'
  | 'transport'
  | 'internal'

export interface CatalogEntry {
  status: number
  step: Step
  /** When it happens, in one line. */
  meaning: string
  /** How to fix the request, in one line. */
  fix: string
}

const catalog = {
  ROUTE_NOT_FOUND: {
    status: 404,
    step: 'route',
    meaning: 'No path in the OpenAPI document matches the request path.',
    fix: 'Use one of the documented paths (the detail names the closest one); check the base path from servers[0].url.',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    step: 'route',
    meaning: 'The path is documented, but not for this method.',
    fix: 'Use one of the methods listed in the Allow header.',
  },
  PREFER_UNSATISFIABLE: {
    status: 400,
    step: 'respond',
    meaning: 'A Prefer header asked for a status code or named example the operation does not document.',
    fix: 'Ask for one of the documented statuses or example names listed in the detail, or drop the Prefer header.',
  },
  NOT_ACCEPTABLE: {
    status: 406,
    step: 'respond',
    meaning: 'None of the media types documented for the response matches the Accept header.',
    fix: 'Accept one of the media types listed in the detail (or send Accept: */*).',
  },
  REQUEST_MALFORMED: {
    status: 400,
    step: 'transport',
    meaning: 'The request could not be read as HTTP: a malformed request line, URL, header or chunk.',
    fix: 'Send a well-formed HTTP/1.1 request; percent-encode reserved characters in the URL.',
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    step: 'transport',
    meaning: 'The request headers are larger than the server accepts.',
    fix: 'Send fewer or shorter headers (a runaway cookie or token is the usual cause).',
  },
  URI_TOO_LONG: {
    status: 414,
    step: 'transport',
    meaning: 'A path parameter is longer than the server accepts (1000 characters).',
    fix: 'Send a shorter path; move large values into the body.',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    step: 'transport',
    meaning: 'The client did not finish sending the request in time.',
    fix: 'Send the whole request promptly; check for a body shorter than its Content-Length.',
  },
  BODY_TOO_LARGE: {
    status: 413,
    step: 'body-size',
    meaning: 'The request body is larger than the limit for this operation.',
    fix: 'Send a smaller body, or raise limits.bodySize (or x-doorman.bodySize on the operation).',
  },
  CONTENT_TYPE_UNSUPPORTED: {
    status: 415,
    step: 'content-type',
    meaning: 'The request body has a media type the operation does not accept.',
    fix: 'Send one of the media types listed in the detail and in the Accept-Post/Accept-Patch header.',
  },
  BODY_MALFORMED: {
    status: 400,
    step: 'parse',
    meaning: 'The request body is not valid for its media type (for JSON: a syntax error).',
    fix: 'Fix the syntax at the position the detail names.',
  },
  INTERNAL_ERROR: {
    status: 500,
    step: 'internal',
    meaning: 'doorman itself failed. This is a bug in doorman, not in the request.',
    fix: 'Report it with the requestId; the server log has the stack trace.',
  },
} as const satisfies Record<string, CatalogEntry>

export type ProblemCode = keyof typeof catalog

export const CATALOG: Readonly<Record<ProblemCode, CatalogEntry>> = catalog

/** `codes.ROUTE_NOT_FOUND === 'ROUTE_NOT_FOUND'`: for test suites to compare with `problem.code`. */
export const codes = Object.freeze(
  Object.fromEntries(Object.keys(catalog).map((code) => [code, code])),
) as { readonly [K in ProblemCode]: K }

export function isProblemCode(value: string): value is ProblemCode {
  return Object.hasOwn(catalog, value)
}
