import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { registerInspector } from './admin/inspector.js'
import { watchEventLoop } from './admin/loop-delay.js'
import { ADMIN_PREFIX, registerAdminRoutes } from './admin/routes.js'
import type { DoormanConfig } from './config.js'
import { JwtHost } from './auth/jwt-host.js'
import { DEV_SECRET } from './auth/tokens.js'
import type { CorsConfig } from './cors/config.js'
import { carryOverPlans } from './faults/plans.js'
import { FaultRuntime } from './faults/runtime.js'
import { CLOSE_GRACE_MS, gracefulClose } from './graceful-close.js'
import { Journal } from './journal/journal.js'
import { recordRequest, type LogMode, type LogSink } from './journal/record.js'
import { liveView, loadMockState, type MockState } from './mock-state.js'
import { contextOf, type RequestContext } from './pipeline/context.js'
import { requestHooks } from './pipeline/hooks.js'
import { readBody } from './pipeline/read-body.js'
import { decorateProblemReply } from './problems/reply.js'
import { compileAllRules, compileInIdleTime } from './spec/lazy-rules.js'
import { formatNote, type Note } from './spec/notes.js'
import { handshakeRecorder, prepareTls, type MockTls, type TlsOptions } from './tls/setup.js'
import { mutualTlsNote } from './auth/mutual-tls.js'
import { answerClientError, Connections, createTransport } from './transport.js'
import type { ReloadEvent } from './watch.js'
import type { ProxyOptions } from './proxy/options.js'
import type { ProxySetup } from './proxy/setup.js'

export interface ServerOptions {
  /** Path to an OpenAPI 3.0/3.1 document (YAML or JSON), or the document itself. */
  spec: string | object
  /** The config object, or a path to a YAML/JSON config file. */
  config?: DoormanConfig | string
  /** Default 0: a free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** One line per request to stdout: 'pretty', 'json', 'silent' (default for the library), or a function. */
  log?: LogMode | LogSink
  /** Overrides the config's `cors`: `true` (any origin), `false` (off), or the object form (docs/cors.md). The CLI's --cors / --no-cors. */
  cors?: CorsConfig
  /** Reload the spec and config when their files change, without dropping the port (`serve --watch`); told of each attempt. */
  watch?: (event: ReloadEvent) => void
  /**
   * Compile every request validator before listening, so that the start-up notes name each schema ajv cannot
   * compile (`serve --strict` fails on them). By default validators compile on first use, and in idle time.
   */
  compileFirst?: boolean
  /**
   * HTTPS with a certificate from doorman's local CA (`true`), and with
   * `modes`, one more listener per TLS failure mode (docs/tls.md).
   */
  tls?: true | TlsOptions
  /**
   * `doorman proxy`: forward every request the pipeline lets through to this
   * upstream, and check its answers against the spec (docs/proxy.md).
   */
  upstream?: string | ProxyOptions
}

declare module 'fastify' {
  interface FastifyRequest {
    doorman: RequestContext | null
  }
  interface FastifyContextConfig {
    /** The catch-all route every API request takes (admin routes have their own). */
    mockRoute?: true
  }
}

export interface BuiltMock {
  app: FastifyInstance
  journal: Journal
  /** The server's fault machinery (the plans are in `state.faults`). */
  faults: FaultRuntime
  /** The current state (each field reads the latest one after a reload). */
  state: MockState
  /** Ends the requests faults hold, clears the journal, restores the plans and counters; says how many requests it released. */
  reset: () => { released: number }
  /**
   * Reads the spec and config again and swaps the result in; requests already
   * in flight finish with the state they started with. Throws SetupError and
   * keeps the current state when the new one does not load.
   */
  reload: () => Promise<{ state: MockState; notes: string[] }>
  /** Lets requests in flight finish, then closes every connection (src/graceful-close.ts). */
  close: () => Promise<void>
  /** With `tls`: starts the mode listeners once the main one listens, and gives `mock.tls`. */
  tls?: { listenModes: (host: string) => Promise<MockTls> }
  /** With `upstream`: the forwarder, its totals and what it observed (src/proxy/). */
  proxy?: ProxySetup
}

/**
 * Loads the spec and config and builds the fastify app; does not listen.
 * The request's path through the hooks is src/pipeline/hooks.ts (drawn in docs/lifecycle.md).
 */
