import type { LoadedSpec } from './load-spec.js'
import type { NoteSink } from './notes.js'
import { parseTemplate, type ParsedTemplate, type TemplateSegment } from './path-router.js'
import { encodePointerToken } from './refs.js'
import { basePathsOf } from './router-base-paths.js'
import { follow, mergeParameters, parameterObjects, readRequestBody, readResponses } from './router-readers.js'
import { bodyTypes, conditionsOf, routedPart, sameConditions, type RouteCondition } from './router-conditions.js'

export const HTTP_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'] as const
export type HttpMethod = (typeof HTTP_METHODS)[number]
/** The Path Item Object's keys for them, in the same order. */
export const METHOD_KEYS: readonly string[] = HTTP_METHODS.map((method) => method.toLowerCase())

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
  /** The spec's operationId, or `METHOD /path` when it has none (or an earlier operation has it). */
  id: string
  method: HttpMethod
  /** The path template it is routed on, without the base path: `/orders/{orderId}` (a documented `?query` or `#fragment` left out). */
  path: string
  /** The first base path it is served under ('' for none): from its own `servers`, its path item's, or the document's. */
  basePath: string
  /** `POST /v2/orders/{orderId}`: as a client calls it, base path included. Details name operations by it. */
  label: string
  /** JSON pointer of the operation object inside the document. */
  pointer: string
  /** The template's parameter names in path order (a name written twice is there twice; the first one is validated). */
  templateParams: string[]
  parameters: ParameterObject[]
  requestBody: RequestBodyObject | undefined
  responses: Record<string, ResponseObject>
  security: Array<Record<string, string[]>>
  /** `x-doorman` on the operation (per-operation overrides). */
  extension: Record<string, unknown>
}

/** One path as the router matches it: a base path and a template, with the operations found there. */
export interface PathRoute {
  /** As documented (the first one, where templates differ only in parameter names): `/orders/{orderId}`. */
  template: string
  basePath: string
  /** Base path and template, as the router reads them (src/spec/path-router.ts). */
  segments: TemplateSegment[]
  /** How many captured values come from variables in the base path: they are not path parameters. */
  baseParams: number
  /** The first template's parameter names, in the order of the captured values p0, p1, … */
  paramNames: string[]
  /** The first operation documented for each method. */
  operations: Map<HttpMethod, Operation>
  /**
   * Where one method has several operations here, told apart by the query parameters or headers their
   * keys name (`/{Bucket}?acl`, `/#X-Amz-Target=…`): the candidates, tried in order (most conditions first).
   */
  candidates?: Map<HttpMethod, RouteCandidate[]>
}

export interface RouteCandidate {
  operation: Operation
  /** All must hold; an empty list takes what no other candidate did. */
  conditions: RouteCondition[]
}

export interface RouteTable {
  /** The document's first base path: the one messages name. */
  basePath: string
  /** Every base path the document's root `servers` give; each one routes. */
  basePaths: string[]
  routes: PathRoute[]
  operations: Operation[]
}

/** What placing operations on routes keeps track of. */
interface Placing {
  routes: Map<string, PathRoute>
  /** Per route, the templates documented for it (more than one where only the parameter names differ). */
  templates: Map<PathRoute, Set<string>>
  keys: Map<Operation, string>
  conditions: Map<Operation, RouteCondition[]>
  notes: NoteSink
}

/**
 * Reads the paths into routes and operations. A mistake in the document is a
 * start-up note (spec.notes) with a fallback, never an exception: only the
 * broken piece is left out, and the rest is served exactly.
 */
