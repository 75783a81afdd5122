import { SetupError } from '../setup-error.js'
import { displayFile, type LoadedSpec } from './load-spec.js'
import { deref, encodePointerToken } from './refs.js'

export const HTTP_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'] as const
export type HttpMethod = (typeof HTTP_METHODS)[number]

export type SchemaObject = Record<string, unknown> | boolean

export interface MediaTypeObject {
  schema?: SchemaObject
  example?: unknown
  examples?: Record<string, { value?: unknown; summary?: string; $ref?: string }>
  encoding?: Record<string, unknown>
}

export interface ParameterObject {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required?: boolean
  schema?: SchemaObject
  style?: string
  explode?: boolean
  content?: Record<string, MediaTypeObject>
  example?: unknown
  /** Where it sits in the document, for ajv `$ref`s and error messages. */
  pointer: string
}

export interface HeaderObject {
  schema?: SchemaObject
  example?: unknown
  examples?: Record<string, { value?: unknown }>
  required?: boolean
}

export interface ResponseObject {
  description?: string
  headers?: Record<string, HeaderObject>
  content?: Record<string, MediaTypeObject>
  pointer: string
}

export interface RequestBodyObject {
  required: boolean
  content: Record<string, MediaTypeObject>
  pointer: string
}

export interface Operation {
  /** The spec's operationId, or `METHOD /path` when it has none. */
  id: string
  method: HttpMethod
  /** The path template as documented, without the base path: `/orders/{orderId}`. */
  path: string
  /** `POST /v2/orders/{orderId}`: as a client calls it, base path included. Details name operations by it. */
  label: string
  /** JSON pointer of the operation object inside the document. */
  pointer: string
  parameters: ParameterObject[]
  requestBody: RequestBodyObject | undefined
  responses: Record<string, ResponseObject>
  security: Array<Record<string, string[]>>
  /** `x-doorman` on the operation (per-operation overrides). */
  extension: Record<string, unknown>
}

export interface PathRoute {
  /** As documented: `/orders/{orderId}`. */
  template: string
  /** Registered with fastify (base path included, params renamed p0, p1, … because OpenAPI names may hold any character). */
  routerPath: string
  /** OpenAPI parameter names, in the order of p0, p1, … */
  paramNames: string[]
  operations: Map<HttpMethod, Operation>
}

export interface RouteTable {
  basePath: string
  routes: PathRoute[]
  operations: Operation[]
}

export function compileRouteTable(spec: LoadedSpec): RouteTable {
  const { document: doc } = spec
  const file = displayFile(spec)
  const basePath = serverBasePath(doc.servers, file)
  const routes: PathRoute[] = []
  const operations: Operation[] = []
  const seenIds = new Map<string, string>()
  const seenShapes = new Map<string, string>()

  for (const [template, rawItem] of Object.entries(doc.paths ?? {})) {
    if (template.startsWith('x-')) continue // specification extensions are allowed among the paths
    const itemPointer = `/paths/${encodePointerToken(template)}`
    if (!template.startsWith('/')) {
      throw new SetupError(`path '${template}' must start with '/'`, { file, location: itemPointer })
    }
    const item = deref(doc, rawItem, itemPointer, file) as Record<string, unknown> | null
    if (item === null || typeof item !== 'object') {
      throw new SetupError('a path item must be a mapping', { file, location: itemPointer })
    }
    const { routerPath, paramNames } = toRouterPath(basePath, template, file, itemPointer)
    // OpenAPI: templates that differ only in parameter names are identical, and invalid (fastify would throw).
    const twin = seenShapes.get(routerPath)
    if (twin !== undefined) {
      throw new SetupError(`path '${template}' is the same template as '${twin}' (only the parameter names differ)`, {
        file,
        location: itemPointer,
      })
    }
    seenShapes.set(routerPath, template)
    const route: PathRoute = { template, routerPath, paramNames, operations: new Map() }
    const sharedParams = readParameters(doc, item.parameters, `${itemPointer}/parameters`, file)

    for (const method of HTTP_METHODS) {
      const raw = item[method.toLowerCase()]
      if (raw === undefined) continue
      const pointer = `${itemPointer}/${method.toLowerCase()}`
      if (raw === null || typeof raw !== 'object') {
        throw new SetupError('an operation must be a mapping', { file, location: pointer })
      }
      const op = raw as Record<string, unknown>
      const id = typeof op.operationId === 'string' ? op.operationId : `${method} ${template}`
      const clash = seenIds.get(id)
      if (clash) {
        throw new SetupError(`operationId '${id}' is used twice (also at ${clash})`, { file, location: pointer })
      }
      seenIds.set(id, pointer)
      const own = readParameters(doc, op.parameters, `${pointer}/parameters`, file)
      const operation: Operation = {
        id,
        method,
        path: template,
        label: `${method} ${basePath}${template}`,
        pointer,
        parameters: mergeParameters(sharedParams, own),
        requestBody: readRequestBody(doc, op.requestBody, `${pointer}/requestBody`, file),
        responses: readResponses(doc, op.responses, `${pointer}/responses`, file),
        security: (op.security ?? doc.security ?? []) as Array<Record<string, string[]>>,
        extension: (op['x-doorman'] ?? {}) as Record<string, unknown>,
      }
      checkPathParameters(operation, paramNames, file)
      route.operations.set(method, operation)
      operations.push(operation)
    }
    routes.push(route)
  }
  return { basePath, routes, operations }
}

