/**
 * `doorman curl` for a mock that speaks HTTPS: every command trusts doorman's
 * CA (`--cacert`), and a TLS section shows the valid request against each
 * mode's listener with the exit code curl gets there. The mode listeners'
 * ports are the running mock's (each takes a free one): they are read from
 * its `GET /__doorman/health` when it answers.
 */
import { readFile } from 'node:fs/promises'
import https from 'node:https'
import path from 'node:path'
import type { CurlPlan, CurlRequest } from '../curl/build-requests.js'
import { renderCurl } from '../curl/render-curl.js'
import { CA_FILE, resolveTlsDir } from './ca.js'
import { MODE_FACTS, TLS_MODES, type TlsMode } from './modes.js'

export interface CurlTls {
  /** The CA file every command passes to `--cacert`. */
  caFile: string
  /** Each mode's URL, when a running mock said. */
  modes: Partial<Record<TlsMode, string>>
  /** Said as a note when the mock did not answer. */
  unreachable?: string
}

/** Asks the mock at `baseUrl` (trusting the CA in `dir`) where its CA and mode listeners are; falls back to the folder's ca.pem. */
export async function discoverTls(baseUrl: string, dir: string | undefined): Promise<CurlTls> {
  const caFile = path.join(resolveTlsDir(dir), CA_FILE)
  const ca = await readFile(caFile, 'utf8').catch(() => undefined)
  const health = ca === undefined ? undefined : await getJson(`${baseUrl.replace(/\/+$/, '')}/__doorman/health`, ca)
  const tls = health?.tls as { ca?: string; modes?: Record<string, string> } | undefined
  if (tls?.ca) return { caFile: tls.ca, modes: tls.modes ?? {} }
  return {
    caFile,
    modes: {},
    unreachable: `no doorman answered at ${baseUrl} with its TLS listeners: start it with serve --tls --tls-modes all (and the same --tls-dir) for one command per mode`,
  }
}

function getJson(url: string, ca: string): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    const request = https.get(url, { ca, timeout: 2000 }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (text += chunk))
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? (JSON.parse(text) as Record<string, unknown>) : undefined)
        } catch {
          resolve(undefined)
        }
      })
    })
    request.on('timeout', () => request.destroy())
    request.on('error', () => resolve(undefined))
  })
}

/** Every command of the plan trusts doorman's CA. */
export function trustCa(plan: CurlPlan, tls: CurlTls): CurlPlan {
  for (const op of plan.operations) for (const request of op.requests) request.options = ['--cacert', tls.caFile, ...(request.options ?? [])]
  if (tls.unreachable) plan.notes.push(tls.unreachable)
  return plan
}

/** The section after the operations: the first valid request, sent to each mode's listener. */
export function renderTlsSection(plan: CurlPlan, tls: CurlTls, baseUrl: string): string {
  const operation = plan.operations[0]
  const valid = operation?.requests[0]
  const modes = TLS_MODES.filter((mode) => tls.modes[mode] !== undefined)
  if (!operation || !valid || modes.length === 0) return ''
  const base = baseUrl.replace(/\/+$/, '')
  const parts = [`## TLS — ${valid.method} ${operation.path} against each --tls-modes listener`]
  const at = (mode: TlsMode, over: Partial<CurlRequest>): CurlRequest => ({
    ...valid,
    url: `${tls.modes[mode] ?? base}${valid.url.slice(base.length)}`,
    ...over,
  })
  for (const mode of modes) {
    const facts = MODE_FACTS[mode]
    if (mode === 'client-cert-optional') {
      parts.push(renderCurl(at(mode, { title: `${mode}: no client certificate, a 403 problem`, expectStatus: 403, expectCode: 'TLS_CLIENT_CERT_MISSING' })))
    } else {
      parts.push(
        renderCurl(
          at(mode, { title: `${mode}: curl exits ${facts.curlExit} (${facts.serves})`, expectStatus: 0, expectCode: undefined, expectExit: facts.curlExit }),
        ),
      )
    }
    if (mode === 'client-cert-required' || mode === 'client-cert-optional') {
      const minted = path.join(path.dirname(tls.caFile), 'client')
      parts.push(
        renderCurl(
          at(mode, {
            title: `${mode}: with a client certificate from doorman tls client-cert`,
            options: ['--cacert', tls.caFile, '--cert', `${minted}.crt`, '--key', `${minted}.key`],
          }),
        ),
      )
    }
  }
  return '\n' + parts.join('\n\n') + '\n'
}
