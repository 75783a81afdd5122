/**
 * Issue 11 (1b): a mock that refuses a request its description allows blames
 * the client for its own mistake. For every document under fixtures/specs/
 * (broken/ aside), requests are generated from the document by an independent
 * generator (json-schema-faker, each value checked by ajv first), sent over
 * real sockets, and must all be accepted; one-point mutations of them (a
 * required field dropped, a wrong type, a value outside an enum, a required
 * parameter left out, an unlisted Content-Type, no credentials) must all be
 * refused with the right status and a `code`. What cannot be generated valid
 * by construction is skipped with a counted reason, printed below.
 *
 * DOORMAN_PROPERTY_SEED / DOORMAN_PROPERTY_RUNS (valid requests per operation) explore further by hand;
 * `npm run property -- --grep=secured` checks one document.
 */
import { readdirSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { SetupError, startServer } from '../../src/index.js'
import { fixture, ROOT } from '../helpers.js'
import { checkDocument, type CheckReport } from './check-document.js'
import { propertyConfig } from './credentials.js'
import { readDocument, readOperations } from './openapi-document.js'
import { asOpenApi3 } from './swagger2.js'
import { formatReport } from './report.js'

const SEED = Number(process.env.DOORMAN_PROPERTY_SEED ?? 20260511)
const RUNS = Number(process.env.DOORMAN_PROPERTY_RUNS ?? 3)

function documents(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'broken' ? [] : documents(full)
    return /\.(ya?ml|json)$/.test(entry.name) ? [full] : []
  })
}

const notServed: string[] = []
const totals: CheckReport[] = []

for (const file of documents(fixture('specs'))) {
  const name = path.relative(ROOT, file)
  t.test(name, async (t) => {
    const doc = asOpenApi3(await readDocument(file))
    if (!doc) {
      notServed.push(`${name}: not an OpenAPI document (a part that another one $refs)`)
      return t.pass('a fragment: nothing to serve')
    }
    const api = readOperations(doc)
    let mock
    try {
      mock = await startServer({ spec: file, config: propertyConfig(api), port: 0 })
    } catch (error) {
      // Issue 11: only a file that is not YAML/JSON, or not OpenAPI, may stop start-up; anything else thrown is a crash.
      t.ok(error instanceof SetupError, 'start-up refuses with a SetupError, never a crash', { error })
      notServed.push(`${name}: does not start: ${(error as Error).message}`)
      return
    }
    t.teardown(() => mock.close())
    // Faults the document plans (x-doorman) would answer for it: this is about what the mock accepts.
    mock.faults.clear()
    const report = await checkDocument(api, mock.url, (claims) => mock.tokens.sign(claims), {
      seed: SEED,
      validPerOperation: RUNS,
      mutations: true,
      // A mock that never answers (a final 1xx) fails its request in 5 s, not tap's 120.
      timeoutMs: 5000,
    })
    totals.push(report)
    t.comment(formatReport(report).join('\n'))
    // Nothing is dropped silently: a document whose requests were all skipped says why above.
    t.ok(report.valid.sent > 0 || Object.keys(report.skipped).length > 0 || api.operations.length === 0, `valid requests were sent (${report.valid.sent})`)
    const refusedValid = report.failures.filter((f) => f.kind === 'valid')
    t.same(refusedValid, [], `every valid request is accepted (${report.valid.accepted}/${report.valid.sent})`)
    const wrongMutations = report.failures.filter((f) => f.kind !== 'valid')
    t.same(wrongMutations, [], `every mutation is refused with its status and a code (${report.mutations.refused}/${report.mutations.sent})`)
  })
}

t.teardown(() => {
  const sum = totals.reduce(
    (a, r) => ({
      sent: a.sent + r.valid.sent,
      accepted: a.accepted + r.valid.accepted,
      mutated: a.mutated + r.mutations.sent,
      refused: a.refused + r.mutations.refused,
    }),
    { sent: 0, accepted: 0, mutated: 0, refused: 0 },
  )
  const rate = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)} %` : 'n/a')
  console.log(
    `# property suite, seed ${SEED}: ${totals.length} documents; valid requests accepted ${sum.accepted}/${sum.sent} (${rate(sum.accepted, sum.sent)}); ` +
      `mutations refused ${sum.refused}/${sum.mutated} (${rate(sum.refused, sum.mutated)})`,
  )
  for (const line of notServed) console.log(`# not served: ${line}`)
})
