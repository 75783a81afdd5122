// One corpus worker: a child process (run with `--import tsx`, for the property suite's generator) that
// serves one document at a time with the built library and reports what happened. The parent kills and
// replaces it when a document takes too long or kills it (a crash that takes the process down is a finding).
import { performance } from 'node:perf_hooks'
import { SetupError, startServer } from '../../dist/index.js'
import { checkDocument, send } from '../../test/property/check-document.ts'
import { propertyConfig } from '../../test/property/credentials.ts'
import { buildParts, render } from '../../test/property/generate.ts'
import { readDocument, readOperations } from '../../test/property/openapi-document.ts'
import { asOpenApi3 } from '../../test/property/swagger2.ts'
import { createOracle, requestView } from '../../test/property/request-schemas.ts'

let current
// Whatever escapes doorman after start-up (a socket handler, a timer) would end a real `doorman serve`.
for (const event of ['uncaughtException', 'unhandledRejection']) {
  process.on(event, (error) => {
    process.send({ name: current, outcome: 'crash', message: `${event} after start-up: ${describe(error)}` }, () => process.exit(70))
  })
}

process.on('message', async (job) => {
  current = job.name
  const result = await serve(job).catch((error) => ({ outcome: 'crash', message: `corpus worker: ${describe(error)}` }))
  process.send({ name: job.name, ...result })
})
process.send({ ready: true })

async function serve({ file, options }) {
  let doc
  try {
    doc = await readDocument(file)
  } catch (error) {
    doc = undefined
  }
  const openapi = doc && asOpenApi3(doc)
  if (doc && !openapi) return { outcome: 'not-openapi' }
  const api = openapi ? safe(() => readOperations(openapi)) : undefined
  const config = api ? propertyConfig(api) : undefined
  let started = performance.now()
  let mock
  let configRefused
  try {
    mock = await startServer({ spec: file, config, port: 0, log: 'silent' })
  } catch (error) {
    const ms = performance.now() - started
    if (!(error instanceof SetupError)) return { outcome: 'crash', message: `start-up threw ${describe(error)}`, startMs: ms }
    if (!config) return { outcome: 'refused', message: error.message, startMs: ms }
    // The suite's own config (keys for the document's apiKey schemes) must not be what stops it: once more without.
    try {
      started = performance.now()
      mock = await startServer({ spec: file, port: 0, log: 'silent' })
      configRefused = error.message
    } catch {
      return { outcome: 'refused', message: error.message, startMs: ms }
    }
  }
  const startMs = performance.now() - started
  const rssMB = Math.round(process.memoryUsage().rss / 2 ** 20)
  try {
    mock.faults.clear()
    const mint = (claims) => mock.tokens.sign(claims)
    const result = { outcome: 'started', startMs, rssMB, notes: mock.notes, operations: api?.operations.length, configRefused }
    const oracle = api && safe(() => createOracle(requestView(api.doc, api.version)))
    result.get = oracle ? await probeGet(api, oracle, mock.url, mint, options) : { skipped: 'the generator cannot read the document' }
    if (oracle && options.check) {
      const deadline = Date.now() + options.budgetMs
      result.check = await checkDocument(api, mock.url, mint, {
        seed: options.seed,
        validPerOperation: options.requests,
        mutations: true,
        maxOperations: options.operations,
        deadline,
        timeoutMs: options.requestTimeoutMs,
        oracle,
      })
    }
    return result
  } finally {
    await mock.close()
  }
}

/** One GET to a documented path: the first GET operation (its parameters generated), else the first path. */
async function probeGet(api, oracle, url, mint, options) {
  const op = api.operations.find((o) => o.method === 'GET') ?? api.operations[0]
  if (!op) return { skipped: 'no operation' }
  const ctx = { api, oracle, mint, seed: options.seed }
  const parts = safe(() => buildParts(ctx, op, 0, false))
  if (!parts || typeof parts === 'string') return { skipped: parts ?? 'the generator failed' }
  const plan = { ...render(op, parts), method: 'GET', body: undefined }
  if (op.method !== 'GET') delete plan.headers['content-type']
  const answer = await send(url, plan, options.requestTimeoutMs)
  return { request: `GET ${plan.path}`, ...answer }
}

function safe(fn) {
  try {
    return fn()
  } catch {
    return undefined
  }
}

function describe(error) {
  if (!(error instanceof Error)) return String(error)
  const frame =
    error.stack
      ?.split('\n')
      .find((line) => line.trim().startsWith('at '))
      ?.trim() ?? ''
  return `${error.name}: ${error.message.split('\n')[0]} ${frame}`.trim()
}
