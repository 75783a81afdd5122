/**
 * Shared by the TLS tests: one mock per test file (certificates are made
 * once, listeners reused), a CA folder of its own, and clients that verify
 * certificates and clients that do not.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Agent, fetch as undiciFetch } from 'undici'
import type { DoormanServer, JournalEntry, TlsMode } from '../../src/index.js'

export function tempTlsDir(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'doorman-tls-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return path.join(dir, 'tls')
}

export interface Outcome {
  status?: number
  body?: Record<string, unknown>
  /** The error code Node gave (`CERT_HAS_EXPIRED`, …) when the request failed. */
  error?: string
  message?: string
}

/** Node's fetch (undici) through `agent`: the status and JSON body, or the error's code. */
export async function nodeFetch(url: string, agent: Agent, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Outcome> {
  try {
    const res = await undiciFetch(url, { ...init, dispatcher: agent })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined }
  } catch (error) {
    const cause = (error as Error & { cause?: Error & { code?: string } }).cause
    return { error: cause?.code ?? (error as { code?: string }).code, message: cause?.message ?? (error as Error).message }
  }
}

/** Clients: one that trusts doorman's CA and checks everything, one that checks nothing (`rejectUnauthorized: false`). */
export function agents(t: { teardown(fn: () => unknown): void }, ca: string) {
  const make = (connect: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean; servername?: string }) => {
    const agent = new Agent({ connect })
    t.teardown(() => agent.close())
    return agent
  }
  return { verifying: make({ ca }), blind: make({ rejectUnauthorized: false }), make }
}

/** Waits for the next journal entry of a failed handshake (or plain HTTP refused) on `mode`, after the `seen` ones. */
export async function nextTlsEntry(mock: DoormanServer, mode: TlsMode | undefined, seen: Set<string>): Promise<JournalEntry> {
  const matches = () => mock.journal.entries({ step: 'tls' }).filter((e) => e.method === '' && e.tls?.mode === mode && !seen.has(e.requestId))
  for (let count = mock.journal.entries({ step: 'tls' }).length + 1; ; count++) {
    const found = matches()[0]
    if (found) {
      seen.add(found.requestId)
      return found
    }
    await mock.journal.waitFor({ step: 'tls', count }, { timeoutMs: 5000 })
  }
}
