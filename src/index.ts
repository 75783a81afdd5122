/**
 * doorman's public API: the one module the CLI and test suites import.
 *
 * Deliberately not exported: the pipeline stages, the route table and the
 * fastify instance. They change as doorman grows; `code`s, the journal and
 * the options below do not.
 */
import type { AddressInfo } from 'node:net'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { JwtHost } from './auth/jwt-host.js'
import { DEV_SECRET, TokenMinter, type TokenClaims, type TokenSignOptions } from './auth/tokens.js'
import { loadConfigFile, resolveConfig, type DoormanConfig } from './config.js'
import type { FaultsApi } from './faults/runtime.js'
import type { Journal } from './journal/journal.js'
import { buildReport, type ClientReport } from './journal/report.js'
import { buildMock, type ServerOptions } from './server.js'
import { describeMock } from './spec/describe.js'
import { compileAllRules } from './spec/lazy-rules.js'
import { documentNotes, formatNote, groupNotes, summarizeNotes, type Note } from './spec/notes.js'
import { isLoopbackHost } from './admin/guard.js'
import { watchMock } from './watch.js'
import { buildRequests } from './curl/build-requests.js'
import { renderCurlScript } from './curl/render-curl.js'
import { loadMockState } from './mock-state.js'
import type { MockTls } from './tls/setup.js'
import { discoverTls, renderTlsSection, trustCa } from './tls/curl.js'
import { proxySummary, type ProxySummary } from './proxy/summary.js'
import { holdYoungGeneration } from './util/start-up-heap.js'

export { codes, CATALOG, type ProblemCode, type CatalogEntry, type Step } from './problems/catalog.js'
export { CONFIG_SCHEMA, type DoormanConfig, type Size } from './config.js'
export type { CorsConfig } from './cors/config.js'
export type { JournalCors } from './cors/preflight.js'
export type { JournalEntry, JournalBody, JournalFilter, WaitForOptions } from './journal/journal.js'
export type { Har, HarEntry, HarNameValue } from './journal/har.js'
export type { Journal } from './journal/journal.js'
export type { LogMode, LogSink, LogLineOptions } from './journal/record.js'
export { formatLogLine } from './journal/record.js'
export { SetupError } from './setup-error.js'
export { formatNote, groupNotes, summarizeNotes, documentNotes, type Note } from './spec/notes.js'
export { DEV_SECRET, type TokenClaims, type TokenSignOptions } from './auth/tokens.js'
export type { ServerOptions } from './server.js'
export type { ReloadEvent } from './watch.js'
export { FaultPlanError, FAULT_KINDS, FAULT_PLAN_SCHEMA, type FaultPlan, type FaultKind, type DelaySpec } from './faults/plan.js'
export type { FaultsApi, InFlightRequest } from './faults/runtime.js'
export type { FaultPlanStatus, FaultSource } from './faults/registry.js'
export type { ClientFacts, JournalFault } from './journal/client-facts.js'
export { formatReport, type ClientReport, type OperationReport, type AttemptReport } from './journal/report.js'
export { TLS_MODES, type TlsMode } from './tls/modes.js'
export type { TlsOptions, MockTls } from './tls/setup.js'
export type { TlsFacts, TlsClientCertificate } from './tls/facts.js'
export type { ClientCertificate } from './tls/certificates.js'
export type { TlsReport, TlsModeReport } from './tls/report.js'
export { tlsCaFile, mintClientCertificate, type ClientCertificateOptions } from './tls/commands.js'
export type { ProxyOptions } from './proxy/options.js'
export type { Violation, ProxyFacts } from './proxy/violations.js'
export { formatProxySummary, type ProxySummary } from './proxy/summary.js'