export function compileRouteTable(spec: LoadedSpec): RouteTable {
  const { document: doc, notes } = spec
  const basePaths = basePathsOf(doc.servers, '/servers', notes) ?? ['']
  const placing: Placing = { routes: new Map(), templates: new Map(), keys: new Map(), conditions: new Map(), notes }
  const operations: Operation[] = []
  const ids = new Map<string, string>()
  const paths = doc.paths !== null && typeof doc.paths === 'object' ? doc.paths : {}

  for (const [key, rawItem] of Object.entries(paths)) {
    if (key.startsWith('x-')) continue // specification extensions are allowed among the paths
    const itemPointer = `/paths/${encodePointerToken(key)}`
    const item = follow(doc, rawItem, itemPointer, notes, 'doorman leaves this path out') as Record<string, unknown> | null | undefined
    if (item === undefined) continue
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      notes.add('route', itemPointer, 'a path item must be a mapping; doorman leaves this path out')
      continue
    }
    const template = routedPart(key, itemPointer, notes)
    const parsed = parseTemplate(template)
    if (parsed.strayBraces) notes.add('route', itemPointer, `a '{' or '}' in '${key}' opens or closes no parameter; doorman matches it as literal text`)
    for (const [earlier, later] of adjacentParameters(parsed.segments)) {
      notes.add(
        'route',
        itemPointer,
        `'{${earlier}}{${later}}' has nothing between the two parameters; doorman gives '${later}' the text from the last '.' on (an extension such as '.json') and '${earlier}' the rest`,
      )
    }
    for (const name of new Set(parsed.params.filter((name, i) => parsed.params.indexOf(name) !== i))) {
      notes.add('route', itemPointer, `path parameter '{${name}}' appears more than once; doorman reads every one of its segments and validates the first`)
    }
    const itemBases = basePathsOf(item.servers, `${itemPointer}/servers`, notes) ?? basePaths
    const shared = parameterObjects(doc, item.parameters, `${itemPointer}/parameters`, notes)

    for (let m = 0; m < HTTP_METHODS.length; m++) {
      const method = HTTP_METHODS[m]
      const raw = item[METHOD_KEYS[m]]
      if (raw === undefined) continue
      const pointer = `${itemPointer}/${METHOD_KEYS[m]}`
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        notes.add('route', pointer, `an operation must be a mapping; doorman leaves ${method} out of this path`)
        continue
      }
      const op = raw as Record<string, unknown>
      const bases = basePathsOf(op.servers, `${pointer}/servers`, notes) ?? itemBases
      const parameters = pathParameters(
        mergeParameters(shared, parameterObjects(doc, op.parameters, `${pointer}/parameters`, notes)),
        parsed.params,
        queryPartNames(key),
        pointer,
        notes,
      )
      const operation: Operation = {
        id: operationId(op.operationId, `${method} ${key}`, pointer, ids, notes),
        method,
        path: template,
        basePath: bases[0],
        label: `${method} ${bases[0]}${template}`,
        pointer,
        templateParams: parsed.params,
        parameters,
        requestBody: readRequestBody(doc, op.requestBody, `${pointer}/requestBody`, notes),
        responses: readResponses(doc, op.responses, `${pointer}/responses`, notes),
        security: (op.security ?? doc.security ?? []) as Array<Record<string, string[]>>,
        extension: (op['x-doorman'] ?? {}) as Record<string, unknown>,
      }
      operations.push(operation)
      placing.keys.set(operation, key)
      placing.conditions.set(operation, conditionsOf(key, parameters))
      bases.forEach((base, i) => place(placing, base, operation, base === '' ? parsed : parseTemplate(base + template), i > 0))
    }
  }
  return { basePath: basePaths[0], basePaths, routes: [...placing.routes.values()], operations }
}

/**
 * Puts an operation on the route for its base path and template. OpenAPI calls templates that differ only in
 * parameter names identical (and so invalid), but real descriptions have them (GitHub's attestations): they
 * share one route, and where both have a method, the first one documented wins. `quiet` for a second base
 * path, whose notes the first one gave. `full` is the base path and template, parsed.
 */
function place(placing: Placing, base: string, operation: Operation, full: ParsedTemplate, quiet: boolean): void {
  const { routes, notes } = placing
  let route = routes.get(full.shape)
  if (route === undefined) {
    const baseParams = base === '' ? 0 : parseTemplate(base).params.length
    route = { template: operation.path, basePath: base, segments: full.segments, baseParams, paramNames: operation.templateParams, operations: new Map() }
    routes.set(full.shape, route)
    placing.templates.set(route, new Set([operation.path]))
  }
  const templates = recorded(placing.templates, route)
  const key = recorded(placing.keys, operation)
  if (!templates.has(operation.path)) {
    templates.add(operation.path)
    if (!quiet) {
      const itemPointer = operation.pointer.slice(0, operation.pointer.lastIndexOf('/'))
      notes.add(
        'route',
        itemPointer,
        `'${key}' matches the same requests as '${route.template}' (only the parameter names differ); doorman routes them as one path, with the methods of both`,
      )
    }
  }
  const first = route.operations.get(operation.method)
  if (first === undefined) {
    route.operations.set(operation.method, operation)
    return
  }
  if (first === operation) return // a base path listed twice
  const candidates = route.candidates?.get(operation.method) ?? [{ operation: first, conditions: recorded(placing.conditions, first) }]
  const conditions = recorded(placing.conditions, operation)
  // Candidates for the same requests (the query and headers aside from media types).
  const twins = candidates.filter((c) =>
    sameConditions(
      c.conditions.filter((k) => k.in !== 'content-type'),
      conditions,
    ),
  )
  if (twins.length === 0) candidates.push({ operation, conditions })
  else {
    const ours = bodyTypes(operation)
    const clash = twins.find((c) => {
      const theirs = bodyTypes(c.operation)
      return !ours || !theirs || ours.some((type) => theirs.includes(type))
    })
    if (clash) {
      if (!quiet) {
        notes.add(
          'route',
          operation.pointer,
          `'${placing.keys.get(clash.operation)}' also has ${operation.method} for the same requests; the first one documented wins, so doorman never routes to this operation`,
        )
      }
      return
    }
    // The same requests but for their media types (Azure's `#overload=stream`): the Content-Type picks.
    // Both sides have body types here (one without clashes above): the `?? []` never applies.
    for (const twin of twins)
      if (!twin.conditions.some((k) => k.in === 'content-type'))
        twin.conditions = [...twin.conditions, { in: 'content-type', types: bodyTypes(twin.operation) ?? [] }]
    candidates.push({ operation, conditions: [...conditions, { in: 'content-type', types: ours ?? [] }] })
  }
  candidates.sort((a, b) => b.conditions.length - a.conditions.length) // stable: equals keep the document's order
  ;(route.candidates ??= new Map()).set(operation.method, candidates)
}

