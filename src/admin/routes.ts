import { performance } from 'node:perf_hooks'
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { registerFaultRoutes } from '../faults/admin.js'
import type { FaultRuntime } from '../faults/runtime.js'
import { adminGuard } from './guard.js'
import { parseJournalQuery, type JournalQuery } from './journal-query.js'
import { buildHar } from '../journal/har.js'
import type { Journal, JournalEntry, JournalFilter } from '../journal/journal.js'
import type { MockState } from '../mock-state.js'
import { CATALOG, isProblemCode, type ProblemCode } from '../problems/catalog.js'
import { Problem, ProblemError, problemTypeUri, statusTitle } from '../problems/problem.js'
import { originOf } from '../problems/reply.js'
import { negotiate } from '../response/negotiate.js'
import { SetupError } from '../setup-error.js'
import { closest } from '../util/closest.js'

export const ADMIN_PREFIX = '/__doorman'

export interface AdminDeps {
  journal: Journal
  state: MockState
  faults: FaultRuntime
  reset: () => void
  /** With TLS: doorman's CA file and each mode's URL, for `health` (src/tls/). */
  tls?: () => { ca: string; modes: Record<string, string> } | undefined
  /** The host the mock listens on (`--host`): a Host header may name it. */
  boundHost: string | undefined
}

/** Nothing doorman writes itself is to be read as another type than it says (a JSON journal holding `<script>` as HTML, say). */
function noSniff(_request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  reply.header('x-content-type-options', 'nosniff')
  done()
}

