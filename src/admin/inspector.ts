import { existsSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { FAULT_KINDS, FAULT_PLAN_SCHEMA } from '../faults/plan.js'
import { buildHar } from '../journal/har.js'
import type { Journal } from '../journal/journal.js'
import type { MockState } from '../mock-state.js'
import { CATALOG } from '../problems/catalog.js'
import { Problem, ProblemError } from '../problems/problem.js'
import { originOf } from '../problems/reply.js'
import { VERSION } from '../version.js'
import { curlForEntry } from './entry-curl.js'
import { EventStreams } from './events.js'
import { parseJournalQuery } from './journal-query.js'

/**
 * The page's own files, shipped in the package (package.json "files"): no
 * CDN, since the inspector must work offline, and no build step. From
 * src/admin/ and dist/admin/ the folder is two levels up; from the bundled
 * CLI (dist/doorman.js), one.
 */
const ASSET_DIRS = ['../../inspector/', '../inspector/'].map((relative) => new URL(relative, import.meta.url))

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
}

/**
 * The page runs only its own files: nothing inline, nothing from elsewhere,
 * and no other site may frame it (its buttons reset the mock).
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
}

export interface InspectorDeps {
  journal: Journal
  state: MockState
}

/**
 * The inspector page at `/__doorman/` and what it reads: `GET events` (the
 * journal live, for scripts too), `GET journal/ID` (one entry, its curl
 * command and HAR), `GET inspector.json` (the operations and the fault plan
 * schema its form is built from). Registered after the admin routes, so the
 * admin guard covers them.
 */
export function registerInspector(app: FastifyInstance, prefix: string, { journal, state }: InspectorDeps): void {
  const streams = new EventStreams(journal)
  app.addHook('preClose', (done) => {
    streams.closeAll()
    done()
  })
  const assets = new Map<string, Buffer>()
  // Kept once read; a name that is not there is looked up again (requests choose names, and must not grow the map).
  const asset = async (name: string) => {
    const known = assets.get(name)
    if (known !== undefined) return known
    const bytes = await readAsset(name)
    if (bytes !== undefined) assets.set(name, bytes)
    return bytes
  }
  const sendAsset = async (name: string, reply: FastifyReply) => {
    const bytes = await asset(name)
    if (bytes === undefined) {
      return reply.problem(new Problem('ROUTE_NOT_FOUND', { detail: `The inspector has no file '${name}'; open ${prefix}/ for the page.` }))
    }
    return reply
      .headers(PAGE_HEADERS)
      .type(TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream')
      .send(bytes)
  }

  app.get(`${prefix}/`, (_request, reply) => sendAsset('index.html', reply))
  // The page's links are relative to /__doorman/: without the slash they would miss. (Outside the admin guard: it only points.)
  app.get(prefix, (_request, reply) => reply.redirect(`${prefix}/`))
  app.get(`${prefix}/assets/:file`, (request, reply) => {
    const { file } = request.params as { file: string }
    // Names only, from the one folder: nothing like ../ reaches the file system.
    return /^[a-z][a-z0-9-]*\.(js|css|svg)$/.test(file) ? sendAsset(file, reply) : sendAsset('-', reply)
  })

  app.get(`${prefix}/inspector.json`, (_request, reply) =>
    reply.send({
      version: VERSION,
      title: state.spec.document.info?.title ?? null,
      capacity: journal.capacity,
      operations: state.table.operations.map((op) => ({ id: op.id, label: op.label, method: op.method })),
      faultKinds: FAULT_KINDS,
      faultPlanSchema: FAULT_PLAN_SCHEMA,
      codes: Object.fromEntries(Object.entries(CATALOG).map(([code, entry]) => [code, { status: entry.status, step: entry.step }])),
    }),
  )

  app.get(`${prefix}/events`, (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const { filter } = parseJournalQuery(request.query, { wait: false, capacity: journal.capacity })
      streams.open(request, reply, filter)
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error
      return reply.problem(error.problem)
    }
    return reply
  })

  app.get(`${prefix}/journal/:requestId`, async (request, reply) => {
    const { requestId } = request.params as { requestId: string }
    const entry = journal.entries().find((e) => e.requestId === requestId)
    if (entry === undefined) {
      const problem = new Problem('ROUTE_NOT_FOUND', {
        detail: `The journal has no request '${requestId}' (it keeps the last ${journal.capacity}; a reset or DELETE ${prefix}/journal empties it).`,
        extra: { received: requestId },
      })
      return reply.problem(problem)
    }
    const host = typeof entry.headers.host === 'string' ? `${request.protocol}://${entry.headers.host}` : originOf(request)
    return { entry, curl: curlForEntry(entry, host), har: buildHar([entry]) }
  })
}

let assetDir: URL | undefined | null = null

/** The folder beside doorman's own package.json (a folder named `inspector` elsewhere up the tree is not ours). */
function findAssetDir(): URL | undefined {
  for (const dir of ASSET_DIRS) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../package.json', dir), 'utf8')) as { name?: string }
      if (pkg.name === 'doorman' && existsSync(new URL('index.html', dir))) return dir
    } catch {
      // not this one
    }
  }
  return undefined
}

async function readAsset(name: string): Promise<Buffer | undefined> {
  if (assetDir === null) assetDir = findAssetDir()
  if (assetDir === undefined || name === '-') return undefined
  const file = new URL(name, assetDir)
  return existsSync(file) ? readFile(file) : undefined
}
