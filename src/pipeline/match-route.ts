import type { FastifyRequest } from 'fastify'
import { Problem } from '../problems/problem.js'
import { Answer } from '../response/answer.js'
import { conditionsHold } from '../spec/router-conditions.js'
import type { HttpMethod, Operation, PathRoute, RouteTable } from '../spec/route-table.js'
import { closest } from '../util/closest.js'
import { matchedRoute, type RequestContext, type Stage } from './context.js'

/**
 * Step 1. The path is already matched (src/mock-state.ts `compileRouter`:
 * concrete before templated, so `/orders/mine` beats `/orders/{orderId}`);
 * this step picks the operation by method. Unknown paths never reach it:
 * they go to `routeNotFound`.
 */
export const matchRoute: Stage = {
  name: 'route',
  needsBody: false,
  run(ctx, request, mock) {
    let route = matchedRoute(ctx)
    const method = request.method as HttpMethod
    if (!route.operations.has(method) && !(method === 'HEAD' && route.operations.has('GET'))) {
      // The most concrete path lacks the method; a less concrete one may have it (`DELETE /pets/mine` is
      // `DELETE /pets/{id}` with id 'mine'). Only when none has it is the answer 405.
      const other = mock.findRoute(request.url, method)
      if (other.kind === 'found') {
        route = ctx.route = other.route
        request.params = other.params
      }
    }
    // HEAD follows GET unless the spec documents HEAD itself (RFC 9110 §9.3.2).
    const operation =
      pickOperation(route, method, request) ?? (method === 'HEAD' && !route.operations.has('HEAD') ? pickOperation(route, 'GET', request) : undefined)
    const params = request.params as Record<string, string>
    // Templates that differ only in parameter names share a route: the operation's own names apply.
    const names = operation?.templateParams ?? route.paramNames
    for (let i = 0; i < names.length; i++) {
      // A name written twice in one template (`/a/{id}/b/{id}`): every segment must match, the first is validated.
      ctx.pathParams[names[i]] ??= params[`p${i}`] ?? ''
    }
    if (operation) {
      ctx.operation = operation
      ctx.rules = mock.rules.get(operation)
      return undefined
    }
    const allow = allowedMethods(route)
    if (method === 'OPTIONS') return new Answer(204, { allow }, undefined)
    // fastify would answer a wrong method with 404; 405 + Allow is ours (RFC 9110 §15.5.6).
    return new Problem('METHOD_NOT_ALLOWED', {
      detail: `${route.basePath}${route.template} takes ${allow}, not ${method}.`,
      headers: { allow },
      extra: { expected: allow.split(', '), received: method },
    })
  },
}

/** Where one method has several operations on a path (AWS's `/{Bucket}?acl`), the first whose query parameters and headers the request has. */
function pickOperation(route: PathRoute, method: HttpMethod, request: FastifyRequest): Operation | undefined {
  const candidates = route.candidates?.get(method)
  if (candidates) {
    const q = request.url.indexOf('?')
    const query = new URLSearchParams(q === -1 ? '' : request.url.slice(q + 1))
    for (const { operation, conditions } of candidates) if (conditionsHold(conditions, query, request.headers)) return operation
  }
  return route.operations.get(method)
}

export function allowedMethods(route: PathRoute): string {
  const methods = new Set<string>(route.operations.keys())
  if (methods.has('GET')) methods.add('HEAD')
  methods.add('OPTIONS')
  return [...methods].join(', ')
}

/** The 404, naming the documented path the request most likely meant. */
export function routeNotFound(ctx: RequestContext, table: RouteTable): Problem {
  // A client that forgot the base path (`/pets` for `/api/v1/pets`) is the commonest miss.
  const outsideBase = table.basePath !== '' && !table.basePaths.some((base) => base === '' || ctx.path.startsWith(base + '/'))
  const suggestion = closestPath(outsideBase ? table.basePath + ctx.path : ctx.path, table) ?? closestPath(ctx.path, table)
  const base = outsideBase ? ` (all paths live under ${table.basePath})` : ''
  const hint = suggestion ? ` Did you mean ${suggestion}?` : ''
  return new Problem('ROUTE_NOT_FOUND', {
    detail: `No documented path matches ${ctx.path}${base}.${hint}`,
    extra: { received: ctx.path, ...(suggestion ? { suggestion } : {}) },
  })
}

/**
 * Compares the request path with each template, letting parameters stand for
 * the request's own segment so that only the literal parts count: `{id}` is
 * `report`, and `{id}.{format}` is `report.` (one edit away from `report`).
 */
function closestPath(requestPath: string, table: RouteTable): string | undefined {
  const segments = requestPath.split('/')
  const candidates = new Map<string, string>()
  for (const route of table.routes) {
    const full = route.basePath + route.template
    const filled = full
      .split('/')
      .map((seg, i) => {
        const own = segments[i]
        if (own === undefined || own === '' || !seg.includes('{')) return seg
        let first = true
        return seg.replace(/\{[^{}]+\}/g, () => (first ? ((first = false), own) : ''))
      })
      .join('/')
    candidates.set(filled, full)
  }
  const best = closest(requestPath, candidates.keys())
  return best === undefined ? undefined : candidates.get(best)
}