export interface DoormanServer {
  /** `http://127.0.0.1:54321` */
  url: string
  port: number
  host: string
  journal: Journal
  /** Mints tokens this mock accepts: `mock.tokens.sign({ sub: 'alice', scope: 'orders:write' }, { expiresIn: '5m' })`. */
  tokens: Tokens
  /**
   * Start-up notes, e.g. that bearer signatures are not checked (`doorman serve` prints them to stderr), and those
   * found since: a schema that fails to compile when first needed (validators compile on first use).
   */
  readonly notes: string[]
  /** The notes at start-up with their kind and place, as `doorman check` and `serve` group them. */
  startupNotes: Note[]
  /** Start-up warnings, e.g. that the mock listens beyond this machine (`doorman serve` prints them to stderr). */
  warnings: string[]
  /** Fault plans at run time: `mock.faults.add({ operation: 'createOrder', kind: 'status', status: 503, times: 2 })`. */
  faults: FaultsApi
  /** How the clients behaved (attempts, backoff, Retry-After, timeouts, idempotency); `formatReport()` makes it text. */
  report(): ClientReport
  /**
   * Ends the requests faults hold (hang, drip, delays: the journal records them as ended by the reset), clears
   * the journal, drops run-time fault plans and restarts the counters of the config's and spec's. Says how many
   * held requests it released.
   */
  reset(): { released: number }
  /**
   * Reads the spec and config files again and swaps them in without dropping
   * the port (what `watch` does on every change). Throws SetupError, and keeps
   * serving the last good version, when they do not load.
   */
  reload(): Promise<{ operations: number; notes: string[] }>
  /**
   * Stops listening, lets requests in flight finish (up to 2 s), ends those a fault holds, and closes every connection.
   * A function property, not a method: it needs no `this`, so `t.teardown(mock.close)` may pass it on its own.
   */
  close: () => Promise<void>
  /** A request without a socket, for fast unit tests. */
  inject(options: InjectOptions | string): Promise<LightMyRequestResponse>
  /** With `tls`: doorman's CA (`ca`, `caFile`), each mode's URL (`urls[mode]`) and `clientCert()` (docs/tls.md). */
  tls?: MockTls
  /** With `upstream` (`doorman proxy`): where requests go, and the answers that broke the contract so far (docs/proxy.md). */
  proxy?: { upstream: string; summary(): ProxySummary }
}

export interface Tokens {
  /** A JWT signed with the configured secret or private key (the built-in dev secret when none is configured); default lifetime 1h. */
  sign(claims?: TokenClaims, options?: TokenSignOptions): string
}

/**
 * `doorman token`: signs a token that a mock started with this config
 * accepts, without starting one. Throws SetupError when the config cannot sign.
 */
export async function signToken(claims: TokenClaims = {}, options: TokenSignOptions & { config?: DoormanConfig | string } = {}): Promise<string> {
  const config = typeof options.config === 'string' ? await loadConfigFile(options.config) : resolveConfig(options.config)
  const host = new JwtHost()
  await host.standalone(config.auth, DEV_SECRET)
  return new TokenMinter(config.auth, host).sign(claims, options)
}

export interface CheckOptions extends Pick<ServerOptions, 'spec' | 'config'> {
  /** Every note, not the first few of each kind. */
  verbose?: boolean
}

export interface CheckResult {
  /** What `doorman check` prints: the operations and their rules, then the notes grouped by kind. */
  report: string
  notes: Note[]
  /** The notes that point into the document (what `--strict` fails on), not those about the config or doorman itself. */
  documentNotes: Note[]
}

/** Loads and checks the spec and config without listening; returns the `doorman check` report. */
export async function checkSpec(options: CheckOptions): Promise<string> {
  return (await inspectSpec(options)).report
}

/** `doorman check` as data: the report, and the notes it lists. */
export async function inspectSpec(options: CheckOptions): Promise<CheckResult> {
  const { app, state } = await buildMock(options)
  await app.close()
  // Every validator, so that a schema ajv cannot compile is listed with the other notes.
  compileAllRules(state.rules, (note) => state.notes.push(note))
  const notes = [...state.notes]
  const listed = notes.length
    ? `${summarizeNotes(notes)}\n` +
      groupNotes(notes, { verbose: options.verbose })
        .map((line) => `note: ${line}\n`)
        .join('')
    : ''
  return { report: describeMock(state) + listed, notes, documentNotes: documentNotes(notes) }
}

