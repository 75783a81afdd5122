import { Problem } from '../problems/problem.js'
import { Answer } from '../response/answer.js'
import type { HttpMethod, PathRoute, RouteTable } from '../spec/route-table.js'
import { closest } from '../util/closest.js'
import type { RequestContext, Stage } from './context.js'

/**
 * Step 1. fastify has already matched the path (static before parametric, so
 * `/orders/mine` beats `/orders/{orderId}`); this step picks the operation
 * by method. Unknown paths never reach it: they go to `routeNotFound`.
 */
export const matchRoute: Stage = {
  name: 'route',
  needsBody: false,
  run(ctx, request, mock) {
    const route = ctx.route!
    const params = request.params as Record<string, string>
    route.paramNames.forEach((name, i) => {
      ctx.pathParams[name] = params[`p${i}`] ?? ''
    })
    const method = request.method as HttpMethod
    // HEAD follows GET unless the spec documents HEAD itself (RFC 9110 §9.3.2).
    const operation = route.operations.get(method) ?? (method === 'HEAD' ? route.operations.get('GET') : undefined)
    if (operation) {
      ctx.operation = operation
      ctx.rules = mock.rules.get(operation)
      return undefined
    }
    const allow = allowedMethods(route)
    if (method === 'OPTIONS') return new Answer(204, { allow }, undefined)
    // fastify would answer a wrong method with 404; 405 + Allow is ours (RFC 9110 §15.5.6).
    return new Problem('METHOD_NOT_ALLOWED', {
      detail: `${mock.table.basePath}${route.template} takes ${allow}, not ${method}.`,
      headers: { allow },
      extra: { expected: allow.split(', '), received: method },
    })
  },
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
  const outsideBase = table.basePath !== '' && !ctx.path.startsWith(table.basePath + '/')
  const suggestion = closestPath(outsideBase ? table.basePath + ctx.path : ctx.path, table) ?? closestPath(ctx.path, table)
  const base = table.basePath && !ctx.path.startsWith(table.basePath + '/') ? ` (all paths live under ${table.basePath})` : ''
  const hint = suggestion ? ` Did you mean ${suggestion}?` : ''
  return new Problem('ROUTE_NOT_FOUND', {
    detail: `No documented path matches ${ctx.path}${base}.${hint}`,
    extra: { received: ctx.path, ...(suggestion ? { suggestion } : {}) },
  })
}

/**
 * Compares the request path with each template, letting `{param}` segments
 * stand for the request's own segment so that only the literal parts count.
 */
function closestPath(requestPath: string, table: RouteTable): string | undefined {
  const segments = requestPath.split('/')
  const candidates = new Map<string, string>()
  for (const route of table.routes) {
    const full = table.basePath + route.template
    const templateSegments = full.split('/')
    const filled = templateSegments
      .map((seg, i) => (/^\{[^}]+\}$/.test(seg) && segments[i] !== undefined && segments[i] !== '' ? segments[i] : seg))
      .join('/')
    candidates.set(filled, full)
  }
  const best = closest(requestPath, candidates.keys())
  return best === undefined ? undefined : candidates.get(best)
}
