import type { FastifyRequest } from 'fastify'
import type { MockState, RouteLookup } from '../mock-state.js'
import type { Outcome, RequestContext } from '../pipeline/context.js'
import { decidePreflightFault } from '../pipeline/decide-fault.js'
import { allowedMethods } from '../pipeline/match-route.js'
import { Problem } from '../problems/problem.js'
import { Answer } from '../response/answer.js'
import { HTTP_METHODS, type HttpMethod, type PathRoute } from '../spec/route-table.js'
import type { CorsPolicy } from './policy.js'
import { operationsFor } from './policy.js'

/** What the journal keeps about CORS, for a request that sent `Origin`. */
export interface JournalCors {
  origin: string
  /** Whether the origin may read the answer (`cors` in the config); when false, the answer carried no CORS headers. */
  allowed: boolean
  /** A preflight: what the browser asked to send, and the operation that is (the entry's own `operation` stays empty). */
  preflight?: { method: string; headers: string[]; operation: string | undefined }
  /** What doorman decided and why, for people. */
  explain: string
}

/** `ctx.cors`: the journal's part, and the headers the actual response gets when it is sent (src/faults/runtime.ts onSend). */
export interface CorsState {
  headers: Record<string, string> | undefined
  journal: JournalCors
}

/**
 * CORS (WHATWG Fetch, "CORS protocol") for a mock request that sent `Origin`,
 * before the pipeline: a preflight (OPTIONS with Access-Control-Request-Method)
 * is answered here, and its outcome returned; an actual request gets
 * `ctx.cors`, whose headers go on whatever answers it, refusals included.
 * A path that documents `options` answers its preflights from the spec.
 */
export function handleCors(ctx: RequestContext, request: FastifyRequest, origin: string, found: RouteLookup, state: MockState, policy: CorsPolicy): Outcome {
  const requested = request.method === 'OPTIONS' ? request.headers['access-control-request-method'] : undefined
  const allowed = policy.allows(origin)
  if (requested === undefined) {
    ctx.cors = allowed
      ? {
          headers: policy.actualHeaders(origin, found.kind === 'found' ? found.route : undefined),
          journal: { origin, allowed, explain: 'answered with CORS headers' },
        }
      : { headers: undefined, journal: { origin, allowed, explain: notAllowed(origin, policy) } }
    return undefined
  }
  return answerPreflight(ctx, request, requested.trim(), origin, allowed, found, state, policy)
}

