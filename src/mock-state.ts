import { JwtHost } from './auth/jwt-host.js'
import { compileAuth } from './auth/runtime.js'
import { DEV_SECRET } from './auth/tokens.js'
import { resolveCors, type CorsConfig } from './cors/config.js'
import { CorsPolicy } from './cors/policy.js'
import { credentialQueryNames } from './auth/security.js'
import { ADMIN_TOKEN_HEADER, DEFAULT_REDACT, type DoormanConfig, loadConfigFile, resolveConfig, type ResolvedConfig } from './config.js'
import { loadFaultPlans, type FaultPlans } from './faults/plans.js'
import type { AuthRuntime } from './auth/runtime.js'
import type { OperationRules } from './spec/compile-rules.js'
import type { LoadedSpec } from './spec/load-spec.js'
import type { Note } from './spec/notes.js'
import { SetupError } from './setup-error.js'
import { compileRules } from './spec/compile-rules.js'
import { loadSpec } from './spec/load-spec.js'
import { PathRouter } from './spec/path-router.js'
import { compileRouteTable, HTTP_METHODS, type HttpMethod, type Operation, type PathRoute, type RouteTable } from './spec/route-table.js'
import { closest } from './util/closest.js'

/** Where a mock's state comes from: the files (or objects) `serve --watch` reads again on every change. */
export interface MockSources {
  /** Path to an OpenAPI 3.0/3.1 document (YAML or JSON), or the document itself. */
  spec: string | object
  /** The config object, or a path to a YAML/JSON config file. */
  config?: DoormanConfig | string
  /** Overrides the config's `cors` (the CLI's --cors / --no-cors). */
  cors?: CorsConfig
}

/** The mock's state that every stage may read. */
export interface MockState {
  spec: LoadedSpec
  table: RouteTable
  rules: Map<Operation, OperationRules>
  /** Security requirements, verifiers and the token minter (step 3). */
  auth: AuthRuntime
  config: ResolvedConfig
  /** Fault plans, as data (step 2); the server's fault runtime carries out what they decide. */
  faults: FaultPlans
  /** Matches a request path against the table's templates (step 1; see src/mock-state.ts). */
  findRoute: RouteFinder
  /** Header and query parameter names whose values the journal replaces with `[redacted]`. */
  redact: Set<string>
  /** CORS answers for pages on other origins; undefined when `cors: false` (src/cors/). */
  cors: CorsPolicy | undefined
  /** Start-up notes: what auth does not check, and schema formats and dialects the validators do not know. */
  notes: Note[]
}

/** What the route step gets for a request path. */
export type RouteLookup =
  | { kind: 'found'; route: PathRoute; params: Record<string, string> }
  | { kind: 'not-found' }
  /** A path segment over the router's 1000 characters (414). */
  | { kind: 'too-long' }
  /** A path that is not a URL (a `%` that starts no `%XX`). */
  | { kind: 'bad-url' }

/** With `method`, the most concrete path that has an operation for it (else not-found); without, the most concrete path. */
export type RouteFinder = (url: string, method?: HttpMethod) => RouteLookup

/**
 * Loads the config and the spec and compiles everything a request is checked
 * against. Throws `SetupError` for any mistake; nothing is listening yet, so
 * a reload that fails leaves the running mock as it was.
 */