/** Pairs of parameters with no literal text between them in one segment (`{name}{ext}`). */
function adjacentParameters(segments: TemplateSegment[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  for (const segment of segments) {
    if (segment.kind !== 'pattern') continue
    for (let i = 2; i < segment.parts.length - 1; i += 2) if (segment.parts[i] === '') pairs.push([segment.parts[i - 1], segment.parts[i + 1]])
  }
  return pairs
}

/** What compileRouteTable recorded before placing an operation (its key and conditions, a route's templates). */
function recorded<K, V>(map: Map<K, V>, key: K): V {
  const value = map.get(key)
  if (value === undefined) throw new Error('doorman bug: an operation was placed before what placing reads was recorded')
  return value
}

function operationId(raw: unknown, fallback: string, pointer: string, ids: Map<string, string>, notes: NoteSink): string {
  let id = typeof raw === 'string' && raw !== '' ? raw : fallback
  const clash = ids.get(id)
  if (clash !== undefined) {
    let unique = fallback
    for (let n = 2; ids.has(unique); n++) unique = `${fallback} (${n})`
    notes.add('route', pointer, `operationId '${id}' is also used at ${clash}; doorman names this operation '${unique}'`)
    id = unique
  }
  ids.set(id, pointer)
  return id
}

/** The `{name}`s in a Paths Object key's query part: `/rides?page={page}` → ['page']. */
function queryPartNames(key: string): string[] {
  if (!key.includes('?')) return []
  const query = /\?([^#]*)/.exec(key)?.[1] ?? ''
  return [...query.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1])
}

/**
 * The template decides which path parameters there are: one it names but no one declares is a required
 * string (OpenAPI requires the declaration, many descriptions leave it out), and one declared but not in
 * the template could never be sent, so it is dropped (it would make every request fail `required`).
 */
function pathParameters(parameters: ParameterObject[], templateNames: string[], queryNames: string[], pointer: string, notes: NoteSink): ParameterObject[] {
  const moved: string[] = []
  const out = parameters.flatMap((p): ParameterObject[] => {
    if (p.in !== 'path' || templateNames.includes(p.name)) return [p]
    // icons8's `/category?category={category}&amount={amount}` declares them `in: path`: they travel in the query.
    if (queryNames.includes(p.name) && !parameters.some((q) => q.in === 'query' && q.name === p.name)) {
      moved.push(p.name)
      return [{ ...p, in: 'query' }]
    }
    notes.add('parameter', pointer, `path parameter '${p.name}' is declared but '{${p.name}}' is not in the path template; doorman ignores it`)
    return []
  })
  if (moved.length > 0) {
    const names = moved.map((name) => `'${name}'`).join(', ')
    const message =
      moved.length === 1
        ? `path parameter ${names} stands in the key's query part, not in the path; doorman reads it as a query parameter`
        : `path parameters ${names} stand in the key's query part, not in the path; doorman reads them as query parameters`
    notes.add('parameter', pointer, message)
  }
  const undeclared = [...new Set(templateNames)].filter((name) => !out.some((p) => p.in === 'path' && p.name === name))
  if (undeclared.length === 0) return out
  const names = undeclared.map((name) => `'{${name}}'`).join(', ')
  const one = undeclared.length === 1
  notes.add(
    'parameter',
    pointer,
    `path parameter${one ? '' : 's'} ${names} ${one ? 'is' : 'are'} in the template but not declared in 'parameters'; doorman reads ${one ? 'it as a required string' : 'them as required strings'}`,
  )
  // Nothing at `pointer`/schema: the validator requires the value and takes any string.
  for (const name of undeclared) out.push({ name, in: 'path', required: true, schema: { type: 'string' }, pointer: `${pointer}/parameters/{${name}}` })
  return out
}