/** The /__doorman/* routes: kept out of the pipeline and out of the journal. */
export function registerAdminRoutes(app: FastifyInstance, { journal, state, faults, reset, tls, boundHost }: AdminDeps): void {
  // Same origin, and loopback only or admin.token (src/admin/guard.ts). The problem pages stay open: every refusal's `type` links there.
  const guard = adminGuard(() => ({ token: state.config.admin.token, allowedHosts: state.config.admin.allowedHosts, boundHost }))
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith(`${ADMIN_PREFIX}/`)) return
    const own = route.onRequest === undefined ? [] : [route.onRequest].flat()
    route.onRequest = route.url.startsWith(`${ADMIN_PREFIX}/problems`) ? [noSniff, ...own] : [noSniff, guard, ...own]
  })

  app.get(`${ADMIN_PREFIX}/health`, () => ({
    status: 'ok',
    operations: state.table.operations.length,
    journal: { size: journal.size, capacity: journal.capacity, waiting: journal.waiting },
    tls: tls?.(),
  }))

  // GET/POST/DELETE faults[/ID], GET report (src/faults/admin.ts)
  registerFaultRoutes(app, ADMIN_PREFIX, { journal, state, faults })

  // A wait in progress when the mock closes answers at once with what is there: close() must not sit out a long poll.
  const closing = new AbortController()
  app.addHook('preClose', (done) => {
    closing.abort(new Error('the mock is closing'))
    done()
  })

  app.get(`${ADMIN_PREFIX}/journal`, async (request, reply) => {
    const query = readQuery(request, reply, true)
    if (query === undefined) return reply
    if (query.count === undefined) return { entries: select(journal, query) }
    // Long poll, for fixtures in other languages: the journal's waitFor over HTTP, instead of polling in a loop.
    const stop = new AbortController()
    const stopWaiting = () => stop.abort(new Error('the client went away, or the mock is closing'))
    // The response's 'close' comes early only when the connection goes before the answer.
    reply.raw.once('close', stopWaiting)
    closing.signal.addEventListener('abort', stopWaiting, { once: true })
    const started = performance.now()
    try {
      await journal.waitFor({ ...query.filter, count: query.count }, { timeoutMs: query.timeoutMs, signal: stop.signal })
      return { entries: select(journal, query), complete: true }
    } catch {
      // Like a long poll's timeout: 200 with what arrived; `complete: false` and the detail say the wait ran out.
      const entries = select(journal, query)
      const waited = Math.round(performance.now() - started)
      const why = closing.signal.aborted ? ' The mock is closing.' : ''
      return {
        entries,
        complete: false,
        detail: `Waited ${waited} ms for ${query.count} request(s)${describeFilter(query.filter)}; ${entries.length} arrived.${why}`,
      }
    } finally {
      closing.signal.removeEventListener('abort', stopWaiting)
    }
  })

  // HAR 1.2, same filters: save it and open it in a browser's network panel or a HAR viewer.
  app.get(`${ADMIN_PREFIX}/journal.har`, async (request, reply) => {
    const query = readQuery(request, reply, false)
    if (query === undefined) return reply
    reply.type('application/json; charset=utf-8').header('content-disposition', 'attachment; filename="doorman-journal.har"')
    return buildHar(select(journal, query))
  })

  function readQuery(request: FastifyRequest, reply: FastifyReply, wait: boolean): JournalQuery | undefined {
    try {
      return parseJournalQuery(request.query, { wait, capacity: journal.capacity })
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error
      reply.problem(error.problem)
      return undefined
    }
  }

  app.delete(`${ADMIN_PREFIX}/journal`, async (_request, reply) => {
    journal.clear()
    return reply.code(204).send()
  })

  app.post(`${ADMIN_PREFIX}/reset`, async (_request, reply) => {
    reset()
    return reply.code(204).send()
  })

  // Mints a token this mock accepts: claims as a JSON object, plus optional expiresIn / notBefore durations.
  app.post(`${ADMIN_PREFIX}/tokens`, async (request, reply) => {
    const text = Buffer.isBuffer(request.body) ? request.body.toString('utf8').trim() : ''
    let input: unknown = {}
    try {
      if (text) input = JSON.parse(text)
      if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new SetupError('the body must be a JSON object')
      const { expiresIn, notBefore, ...claims } = input as Record<string, unknown>
      const minted = state.auth.tokens.mint(claims, { expiresIn: expiresIn as string, notBefore: notBefore as string })
      const exp = minted.claims.exp
      const expiresAt = typeof exp === 'number' && Number.isFinite(new Date(exp * 1000).getTime()) ? new Date(exp * 1000).toISOString() : null
      return { token: minted.token, tokenType: 'Bearer', expiresAt, header: minted.header, claims: minted.claims }
    } catch (error) {
      if (!(error instanceof SetupError) && !(error instanceof SyntaxError)) throw error
      const why = error instanceof SyntaxError ? `the body is not JSON (${error.message})` : error.message.replace(/^cannot sign tokens: /, '')
      const problem = new Problem('TOKEN_MINT_REFUSED', {
        detail: `Cannot mint a token: ${why}. Send e.g. {"sub":"alice","scope":"orders:write","expiresIn":"15m"}.`,
      })
      return reply.problem(problem)
    }
  })

  app.get(`${ADMIN_PREFIX}/problems`, (request) => {
    return {
      problems: (Object.keys(CATALOG) as ProblemCode[]).map((code) => describe(code, originOf(request))),
    }
  })

  app.get(`${ADMIN_PREFIX}/problems/:code`, async (request, reply) => {
    const { code } = request.params as { code: string }
    if (!isProblemCode(code)) {
      const guess = closest(code, Object.keys(CATALOG))
      const problem = new Problem('ROUTE_NOT_FOUND', {
        detail: `doorman has no problem code '${code}'.${guess ? ` Did you mean ${guess}?` : ''} GET ${ADMIN_PREFIX}/problems lists them all.`,
      })
      return reply.problem(problem)
    }
    const doc = describe(code, originOf(request))
    // A person following the `type` link from a browser or curl gets prose; a program gets JSON.
    if (negotiate(request.headers.accept, ['application/json', 'text/plain', 'text/html']) !== 'application/json') {
      return reply
        .type('text/plain; charset=utf-8')
        .send(`${code} — ${doc.status} ${doc.title} (step: ${doc.step})\n\nWhen: ${doc.meaning}\nFix:  ${doc.fix}\n`)
    }
    return doc
  })
}

function select(journal: Journal, { filter, limit }: JournalQuery): JournalEntry[] {
  const entries = journal.entries(filter)
  return limit === undefined ? entries : entries.slice(-limit)
}

function describeFilter(filter: JournalFilter): string {
  const parts = Object.entries(filter).map(([key, value]) => `${key}=${key === 'since' ? new Date(value as number).toISOString() : String(value)}`)
  return parts.length === 0 ? '' : ` matching ${parts.join(', ')}`
}

function describe(code: ProblemCode, origin: string) {
  const entry = CATALOG[code]
  return {
    code,
    type: problemTypeUri(origin, code),
    status: entry.status,
    title: statusTitle(entry.status),
    step: entry.step,
    meaning: entry.meaning,
    fix: entry.fix,
  }
}
