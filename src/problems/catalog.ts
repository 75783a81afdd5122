/**
 * The one catalog of problem codes doorman answers with.
 *
 * A code is a public contract: test suites match on `problem.code`.
 * Never rename a code and never reuse a retired one; add new codes at the end
 * of their step's group. `docs/errors.md` has one row per code, and
 * test/problems/catalog.test.ts fails when the two disagree.
 */

/**
 * The pipeline's steps in order (on an HTTPS listener, `tls` comes first: the handshake and the listener's
 * own rules; `doorman proxy` forwards at `respond`, and `upstream` is the real API failing to answer), then `transport` (the connection), `admin` (the /__doorman/ API) and `internal`.
 */
export const STEPS = [
  'tls',
  'route',
  'fault',
  'auth',
  'content-type',
  'body-size',
  'parse',
  'schema',
  'respond',
  'upstream',
  'transport',
  'admin',
  'internal',
] as const

export type Step = (typeof STEPS)[number]

export interface CatalogEntry {
  status: number
  step: Step
  /** When it happens, in one line. */
  meaning: string
  /** How to fix the request, in one line. */
  fix: string
}

const catalog = {
  // tls (before step 1): an HTTPS listener's own rules; docs/tls.md has the details.
  HTTPS_REQUIRED: {
    status: 400,
    step: 'tls',
    meaning: 'A plain-HTTP request came to an HTTPS listener (serve --tls, or a --tls-modes listener).',
    fix: "Use https:// in the URL, and trust doorman's CA (`doorman tls ca` prints the path of its ca.pem).",
  },
  TLS_CLIENT_CERT_MISSING: {
    status: 403,
    step: 'tls',
    meaning: 'The client-cert-optional listener let the handshake complete without a client certificate, and refuses every request on such a connection.',
    fix: "Present a client certificate issued by doorman's CA (`doorman tls client-cert` mints one: curl --cert client.crt --key client.key).",
  },
  TLS_CLIENT_CERT_UNTRUSTED: {
    status: 403,
    step: 'tls',
    meaning: "The client-cert-optional listener got a client certificate that doorman's CA did not issue, or that is expired or not yet valid.",
    fix: "Present a client certificate issued by doorman's CA (`doorman tls client-cert` mints one); the detail says why this one was refused.",
  },
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
  // CORS preflights (docs/cors.md): refused without CORS headers, so the browser blocks the request it asked about.
  CORS_PREFLIGHT_REFUSED: {
    status: 403,
    step: 'route',
    meaning: "A browser's CORS preflight (OPTIONS with Access-Control-Request-Method) asks to send a method the path does not document.",
    fix: 'Call the path with one of the methods in expected (documented in the spec); mind that fetch() sends a lower-case `patch` as written.',
  },
  CORS_ORIGIN_NOT_ALLOWED: {
    status: 403,
    step: 'route',
    meaning: "A browser's CORS preflight comes from a page whose origin the cors config does not allow (by default only loopback origins are).",
    fix: "Add the page's origin to cors.origins in the config, or start the mock with --cors (any origin).",
  },
  // faults (step 2): the mock misbehaving on purpose; docs/faults.md has the details.
  FAULT_STATUS: {
    status: 503,
    step: 'fault',
    meaning:
      "A fault plan (or Prefer: code=429/5xx) made the mock answer this error status on purpose, whatever the request; the status is the plan's (503 is only the usual one).",
    fix: 'Nothing to fix in the request: retry as a client should (honouring Retry-After), or remove the plan (DELETE /__doorman/faults) or the Prefer header.',
  },
  FAULT_PREFER_INVALID: {
    status: 400,
    step: 'fault',
    meaning:
      'A Prefer header asked for a fault doorman cannot honour: an unknown fault=, a delay= that is not a number of milliseconds, retry-after= without code=, or two faults at once.',
    fix: 'Send Prefer: fault=hang (or reset, close, partial, garbage, drip), delay=<ms>, or code=<429 or 5xx> (with retry-after=<seconds>); delay= combines with the others.',
  },
  FAULT_PLAN_INVALID: {
    status: 400,
    step: 'fault',
    meaning: 'POST /__doorman/faults got a fault plan that is not valid: the pointer and the detail name the field.',
    fix: 'Fix the field the detail names; docs/faults.md shows a valid plan of each kind.',
  },
  FAULT_PLAN_LIMIT: {
    status: 400,
    step: 'fault',
    meaning: 'POST /__doorman/faults (or mock.faults.add) sent more plans than one request may add (100), or more than the mock holds in all (1,000).',
    fix: 'Send fewer plans at once, or remove plans no longer needed (DELETE /__doorman/faults/ID, or POST /__doorman/reset).',
  },
  HELD_REQUESTS_LIMIT: {
    status: 503,
    step: 'fault',
    meaning:
      'A fault would hold this request (hang, drip or a delay) while the mock already holds limits.heldRequests of them: the request is answered at once instead.',
    fix: 'Retry after the Retry-After seconds, let the clients of held requests time out, call POST /__doorman/reset (which ends them), or raise limits.heldRequests.',
  },
  // auth (step 3): statuses and WWW-Authenticate challenges follow RFC 6750 §3; docs/auth.md has the details.
  AUTH_MISSING: {
    status: 401,
    step: 'auth',
    meaning:
      'The operation needs credentials and the request carries none for any of its security schemes (no Authorization header, another auth scheme than the one required, no API key).',
    fix: 'Send the credentials the WWW-Authenticate header and the detail name; `doorman token` mints a bearer token.',
  },
  AUTH_MALFORMED: {
    status: 400,
    step: 'auth',
    meaning:
      "Credentials are there but malformed: 'Bearer' with no token, characters a token cannot hold, a token in both the header and the query, basic credentials that are not base64 'user:password', an empty API key.",
    fix: "Send one well-formed credential, e.g. 'Authorization: Bearer <token>' with nothing else after the token.",
  },
  TOKEN_INVALID: {
    status: 401,
    step: 'auth',
    meaning: 'The bearer token is not a decodable JWT, not one of the configured opaque tokens, or has claims of the wrong type.',
    fix: 'Send a token issued for this API (`doorman token` or POST /__doorman/tokens mints one).',
  },
  TOKEN_EXPIRED: {
    status: 401,
    step: 'auth',
    meaning: "The token's exp claim is in the past (beyond auth.bearer.jwt.clockTolerance).",
    fix: 'Get a fresh token; make the client refresh tokens before they expire.',
  },
  TOKEN_NOT_YET_VALID: {
    status: 401,
    step: 'auth',
    meaning: "The token's nbf (not before) claim is in the future.",
    fix: "Wait until the time the detail names, or mint a token without --not-before; check the client's clock.",
  },
  TOKEN_SIGNATURE_INVALID: {
    status: 401,
    step: 'auth',
    meaning: "The token's signature does not verify with the configured secret or key, or the token has no signature.",
    fix: 'Sign the token with the secret or key the mock is configured with (`doorman token --config FILE` does).',
  },
  TOKEN_ALGORITHM_REJECTED: {
    status: 401,
    step: 'auth',
    meaning: 'The token is signed with an algorithm the mock does not accept (auth.bearer.jwt.algorithms); alg none never passes.',
    fix: 'Sign with one of the algorithms named in the detail.',
  },
  TOKEN_KEY_UNKNOWN: {
    status: 401,
    step: 'auth',
    meaning: "The token's kid names no key in the configured JWKS, or the token has no kid and the JWKS holds several keys.",
    fix: 'Put the kid of one of the JWKS keys in the token header (the detail lists them).',
  },
  TOKEN_ISSUER_MISMATCH: {
    status: 401,
    step: 'auth',
    meaning: "The token's iss claim is not one of auth.bearer.jwt.issuer.",
    fix: 'Use a token from the expected issuer (the detail names it).',
  },
  TOKEN_AUDIENCE_MISMATCH: {
    status: 401,
    step: 'auth',
    meaning: "The token's aud claim names none of auth.bearer.jwt.audience.",
    fix: 'Use a token issued for this API: its aud must include the audience the detail names.',
  },
  TOKEN_CLAIM_MISSING: {
    status: 401,
    step: 'auth',
    meaning: 'The token lacks a claim listed in auth.bearer.jwt.requiredClaims.',
    fix: 'Use a token that carries the claim the detail names (`doorman token --claim name=value`).',
  },
  SCOPE_INSUFFICIENT: {
    status: 403,
    step: 'auth',
    meaning: 'The token is valid but its scope (or scp) claim lacks a scope the operation requires.',
    fix: 'Use a token carrying every scope in the WWW-Authenticate scope attribute (`doorman token --scope "a b"`).',
  },
  API_KEY_INVALID: {
    status: 401,
    step: 'auth',
    meaning: 'The API key is not one of the keys configured for its security scheme (auth.apiKeys).',
    fix: 'Send one of the keys configured for the scheme the detail names.',
  },
  BASIC_CREDENTIALS_INVALID: {
    status: 401,
    step: 'auth',
    meaning: 'The HTTP basic user name or password is not one configured in auth.basic.',
    fix: 'Send a user and password from auth.basic.',
  },
  BASIC_CREDENTIALS_MALFORMED: {
    status: 401,
    step: 'auth',
    meaning:
      "The Authorization header says Basic, but what follows is not base64 of 'user:password' (RFC 7617 §2). RFC 7617 knows no 400: a malformed credential is a failed authentication.",
    fix: "Send 'Authorization: Basic ' followed by base64 of user:password (curl -u user:password does).",
  },
  DIGEST_CREDENTIALS_MALFORMED: {
    status: 401,
    step: 'auth',
    meaning:
      'The Authorization header says Digest, but the credentials are not RFC 7616 auth-params, lack a required one (username, realm, nonce, uri, response, qop, nc, cnonce), or use an algorithm or qop this server did not offer.',
    fix: 'Answer the WWW-Authenticate Digest challenge as RFC 7616 says (curl --digest -u user:password, Python requests HTTPDigestAuth).',
  },
  DIGEST_CREDENTIALS_INVALID: {
    status: 401,
    step: 'auth',
    meaning: 'The Digest response does not verify for any user in auth.digest (unknown user or wrong password), or names another realm.',
    fix: 'Send a user and password from auth.digest; the 401 carries a fresh challenge to answer.',
  },
  DIGEST_NONCE_INVALID: {
    status: 401,
    step: 'auth',
    meaning: 'The Digest nonce was not issued by this server, or the opaque did not come back unchanged.',
    fix: 'Answer the nonce and opaque of the latest WWW-Authenticate challenge.',
  },
  DIGEST_NONCE_STALE: {
    status: 401,
    step: 'auth',
    meaning: 'The Digest nonce was issued by this server but is older than its lifetime (5 minutes); the challenge says stale=true.',
    fix: 'Answer the fresh challenge (clients that honour stale=true retry on their own, without asking the user again).',
  },
  DIGEST_NONCE_REPLAYED: {
    status: 401,
    step: 'auth',
    meaning: 'The Digest nonce count (nc) is not higher than one this server already accepted with the same nonce: a replayed request.',
    fix: 'Send a higher nc with each request on the same nonce, or answer a fresh challenge.',
  },
  DIGEST_URI_MISMATCH: {
    status: 401,
    step: 'auth',
    meaning: 'The Digest uri is not the request target (path and query) of the request that carries it.',
    fix: 'Compute the Digest credentials for the very request target sent.',
  },
  TOKEN_MINT_REFUSED: {
    status: 400,
    step: 'auth',
    meaning: 'POST /__doorman/tokens could not mint a token: the request is not valid, or the config has a public key but no privateKey to sign with.',
    fix: 'Send a JSON object of claims (plus optional expiresIn/notBefore durations), or add auth.bearer.jwt.privateKey.',
  },
  ADMIN_FORBIDDEN: {
    status: 403,
    step: 'auth',
    meaning:
      'A request to the admin API (/__doorman/*) came from another machine, and no admin.token is configured: the admin API answers only loopback clients by default.',
    fix: "Call the admin API from the mock's own machine, or set admin.token in the config and send it as 'Authorization: Bearer <token>' or 'X-Doorman-Admin-Token'.",
  },
  ADMIN_TOKEN_INVALID: {
    status: 401,
    step: 'auth',
    meaning: 'admin.token is configured and a request to the admin API (/__doorman/*) did not carry it, or carried another one.',
    fix: "Send the configured admin.token as 'Authorization: Bearer <token>' or in the X-Doorman-Admin-Token header.",
  },
  MUTUAL_TLS_CERT_MISSING: {
    status: 403,
    step: 'auth',
    meaning:
      'The operation requires an OpenAPI mutualTLS security scheme, and the request came over TLS without a client certificate (and offers no other scheme to challenge for).',
    fix: "Present a client certificate issued by doorman's CA (`doorman tls client-cert` mints one: curl --cert client.crt --key client.key).",
  },
  MUTUAL_TLS_CERT_UNTRUSTED: {
    status: 403,
    step: 'auth',
    meaning:
      "The operation requires an OpenAPI mutualTLS security scheme, and the client certificate was not issued by doorman's CA, or is expired or not yet valid.",
    fix: "Present a client certificate issued by doorman's CA (`doorman tls client-cert` mints one); the detail says why this one was refused.",
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
  EXPECTATION_FAILED: {
    status: 417,
    step: 'transport',
    meaning: 'The Expect header asks for something other than 100-continue.',
    fix: 'Send Expect: 100-continue, or no Expect header.',
  },
  BODY_TOO_LARGE: {
    status: 413,
    step: 'body-size',
    meaning: 'The request body is larger than the limit for this operation.',
    fix: 'Send a smaller body, or raise limits.bodySize (or x-doorman.bodySize on the operation).',
  },
  LENGTH_REQUIRED: {
    status: 411,
    step: 'body-size',
    meaning: 'The body was sent without Content-Length (chunked) and the server is configured to require one.',
    fix: 'Send a Content-Length header with the body (most clients do when the body is a string or buffer).',
  },
  BODY_INCOMPLETE: {
    status: 400,
    step: 'body-size',
    meaning: 'The body stopped short: fewer bytes arrived than Content-Length announced, and nothing more came.',
    fix: 'Send exactly as many bytes as Content-Length says (or let the client compute the header).',
  },
  CONTENT_TYPE_MISSING: {
    status: 415,
    step: 'content-type',
    meaning: 'The request has a body but no Content-Type header.',
    fix: 'Add a Content-Type header naming the body’s media type, e.g. Content-Type: application/json.',
  },
  CONTENT_TYPE_UNSUPPORTED: {
    status: 415,
    step: 'content-type',
    meaning: 'The request body has a media type (or charset) the operation does not accept, or the operation takes no body.',
    fix: 'Send one of the media types listed in the detail and in the Accept-Post/Accept-Patch header.',
  },
  CONTENT_ENCODING_UNSUPPORTED: {
    status: 415,
    step: 'content-type',
    meaning: 'The body is compressed with a Content-Encoding doorman cannot decode.',
    fix: 'Send the body uncompressed, or as gzip, deflate or br (see the Accept-Encoding header).',
  },
  BODY_MALFORMED: {
    status: 400,
    step: 'parse',
    meaning: 'The request body cannot be read as its media type: a JSON syntax error, invalid UTF-8, a broken form or multipart body.',
    fix: 'Fix the syntax at the position the detail names (line, column and byte offset).',
  },
  BODY_REQUIRED: {
    status: 400,
    step: 'parse',
    meaning: 'The operation requires a request body and the request has none (or an empty one).',
    fix: 'Send a body of one of the documented media types.',
  },
  BODY_DUPLICATE_KEY: {
    status: 400,
    step: 'parse',
    meaning: 'A JSON object in the body has the same key twice; servers disagree on which one wins.',
    fix: 'Send each key once per object.',
  },
  BODY_FORBIDDEN_KEY: {
    status: 400,
    step: 'parse',
    meaning: "The JSON body has a '__proto__' key or a 'constructor.prototype' path, which can pollute a JavaScript server's objects.",
    fix: 'Remove the key; no API needs it.',
  },
  BODY_ENCODING_INVALID: {
    status: 400,
    step: 'parse',
    meaning: 'The body does not decode with its Content-Encoding (e.g. not valid gzip data).',
    fix: 'Compress the body with the encoding the Content-Encoding header names, or drop the header.',
  },
  BODY_TOO_DEEP: {
    status: 400,
    step: 'parse',
    meaning:
      'The JSON body nests arrays and objects deeper than limits.jsonDepth (default 1000), as a hostile or runaway client would, or deeper than its recursive schema can be checked.',
    fix: 'Flatten the structure (the detail names where the limit was crossed), or raise limits.jsonDepth if the API really takes such bodies.',
  },
  FORM_FIELD_RESERVED_CHARACTERS: {
    status: 422,
    step: 'parse',
    meaning:
      "An application/x-www-form-urlencoded field carries RFC 3986 reserved characters (: / ? # [ ] @ ! $ ' ( ) , ; =) unencoded, and its OpenAPI encoding does not say allowReserved: true (the default is false). + (a space) and * (which browsers never encode) are not counted.",
    fix: 'Percent-encode the characters the detail names (curl --data-urlencode, URLSearchParams and Python requests do), or set allowReserved: true on the field in the spec.',
  },
  PARAMETER_INVALID: {
    status: 400,
    step: 'schema',
    meaning: 'A path, query, header or cookie parameter is missing or does not match its schema.',
    fix: 'Fix each parameter listed in errors (location, pointer, expected, received).',
  },
  BODY_INVALID: {
    status: 422,
    step: 'schema',
    meaning: 'The request body breaks the operation’s schema.',
    fix: 'Fix each error listed in errors (pointer, keyword, expected, received).',
  },
  // the admin API (/__doorman/*): requests from the test suite, not from the client under test
  ADMIN_QUERY_INVALID: {
    status: 400,
    step: 'admin',
    meaning:
      'A query parameter of GET /__doorman/journal (or journal.har) is unknown, given twice, or has a value of the wrong kind, so the filter would silently match nothing.',
    fix: 'Use the parameters and value kinds the detail lists (the detail names the closest parameter for a typo).',
  },
  ADMIN_HOST_REFUSED: {
    status: 403,
    step: 'admin',
    meaning:
      'A request to the admin API (/__doorman/*) named a host in its Host header that is not this mock: not a loopback name or address, not the address it was reached on, not one of admin.allowedHosts. A web page using DNS rebinding looks like this.',
    fix: "Call the admin API by the mock's address (http://127.0.0.1:PORT or http://localhost:PORT), or add the name you use to admin.allowedHosts.",
  },
  ADMIN_CROSS_SITE: {
    status: 403,
    step: 'admin',
    meaning:
      'A request to the admin API (/__doorman/*) came from a web page of another origin (its Origin header, or Sec-Fetch-Site: cross-site, says so): no web page may drive the mock.',
    fix: 'Call the admin API from a test suite, curl or a script, not from a page in a browser; a page served by the mock itself may.',
  },
  ADMIN_CONTENT_TYPE_UNSUPPORTED: {
    status: 415,
    step: 'admin',
    meaning:
      'A state-changing request to the admin API (POST or DELETE under /__doorman/) carried a body that is not declared as application/json (a browser form or a simple fetch sends text/plain, form or multipart bodies).',
    fix: "Send the body with 'Content-Type: application/json' (curl: -H 'content-type: application/json'), or send no body.",
  },
  // upstream (doorman proxy, docs/proxy.md): the real API did not answer; the request itself was fine.
  UPSTREAM_UNREACHABLE: {
    status: 502,
    step: 'upstream',
    meaning:
      'doorman proxy could not reach the upstream: the connection was refused or reset, or its host name does not resolve (the detail has the error code).',
    fix: 'Start the upstream, or fix --upstream (host, port, scheme); behind a corporate proxy set HTTPS_PROXY (and NO_PROXY for hosts to reach directly).',
  },
  UPSTREAM_TIMEOUT: {
    status: 504,
    step: 'upstream',
    meaning: 'doorman proxy forwarded the request, and the upstream sent no response headers within --upstream-timeout.',
    fix: 'Make the upstream answer faster, or raise --upstream-timeout (milliseconds).',
  },
  UPSTREAM_TLS: {
    status: 502,
    step: 'upstream',
    meaning: "doorman proxy refused the upstream's TLS certificate (expired, self-signed, wrong host, unknown issuer …); the detail has Node's error code.",
    fix: "Give the upstream's CA with --upstream-ca FILE, or (for a test server only) skip the check with --upstream-insecure.",
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
export const codes = Object.freeze(Object.fromEntries(Object.keys(catalog).map((code) => [code, code]))) as { readonly [K in ProblemCode]: K }

export function isProblemCode(value: string): value is ProblemCode {
  return Object.hasOwn(catalog, value)
}