/** A preflight: 204 with what the path and the operation allow, a refusal without CORS headers, or the documented OPTIONS operation's turn. */
function answerPreflight(
  ctx: RequestContext,
  request: FastifyRequest,
  method: string,
  origin: string,
  allowed: boolean,
  found: RouteLookup,
  state: MockState,
  policy: CorsPolicy,
): Outcome {
  const headers = requestedHeaders(request.headers['access-control-request-headers'])
  const preflight: NonNullable<JournalCors['preflight']> = { method, headers, operation: undefined }
  const journal: JournalCors = { origin, allowed, preflight, explain: '' }
  ctx.cors = { headers: undefined, journal }
  // A refused preflight carries no CORS headers: that is how a browser learns the answer is no (Fetch §4.8).
  if (!allowed) {
    journal.explain = notAllowed(origin, policy)
    return new Problem('CORS_ORIGIN_NOT_ALLOWED', {
      detail: `A page from ${origin} asks to send ${method} ${ctx.path}, but the mock answers CORS for ${policy.describeOrigins()} only; add the origin to cors.origins in the config, or start with --cors.`,
      extra: { received: origin },
    })
  }
  if (found.kind !== 'found') {
    journal.explain = 'no documented path: the preflight is refused'
    // The route step's own 404 (414, 400) follows in onRequest, without CORS headers.
    return undefined
  }
  let route = found.route
  const asked = HTTP_METHODS.includes(method as HttpMethod) ? (method as HttpMethod) : undefined
  let operations = asked ? operationsFor(route, asked) : []
  if (asked && operations.length === 0) {
    // A less concrete path may have the method (`DELETE /pets/mine` is `DELETE /pets/{id}`), as the route step finds it.
    const other = state.findRoute(request.url, asked)
    if (other.kind === 'found') {
      route = other.route
      operations = operationsFor(route, asked)
    }
  }
  const usable = policy.usableHeaders(operations)
  const granted = headers.filter((name) => usable.has(name))
  const leftOut = headers.filter((name) => !usable.has(name))
  if (found.route.operations.has('OPTIONS') || found.route.candidates?.has('OPTIONS')) {
    // The documented operation answers (status, body, auth, faults), as an actual request; the CORS headers are
    // doorman's, since a documented one without an example would go out as a made-up 'string'.
    ctx.cors = { headers: { ...policy.actualHeaders(origin, found.route), ...preflightHeaders(origin, route, granted, request, policy) }, journal }
    preflight.operation = operations[0]?.id
    journal.explain = `answered by the documented OPTIONS operation${operations.length === 0 ? `, though ${method} is not documented here` : ''}`
    return undefined
  }
  const target = operations[0]
  if (target === undefined) {
    journal.explain = `${method} is not documented for this path: the preflight is refused`
    return methodRefused(ctx, method, route)
  }
  preflight.operation = target.id

  const fault = decidePreflightFault(ctx, request, state.faults, target)
  if (fault !== undefined) {
    journal.explain = 'a fault plan with preflight: true answered it'
    return fault
  }
  if (ctx.fault !== undefined) journal.explain = 'delayed by a fault plan with preflight: true; '

  journal.explain +=
    `${method} ${route.basePath}${route.template} allowed` +
    (granted.length ? `, with ${granted.join(', ')}` : '') +
    (leftOut.length
      ? `; left out ${leftOut.join(', ')}: not a header ${target.label} documents (document it, or list it in cors.allowHeaders), so the browser blocks the request`
      : '')
  return new Answer(204, preflightHeaders(origin, route, granted, request, policy), undefined)
}

function preflightHeaders(origin: string, route: PathRoute, granted: string[], request: FastifyRequest, policy: CorsPolicy): Record<string, string> {
  const headers: Record<string, string> = {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': allowedMethods(route),
    'access-control-max-age': String(policy.maxAgeSeconds),
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
  }
  if (granted.length > 0) headers['access-control-allow-headers'] = granted.join(', ')
  if (policy.credentials) headers['access-control-allow-credentials'] = 'true'
  // Chromium's Private Network Access: a public page calling a loopback mock asks first.
  if (request.headers['access-control-request-private-network'] === 'true') headers['access-control-allow-private-network'] = 'true'
  return headers
}

/** Access-Control-Request-Headers: a comma-separated list of lower-case names (Fetch §4.8 sorts and lower-cases them). */
// Split-trim-lower like check-content-type's parseEncodings (`duplicates` pairs them); the rules after that differ.
function requestedHeaders(value: string | undefined): string[] {
  if (value === undefined) return []
  return value
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '')
}

function methodRefused(ctx: RequestContext, method: string, route: PathRoute): Problem {
  const allow = allowedMethods(route)
  // fetch() upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT: `patch` goes out as written, and no server knows it.
  const upper = method.toUpperCase()
  const hint =
    upper !== method && allow.split(', ').includes(upper) ? ` Methods are case-sensitive and fetch() sends '${method}' as written: write '${upper}'.` : ''
  return new Problem('CORS_PREFLIGHT_REFUSED', {
    detail: `A CORS preflight asks to send ${method} ${ctx.path}, but ${route.basePath}${route.template} documents ${allow} only, so the browser must not send it.${hint}`,
    extra: { expected: allow.split(', '), received: method },
  })
}

function notAllowed(origin: string, policy: CorsPolicy): string {
  return `${origin} is not an allowed origin (cors: ${policy.describeOrigins()}): no CORS headers, so the browser keeps the answer from the page`
}