export async function buildMock(options: ServerOptions): Promise<BuiltMock> {
  // The certificates are made while the spec loads.
  const tlsReady = options.tls ? prepareTls(options.tls) : undefined
  tlsReady?.catch(() => undefined)
  // Requests read the state they arrived with (ctx.state); `reload()` swaps in a new one.
  // Set below, once the fault runtime exists: the fault step caps held requests by its count.
  let heldCount = () => 0
  // @fastify/jwt is registered on this mock's fastify instance, below; every state verifies and signs through it.
  const jwtHost = new JwtHost()
  const load = async () => {
    const state = await loadMockState(options, jwtHost)
    state.faults.held = () => heldCount()
    if (options.compileFirst) compileAllRules(state.rules, (note) => state.notes.push(note))
    return state
  }
  let current = await load()
  const state = liveView(() => current)
  // The start-up config sets what a reload cannot change: the journal's size, the server's timeouts, the body limit fastify enforces.
  const { config } = current
  const journal = new Journal(config.journal.size)
  const faults = new FaultRuntime(() => current.faults)
  heldCount = () => faults.heldCount
  const connections = new Connections()
  const log = options.log ?? 'silent'
  const record = (request: FastifyRequest, reply: FastifyReply, ctx = contextOf(request)) =>
    recordRequest({ ctx, request, reply, journal, redact: ctx.state.redact, bodyBytes: ctx.state.config.journal.bodyBytes, log })
  // Loaded only for `doorman proxy`: a serve start does not evaluate reply-from and undici.
  const proxy = options.upstream === undefined ? undefined : (await import('./proxy/setup.js')).setUpProxy(options.upstream)
  const hooks = requestHooks({
    current: () => current,
    faults,
    connections,
    record,
    answer: proxy?.forwarder.forward.bind(proxy.forwarder),
    stages: proxy?.stages,
  })
  const tls = await tlsReady
  const listeners = tls?.listen(handshakeRecorder(journal, log), { handshakeTimeoutMs: config.server.headersTimeoutMs, closeGraceMs: CLOSE_GRACE_MS })
  if (!tls) current.notes.push(...mutualTlsNote(current))
  else current.notes.push(...tls.ca.warnings.map((message) => ({ kind: 'tls', where: '', message })))

  let sequence = 0
  const app = Fastify({
    logger: false,
    serverFactory: createTransport(config.server, () => current.config.limits.lingerMs, connections, listeners),
    clientErrorHandler: answerClientError(connections),
    frameworkErrors: hooks.frameworkError,
    genReqId: () => `r-${String(++sequence).padStart(6, '0')}`,
    bodyLimit: config.limits.bodySizeBytes,
    exposeHeadRoutes: false,
    // Idle ones only: requests in flight finish first (src/graceful-close.ts).
    forceCloseConnections: 'idle',
    return503OnClosing: false,
    routerOptions: { maxParamLength: 1000 },
  })
  decorateProblemReply(app)
  jwtHost.attach(app, config.auth, DEV_SECRET)
  app.decorateRequest('doorman', null)
  // fastify reads no body on GET, HEAD or TRACE; OpenAPI 3.1 lets an operation document one there, and a body
  // that came is read, checked and counted like any other (one an operation does not take is refused at step 4).
  for (const method of ['GET', 'HEAD', 'TRACE']) app.addHttpMethod(method, { hasBody: true, overrideExisting: true })
  app.addHook('preClose', (done) => {
    connections.endDraining()
    listeners?.beginClose()
    done()
  })
  if (listeners) app.addHook('onClose', () => listeners.close())
  // Delays answers, and journals requests whose connection dies before a response finishes.
  faults.install(app, record)
  // Bodies arrive as raw bytes, counted against the operation's limit; the parse step reads them so that every syntax error is ours.
  app.removeAllContentTypeParsers()
  const bodyReader = proxy?.readBody ?? readBody
  app.addContentTypeParser('*', (request, payload, done) => bodyReader(request, payload, request.doorman?.state.config ?? current.config, done))
  proxy?.install(app)
  app.addHook('onRequest', hooks.onRequest)
  app.setNotFoundHandler(hooks.notFound)
  app.setErrorHandler(hooks.onError)
  // One route for every path and method: fastify cannot drop routes, and a reload may; the path is matched in onRequest.
  app.route({ method: app.supportedMethods, url: '/*', config: { mockRoute: true }, handler: hooks.handler })

  const loopDelay = watchEventLoop()
  app.addHook('onClose', (_instance, done) => {
    loopDelay.stop()
    done()
  })
  const reset = () => {
    // First ended, then the journal cleared: their entries ("ended by the reset") arrive as the sockets close, after it.
    const released = faults.releaseHeld()
    journal.clear()
    faults.reset()
    loopDelay.reset()
    return { released }
  }
  // Validators compile on first use; once the mock listens, the rest compile between requests. A schema that fails
  // to compile then is a note like those printed at start (serve's log modes print it to stderr too).
  const lateNote = (notes: Note[]) => (note: Note) => {
    notes.push(note)
    if (log === 'pretty' || log === 'json') process.stderr.write(`doorman: note: ${formatNote(note)}\n`)
  }
  let stopCompiling: (() => void) | undefined
  let lastActivity = 0
  const compileRest = () => {
    stopCompiling?.()
    lastActivity = performance.now()
    stopCompiling = compileInIdleTime(current.rules, () => lastActivity, lateNote(current.notes))
  }
  app.addHook('onListen', (done) => {
    // limits.connections: Node closes a connection past it as soon as it is accepted (docs/security.md).
    app.server.maxConnections = config.limits.connections
    app.server.on('request', () => (lastActivity = performance.now()))
    compileRest()
    done()
  })
  app.addHook('onClose', (_instance, done) => {
    stopCompiling?.()
    done()
  })
  const reload = async () => {
    const next = await load()
    const dropped = carryOverPlans(current.faults, next.faults)
    current = next
    if (app.server.listening) compileRest()
    // The document's notes again (a reload may have fixed some, or made new ones), then the fault plans it dropped.
    return { state: current, notes: [...next.notes.map(formatNote), ...dropped] }
  }
  let mockTls: MockTls | undefined
  const tlsHealth = () => mockTls && { ca: mockTls.caFile, modes: mockTls.urls }
  registerAdminRoutes(app, { journal, state, faults, reset, tls: tlsHealth, boundHost: options.host, eventLoop: () => loopDelay.summary() })
  const tlsApi = tls && listeners && { listenModes: async (host: string) => (await listeners.listenModes(host), (mockTls = tls.api(listeners))) }
  registerInspector(app, ADMIN_PREFIX, { journal, state })
  return { app, journal, state, faults, reset, reload, close: gracefulClose(app), tls: tlsApi, proxy }
}
