/**
 * doorman's public API: the one module the CLI and test suites import.
 *
 * Deliberately not exported: the pipeline stages, the route table and the
 * fastify instance. They change as doorman grows; `code`s, the journal and
 * the options below do not.
 */
import type { AddressInfo } from 'node:net'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { TokenMinter, type TokenClaims, type TokenSignOptions } from './auth/tokens.js'
import { loadConfigFile, resolveConfig, type DoormanConfig } from './config.js'
import type { FaultsApi } from './faults/runtime.js'
import type { Journal } from './journal/journal.js'
import { buildReport, type ClientReport } from './journal/report.js'
import { buildMock, type ServerOptions } from './server.js'
import { describeMock } from './spec/describe.js'

export { codes, CATALOG, type ProblemCode, type CatalogEntry, type Step } from './problems/catalog.js'
export { CONFIG_SCHEMA, type DoormanConfig, type Size } from './config.js'
export type { JournalEntry, JournalFilter, WaitForOptions } from './journal/journal.js'
export type { Journal } from './journal/journal.js'
export type { LogMode, LogSink } from './journal/record.js'
export { formatLogLine } from './journal/record.js'
export { SetupError } from './setup-error.js'
export { DEV_SECRET, type TokenClaims, type TokenSignOptions } from './auth/tokens.js'
export type { ServerOptions } from './server.js'
export { FaultPlanError, FAULT_KINDS, FAULT_PLAN_SCHEMA, type FaultPlan, type FaultKind, type DelaySpec } from './faults/plan.js'
export type { FaultsApi, InFlightRequest } from './faults/runtime.js'
export type { FaultPlanStatus, FaultSource } from './faults/registry.js'
export type { ClientFacts, JournalFault } from './faults/client-facts.js'
export { formatReport, type ClientReport, type OperationReport, type AttemptReport } from './journal/report.js'

export interface DoormanServer {
  /** `http://127.0.0.1:54321` */
  url: string
  port: number
  host: string
  journal: Journal
  /** Mints tokens this mock accepts: `mock.tokens.sign({ sub: 'alice', scope: 'orders:write' }, { expiresIn: '5m' })`. */
  tokens: Tokens
  /** Start-up notes, e.g. that bearer signatures are not checked (`doorman serve` prints them to stderr). */
  notes: string[]
  /** Fault plans at run time: `mock.faults.add({ operation: 'createOrder', kind: 'status', status: 503, times: 2 })`. */
  faults: FaultsApi
  /** How the clients behaved (attempts, backoff, Retry-After, timeouts, idempotency); `formatReport()` makes it text. */
  report(): ClientReport
  /** Clears the journal, drops run-time fault plans and restarts the counters of the config's and spec's. */
  reset(): void
  /** Closes the server and every open connection. */
  close(): Promise<void>
  /** A request without a socket, for fast unit tests. */
  inject(options: InjectOptions | string): Promise<LightMyRequestResponse>
}

export interface Tokens {
  /** A JWT signed with the configured secret or private key (the built-in dev secret when none is configured); default lifetime 1h. */
  sign(claims?: TokenClaims, options?: TokenSignOptions): string
}

/**
 * `doorman token`: signs a token that a mock started with this config
 * accepts, without starting one. Throws SetupError when the config cannot sign.
 */
export async function signToken(
  claims: TokenClaims = {},
  options: TokenSignOptions & { config?: DoormanConfig | string } = {},
): Promise<string> {
  const config = typeof options.config === 'string' ? await loadConfigFile(options.config) : resolveConfig(options.config)
  return new TokenMinter(config.auth).sign(claims, options)
}

/** Loads and checks the spec and config without listening; returns the `doorman check` report. */
export async function checkSpec(options: Pick<ServerOptions, 'spec' | 'config'>): Promise<string> {
  const { app, state } = await buildMock(options)
  await app.close()
  return describeMock(state) + state.auth.notes.map((note) => `note: ${note}\n`).join('')
}

/**
 * Loads the spec and config, and listens. Throws `SetupError` (with file and
 * location in its message) for a bad spec or config.
 */
export async function startServer(options: ServerOptions): Promise<DoormanServer> {
  const { app, journal, reset, state } = await buildMock(options)
  const host = options.host ?? '127.0.0.1'
  await app.listen({ port: options.port ?? 0, host })
  const port = (app.server.address() as AddressInfo).port
  const shownHost = host.includes(':') ? `[${host}]` : host
  let closing: Promise<void> | undefined
  return {
    url: `http://${shownHost}:${port}`,
    port,
    host,
    journal,
    tokens: state.auth.tokens,
    notes: state.auth.notes,
    faults: state.faults!.api,
    report: () => buildReport(journal.entries(), state.faults!.inFlight()),
    reset,
    close: () => (closing ??= app.close()),
    inject: (injectOptions) => app.inject(injectOptions as InjectOptions),
  }
}
