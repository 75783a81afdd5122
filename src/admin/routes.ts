import type { FastifyInstance } from 'fastify'
import { registerFaultRoutes } from '../faults/admin.js'
import { adminGuard } from './guard.js'
import { buildHar } from '../journal/har.js'
import type { Journal, JournalEntry, JournalFilter } from '../journal/journal.js'
import type { MockState } from '../pipeline/context.js'
import { CATALOG, isProblemCode, type ProblemCode } from '../problems/catalog.js'
import { PROBLEM_MEDIA_TYPE, Problem, problemTypeUri, statusTitle } from '../problems/problem.js'
import { negotiate } from '../response/negotiate.js'
import { SetupError } from '../setup-error.js'
import { closest } from '../util/closest.js'

export const ADMIN_PREFIX = '/__doorman'

export interface AdminDeps {
  journal: Journal
  state: MockState
  reset: () => void
}

/** The /__doorman/* routes: kept out of the pipeline and out of the journal. */
export function registerAdminRoutes(app: FastifyInstance, { journal, state, reset }: AdminDeps): void {
  // Loopback only, or admin.token (src/admin/guard.ts). The problem pages stay open: every refusal's `type` links there.
  const guard = adminGuard(() => state.config.admin.token)
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith(`${ADMIN_PREFIX}/`) || route.url.startsWith(`${ADMIN_PREFIX}/problems`)) return
    route.onRequest = [guard, ...(route.onRequest === undefined ? [] : [route.onRequest].flat())]
  })

  app.get(`${ADMIN_PREFIX}/health`, async () => ({
    status: 'ok',
    operations: state.table.operations.length,
    journal: { size: journal.size, capacity: journal.capacity },
  }))

  // GET/POST/DELETE faults[/ID], GET report (src/faults/admin.ts)
  registerFaultRoutes(app, ADMIN_PREFIX, { journal, state })

  app.get(`${ADMIN_PREFIX}/journal`, async (request) => ({ entries: filteredJournal(journal, request.query) }))

  // HAR 1.2, same filters: save it and open it in a browser's network panel or a HAR viewer.
  app.get(`${ADMIN_PREFIX}/journal.har`, async (request, reply) => {
    reply.type('application/json; charset=utf-8').header('content-disposition', 'attachment; filename="doorman-journal.har"')
    return buildHar(filteredJournal(journal, request.query))
  })

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
      const origin = `${request.protocol}://${request.host}`
      return reply.code(problem.status).type(PROBLEM_MEDIA_TYPE).send(problem.toJSON(origin, request.url, request.id))
    }
  })

  app.get(`${ADMIN_PREFIX}/problems`, async (request) => {
    const origin = `${request.protocol}://${request.host}`
    return {
      problems: (Object.keys(CATALOG) as ProblemCode[]).map((code) => describe(code, origin)),
    }
  })

  app.get(`${ADMIN_PREFIX}/problems/:code`, async (request, reply) => {
    const { code } = request.params as { code: string }
    const origin = `${request.protocol}://${request.host}`
    if (!isProblemCode(code)) {
      const guess = closest(code, Object.keys(CATALOG))
      const problem = new Problem('ROUTE_NOT_FOUND', {
        detail: `doorman has no problem code '${code}'.${guess ? ` Did you mean ${guess}?` : ''} GET ${ADMIN_PREFIX}/problems lists them all.`,
      })
      return reply.code(404).type(PROBLEM_MEDIA_TYPE).send(problem.toJSON(origin, request.url, request.id))
    }
    const doc = describe(code, origin)
    // A person following the `type` link from a browser or curl gets prose; a program gets JSON.
    if (negotiate(request.headers.accept, ['application/json', 'text/plain', 'text/html']) !== 'application/json') {
      return reply
        .type('text/plain; charset=utf-8')
        .send(`${code} — ${doc.status} ${doc.title} (step: ${doc.step})\n\nWhen: ${doc.meaning}\nFix:  ${doc.fix}\n`)
    }
    return doc
  })
}

/** `?operation=&method=&path=&code=&step=&since=&status=&limit=` (limit keeps the newest). */
function filteredJournal(journal: Journal, rawQuery: unknown): JournalEntry[] {
  const query = rawQuery as Record<string, string | undefined>
  const filter: JournalFilter = {}
  for (const key of ['operation', 'method', 'path', 'code', 'step', 'since'] as const) {
    if (query[key] !== undefined) filter[key] = query[key]
  }
  if (query.status !== undefined) filter.status = Number(query.status)
  const entries = journal.entries(filter)
  const limit = query.limit === undefined ? undefined : Math.max(0, Number(query.limit) || 0)
  return limit === undefined ? entries : entries.slice(-limit)
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