export interface CurlCommandsOptions extends Pick<ServerOptions, 'spec' | 'config'> {
  /** Where the mock listens. Default `http://127.0.0.1:4010`. */
  url?: string
  /** An operationId or `METHOD /path`; every operation when absent. */
  operation?: string
  /** For an https `url`: the folder of doorman's CA (`--tls-dir`), for `--cacert`. */
  tlsDir?: string
}

/**
 * `doorman curl`: ready-to-run curl commands for an operation (or all), a
 * valid request first, then one per refusal and per fault, each after a
 * comment `# STATUS [CODE] — what it does` saying what the mock started with
 * the same spec and config will answer. Throws SetupError for a bad spec,
 * config or operation name.
 */
export async function curlCommands(options: CurlCommandsOptions): Promise<string> {
  const state = await loadMockState(options)
  const baseUrl = options.url ?? 'http://127.0.0.1:4010'
  const plan = buildRequests(state, { baseUrl, operation: options.operation })
  if (!baseUrl.startsWith('https:')) return renderCurlScript(plan)
  // HTTPS: every command trusts doorman's CA, and the running mock's mode listeners get one command each.
  const tls = await discoverTls(baseUrl, options.tlsDir)
  return renderCurlScript(trustCa(plan, tls)) + renderTlsSection(plan, tls, baseUrl)
}

/** What `--host 0.0.0.0` means for who can reach the mock and its admin API (src/admin/guard.ts). */
function exposedWarning(host: string, adminToken: boolean): string {
  const admin = adminToken
    ? 'the admin API (/__doorman/*) answers only requests that carry admin.token'
    : 'the admin API (/__doorman/*) still answers only this machine (set admin.token in the config to open it to others)'
  return `listening on ${host}: other machines can reach the mock; ${admin}.`
}

/**
 * Loads the spec and config, and listens. Throws `SetupError` (with file and
 * location in its message) for a bad spec or config.
 */
export async function startServer(options: ServerOptions): Promise<DoormanServer> {
  const release = holdYoungGeneration()
  const built = await buildMock(options).finally(release)
  const { app, journal, reset, state, faults } = built
  const host = options.host ?? '127.0.0.1'
  await app.listen({ port: options.port ?? 0, host })
  const tls =
    built.tls &&
    (await built.tls.listenModes(host).catch(async (error: unknown) => {
      await built.close()
      throw error
    }))
  const port = (app.server.address() as AddressInfo).port
  const proxy = built.proxy
  const shownHost = host.includes(':') ? `[${host}]` : host
  const configFile = typeof options.config === 'string' ? options.config : undefined
  const watcher = options.watch && watchMock(built, options.watch, { configFile })
  return {
    url: `${tls ? 'https' : 'http'}://${shownHost}:${port}`,
    port,
    host,
    journal,
    // `state` reads the current state: after a reload, tokens are signed with the new config.
    tokens: { sign: (claims, signOptions) => state.auth.tokens.sign(claims, signOptions) },
    get notes() {
      return state.notes.map(formatNote)
    },
    startupNotes: [...state.notes],
    warnings: [...(isLoopbackHost(host) ? [] : [exposedWarning(host, state.config.admin.token !== undefined)]), ...(built.proxy?.warnings ?? [])],
    faults: faults.api,
    report: () => buildReport(journal.entries(), faults.inFlight(), new Date(), state.table.operations),
    reset,
    reload: async () => {
      const { state: next, notes } = await built.reload()
      return { operations: next.table.operations.length, notes }
    },
    close: async () => {
      if (watcher) watcher.close()
      await built.close()
      // --record: the spec with the answers seen as named examples, written once the last answer is in.
      await built.proxy?.forwarder.writeRecording(state.spec)
    },
    inject: (injectOptions) => app.inject(injectOptions as InjectOptions),
    tls,
    proxy: proxy && {
      upstream: proxy.forwarder.options.upstream.href,
      summary: () => proxySummary(proxy.forwarder, state.table.operations),
    },
  }
}