export async function loadMockState(sources: MockSources, jwtHost?: JwtHost): Promise<MockState> {
  const config: ResolvedConfig = typeof sources.config === 'string' ? await loadConfigFile(sources.config) : resolveConfig(sources.config)
  if (sources.cors !== undefined) config.cors = resolveCors(sources.cors, undefined)
  const spec = await loadSpec(sources.spec)
  const table = compileRouteTable(spec)
  checkOperationIds(config, table, typeof sources.config === 'string' ? sources.config : '<config>')
  const rules = compileRules(spec, table, config)
  const faults = loadFaultPlans(config, spec, table)
  // Header and query parameter names: API keys and RFC 6750 access_token can travel in the query too. `journal.redact`
  // adds names; only `redactDefaults: false` drops the defaults, and nothing drops the admin token.
  const defaults = config.journal.redactDefaults
    ? [...DEFAULT_REDACT, ...apiKeyHeaders(spec.document), ...credentialQueryNames(spec.document).map((n) => n.toLowerCase())]
    : []
  const redact = new Set([ADMIN_TOKEN_HEADER, ...defaults, ...config.journal.redact])
  // Without a mock's fastify instance to register @fastify/jwt on (doorman curl), one of its own.
  let host = jwtHost
  if (host === undefined) {
    host = new JwtHost()
    await host.standalone(config.auth, DEV_SECRET)
  }
  const auth = compileAuth(spec, table, config, host)
  const cors = config.cors && new CorsPolicy(config.cors, spec)
  return { spec, table, rules, config, auth, faults, findRoute: compileRouter(table), redact, cors, notes: [...auth.notes, ...spec.notes.list] }
}

/**
 * fastify cannot drop routes, so the server registers one catch-all route and
 * matches paths here, rebuilt with every route table, in the order the
 * OpenAPI Paths Object gives: concrete before templated, so `/orders/mine`
 * beats `/orders/{orderId}` (src/spec/path-router.ts says why not find-my-way).
 * Captured values come back as p0, p1, …: the route step names them after
 * the operation's own template (merged templates may name them differently).
 */
export function compileRouter(table: RouteTable): RouteFinder {
  const router = new PathRouter<PathRoute>()
  // Distinct shapes by construction (the table merges equal ones), so nothing is ever refused here.
  for (const route of table.routes) router.add(route.segments, route)
  const accepts = new Map(
    HTTP_METHODS.map((method) => [method, (route: PathRoute) => route.operations.has(method) || (method === 'HEAD' && route.operations.has('GET'))]),
  )
  return (url, method) => {
    const q = url.indexOf('?')
    const found = router.find(q === -1 ? url : url.slice(0, q), method && accepts.get(method))
    if (found.kind !== 'found') return found
    const route = found.value
    const params: Record<string, string> = {}
    for (let i = route.baseParams; i < found.captures.length; i++) params[`p${i - route.baseParams}`] = found.captures[i]
    return { kind: 'found', route, params }
  }
}

/**
 * A MockState whose every field reads the current state: for code that holds
 * on to the state it was given (the admin routes) while reloads swap it.
 */
// One getter per field, alike by design (`duplicates` pairs them): a Proxy would hide the fields from the type checker.
export function liveView(current: () => MockState): MockState {
  return {
    get spec() {
      return current().spec
    },
    get table() {
      return current().table
    },
    get rules() {
      return current().rules
    },
    get auth() {
      return current().auth
    },
    get config() {
      return current().config
    },
    get faults() {
      return current().faults
    },
    get findRoute() {
      return current().findRoute
    },
    get redact() {
      return current().redact
    },
    get cors() {
      return current().cors
    },
    get notes() {
      return current().notes
    },
  }
}

/** `operations:` in the config names operations by id: a typo there would silently do nothing. */
function checkOperationIds(config: ResolvedConfig, table: RouteTable, file: string): void {
  const ids = table.operations.map((op) => op.id)
  for (const id of Object.keys(config.operations)) {
    if (!ids.includes(id)) {
      const guess = closest(id, ids)
      throw new SetupError(`/operations/${id}: no operation has the id '${id}'${guess ? ` (did you mean '${guess}'?)` : ''}`, { file })
    }
  }
}

/** API keys sent in headers are credentials too: the journal redacts them by default. */
function apiKeyHeaders(document: { components?: Record<string, Record<string, unknown>> }): string[] {
  const schemes = Object.values(document.components?.securitySchemes ?? {}) as Array<{ type?: string; in?: string; name?: string }>
  return schemes.flatMap((s) => (s.type === 'apiKey' && s.in === 'header' && s.name ? [s.name.toLowerCase()] : []))
}