/** `servers[0].url` may carry a base path (`http://host/api/v1`, `/v2`, `{scheme}://host/{version}`). */
function serverBasePath(servers: LoadedSpec['document']['servers'], file: string): string {
  const server = servers?.[0]
  if (!server || typeof server.url !== 'string') return ''
  const url = server.url.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const fallback = server.variables?.[name]?.default
    if (typeof fallback !== 'string') {
      throw new SetupError(`server variable '${name}' has no default`, { file, location: '/servers/0/url' })
    }
    return fallback
  })
  const pathname = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? new URL(url).pathname : url.split(/[?#]/)[0]!
  const trimmed = pathname.replace(/\/+$/, '')
  return trimmed === '' || trimmed === '/' ? '' : trimmed.startsWith('/') ? trimmed : `/${trimmed}`
}

function toRouterPath(basePath: string, template: string, file: string, location: string) {
  const paramNames: string[] = []
  // find-my-way reads ':' as a parameter and '*' as a wildcard: escape the literal ones.
  const literal = (text: string) => text.replaceAll(':', '::')
  let routerPath = ''
  let last = 0
  for (const match of template.matchAll(/\{([^{}]+)\}/g)) {
    routerPath += literal(template.slice(last, match.index))
    if (paramNames.includes(match[1]!)) {
      throw new SetupError(`path parameter '{${match[1]}}' appears twice`, { file, location })
    }
    routerPath += `:p${paramNames.length}`
    paramNames.push(match[1]!)
    last = match.index + match[0].length
  }
  routerPath += literal(template.slice(last))
  if (/[{}*]/.test(routerPath.replaceAll('::', ''))) {
    throw new SetupError(`path template '${template}' is malformed`, { file, location })
  }
  return { routerPath: literal(basePath) + routerPath, paramNames }
}

function readParameters(doc: object, raw: unknown, pointer: string, file: string): ParameterObject[] {
  if (raw === undefined) return []
  if (!Array.isArray(raw)) throw new SetupError("'parameters' must be a list", { file, location: pointer })
  return raw.map((entry, index) => {
    const at = `${pointer}/${index}`
    const ref = (entry as { $ref?: string } | null)?.$ref
    const param = deref(doc, entry, at, file) as Omit<ParameterObject, 'pointer'> | null
    if (!param || typeof param.name !== 'string' || !['path', 'query', 'header', 'cookie'].includes(param.in)) {
      throw new SetupError("a parameter needs a 'name' and 'in' (path, query, header or cookie)", {
        file,
        location: at,
      })
    }
    return { ...param, pointer: ref ? ref.slice(1) : at }
  })
}

/** Operation-level parameters override path-level ones with the same name and location. */
function mergeParameters(shared: ParameterObject[], own: ParameterObject[]): ParameterObject[] {
  const key = (p: ParameterObject) => `${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`
  const ownKeys = new Set(own.map(key))
  return [...shared.filter((p) => !ownKeys.has(key(p))), ...own]
}

function readRequestBody(doc: object, raw: unknown, pointer: string, file: string): RequestBodyObject | undefined {
  if (raw === undefined) return undefined
  const ref = (raw as { $ref?: string } | null)?.$ref
  const body = deref(doc, raw, pointer, file) as { required?: boolean; content?: unknown } | null
  if (!body || typeof body.content !== 'object' || body.content === null) {
    throw new SetupError("a requestBody needs a 'content' mapping of media types", { file, location: pointer })
  }
  return {
    required: body.required === true,
    content: body.content as Record<string, MediaTypeObject>,
    pointer: ref ? ref.slice(1) : pointer,
  }
}

function readResponses(doc: object, raw: unknown, pointer: string, file: string): Record<string, ResponseObject> {
  if (raw === undefined) return {}
  if (raw === null || typeof raw !== 'object') {
    throw new SetupError("'responses' must be a mapping of status codes", { file, location: pointer })
  }
  const out: Record<string, ResponseObject> = {}
  for (const [status, entry] of Object.entries(raw)) {
    if (status.startsWith('x-')) continue
    const at = `${pointer}/${encodePointerToken(status)}`
    if (!/^([1-5]([0-9]{2}|XX)|default)$/.test(status)) {
      throw new SetupError(`'${status}' is not a status code, a range like 4XX, or 'default'`, { file, location: at })
    }
    const ref = (entry as { $ref?: string } | null)?.$ref
    const response = deref(doc, entry, at, file) as Omit<ResponseObject, 'pointer'>
    const headers: Record<string, HeaderObject> = {}
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      headers[name] = deref(doc, header, `${at}/headers/${encodePointerToken(name)}`, file)
    }
    out[status] = { ...response, headers, pointer: ref ? ref.slice(1) : at }
  }
  return out
}

function checkPathParameters(operation: Operation, templateNames: string[], file: string): void {
  const declared = operation.parameters.filter((p) => p.in === 'path').map((p) => p.name)
  for (const name of templateNames) {
    if (!declared.includes(name)) {
      throw new SetupError(`path parameter '{${name}}' is in the template but not declared in 'parameters'`, {
        file,
        location: operation.pointer,
      })
    }
  }
  for (const name of declared) {
    if (!templateNames.includes(name)) {
      throw new SetupError(`path parameter '${name}' is declared but '{${name}}' is not in the path template`, {
        file,
        location: operation.pointer,
      })
    }
  }
}
