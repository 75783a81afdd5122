/**
 * doorman's public API: the one module the CLI and test suites import.
 *
 * Deliberately not exported: the pipeline stages, the route table and the
 * fastify instance. They change as doorman grows; `code`s, the journal and
 * the options below do not.
 */
import type { AddressInfo } from 'node:net'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import type { Journal } from './journal/journal.js'
import { buildMock, type ServerOptions } from './server.js'
import { describeMock } from './spec/describe.js'

export { codes, CATALOG, type ProblemCode, type CatalogEntry, type Step } from './problems/catalog.js'
export { CONFIG_SCHEMA, type DoormanConfig, type Size } from './config.js'
export type { JournalEntry, JournalFilter, WaitForOptions } from './journal/journal.js'
export type { Journal } from './journal/journal.js'
export type { LogMode, LogSink } from './journal/record.js'
export { formatLogLine } from './journal/record.js'
export { SetupError } from './setup-error.js'
export type { ServerOptions } from './server.js'

export interface DoormanServer {
  /** `http://127.0.0.1:54321` */
  url: string
  port: number
  host: string
  journal: Journal
  /** Clears the journal (and faults and counters). */
  reset(): void
  /** Closes the server and every open connection. */
  close(): Promise<void>
  /** A request without a socket, for fast unit tests. */
  inject(options: InjectOptions | string): Promise<LightMyRequestResponse>
}

/** Loads and checks the spec and config without listening; returns the `doorman check` report. */
export async function checkSpec(options: Pick<ServerOptions, 'spec' | 'config'>): Promise<string> {
  const { app, state } = await buildMock(options)
  await app.close()
  return describeMock(state)
}

/**
 * Loads the spec and config, and listens. Throws `SetupError` (with file and
 * location in its message) for a bad spec or config.
 */
export async function startServer(options: ServerOptions): Promise<DoormanServer> {
  const { app, journal, reset } = await buildMock(options)
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
    reset,
    close: () => (closing ??= app.close()),
    inject: (injectOptions) => app.inject(injectOptions as InjectOptions),
  }
}
