/**
 * `doorman curl` announces, for each command, the status and `code` the mock will answer. That announcement must
 * hold on every fixture, including the real-world cases doorman serves with a fallback: each planned request is
 * sent over a real socket and must get exactly what was announced.
 */
import { readdirSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { buildRequests } from '../../src/curl/build-requests.js'
import { startServer } from '../../src/index.js'
import { loadMockState } from '../../src/mock-state.js'
import { fixture, ROOT } from '../helpers.js'

function documents(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return ['broken', 'parts', 'split'].includes(entry.name) ? [] : documents(full)
    return /\.(ya?ml|json)$/.test(entry.name) ? [full] : []
  })
}

for (const file of documents(fixture('specs'))) {
  t.test(path.relative(ROOT, file), async (t) => {
    let state
    try {
      state = await loadMockState({ spec: file })
    } catch {
      return t.pass('a part of another document, not served alone')
    }
    const mock = await startServer({ spec: file, port: 0 })
    t.teardown(() => mock.close())
    const plan = buildRequests(state, { baseUrl: mock.url })
    let sent = 0
    for (const op of plan.operations) {
      for (const req of op.requests) {
        // Faults, bodies from a shell command and answers that are not HTTP are about the connection, not this check.
        if (req.expectExit !== undefined || req.bodyFromCommand !== undefined || req.expectStatus === 0) continue
        if (req.headers.some(([name]) => name.toLowerCase() === 'prefer')) continue
        const headers: Record<string, string> = {}
        for (const [name, value] of req.headers) if (value !== '') headers[name.toLowerCase()] = value
        const answer = await request(req.url, { method: req.method as 'GET', headers, body: req.body })
        const text = await answer.body.text()
        const code = answer.headers['content-type']?.toString().includes('problem+json') ? (JSON.parse(text) as { code?: string }).code : undefined
        sent++
        t.same(
          { status: answer.statusCode, code },
          { status: req.expectStatus, code: req.expectCode },
          `${op.id}: ${req.title} (${req.method} ${req.url.slice(mock.url.length)})`,
        )
      }
    }
    t.ok(sent > 0 || plan.operations.length === 0, `${sent} planned requests sent`)
  })
}
