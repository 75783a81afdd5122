// Memory under sustained load with the journal at its cap: doorman serves a
// mix of valid and refused requests (openapi.yaml, bench/openapi-bench.yaml)
// until the journal is full, then for SOAK_SECONDS more while its RSS is read
// from /proc every second. Flat means every sample within ±10% of their
// median. RSS swings with V8's collections (journal entries live long enough
// to be promoted, and die in the old generation): the trough of each 10 s
// window is the live memory, and its trend says whether that grows.
//
//   npm run build && node bench/soak.mjs              (2 minutes)
//   SOAK_SECONDS=20 node bench/soak.mjs               (a quick look)
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import autocannon from 'autocannon'
import { scenarios, TOKEN_CLAIMS } from './scenarios.mjs'
import { rssOf } from './upload-memory.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const CLI = (process.env.DOORMAN_CLI ?? 'dist/doorman.js').split(',')[0]
const SECONDS = Number(process.env.SOAK_SECONDS ?? 120)
const WARM_SECONDS = Number(process.env.SOAK_WARM_SECONDS ?? 20)
const MiB = 1024 ** 2
const CONFIG = 'bench/openapi-bench.yaml'

function run(options) {
  return new Promise((resolve, reject) => autocannon(options, (error, result) => (error ? reject(error) : resolve(result))))
}

export async function runSoak() {
  // SOAK_NODE_FLAGS='--trace-gc' shows the live heap after each collection (on stdout, after the ready line).
  const flags = process.env.SOAK_NODE_FLAGS?.split(' ').filter(Boolean) ?? []
  const child = spawn(process.execPath, [...flags, CLI, 'serve', 'openapi.yaml', '--config', CONFIG, '--port', '0', '--log', 'silent'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })
  let url
  const gcLog = []
  await new Promise((resolve) =>
    lines.on('line', (line) => {
      if (url === undefined && /listening/.test(line)) {
        url = line.match(/(http:\/\/\S+)/)[1]
        resolve()
      } else if (/Mark-Compact/.test(line)) gcLog.push(line)
    }),
  )
  const { signToken } = await import(pathToFileURL(path.resolve(root, path.dirname(CLI), 'index.js')).href)
  const token = await signToken(TOKEN_CLAIMS, { config: path.join(root, CONFIG), expiresIn: '4h' })
  // Every keep-alive scenario on openapi.yaml, in turn: valid and refused answers all go to the journal.
  const requests = scenarios
    .filter((s) => s.config === CONFIG && s.expectStatus !== 413)
    .map((s) => ({ method: s.method, path: s.path, body: s.body, headers: { ...s.headers, ...(s.auth ? { authorization: `Bearer ${token}` } : {}) } }))
  const health = async () => (await fetch(`${url}/__doorman/health`)).json()

  const warm = await run({ url, requests, connections: 10, duration: WARM_SECONDS })
  const { journal } = await health()
  if (journal.size < journal.capacity) throw new Error(`the journal holds ${journal.size} of ${journal.capacity} after the warm-up: lengthen SOAK_WARM_SECONDS`)

  const samples = []
  const started = performance.now()
  const sampler = setInterval(() => samples.push({ s: (performance.now() - started) / 1000, rss: rssOf(child.pid) }), 1000)
  const result = await run({ url, requests, connections: 10, duration: SECONDS })
  clearInterval(sampler)
  const end = await health()
  child.kill('SIGTERM')
  await once(child, 'exit')

  if (gcLog.length) console.log(gcLog.map((line) => line.replace(/^\[\d+:0x[0-9a-f]+\]\s*/, '')).join('\n'))
  if (process.env.SOAK_VERBOSE) console.log(samples.map((x) => `${x.s.toFixed(0)}s ${(x.rss / MiB).toFixed(1)}`).join('  '))
  const rss = samples.map((x) => x.rss)
  const base = [...rss].sort((a, b) => a - b)[Math.floor(rss.length / 2)]
  const deviation = Math.max(...rss.map((r) => Math.abs(r - base) / base))
  // The trough of each 10 s window, and their least-squares slope: growth of what stays alive.
  const troughs = []
  for (let i = 0; i < samples.length; i += 10) {
    const window = samples.slice(i, i + 10)
    troughs.push(window.reduce((low, x) => (x.rss < low.rss ? x : low)))
  }
  const mean = (list, f) => list.reduce((sum, x) => sum + f(x), 0) / list.length
  const ms = mean(troughs, (x) => x.s)
  const mr = mean(troughs, (x) => x.rss)
  const slope = troughs.length < 2 ? 0 : troughs.reduce((sum, x) => sum + (x.s - ms) * (x.rss - mr), 0) / troughs.reduce((sum, x) => sum + (x.s - ms) ** 2, 0)
  return {
    seconds: SECONDS,
    warmRequests: warm.requests.total,
    requests: result.requests.total,
    rps: result.requests.average,
    statuses: result.statusCodeStats,
    errors: result.errors + result.timeouts,
    journal: end.journal,
    baseMiB: base / MiB,
    firstMiB: rss[0] / MiB,
    troughsMiB: troughs.map((x) => x.rss / MiB),
    minMiB: Math.min(...rss) / MiB,
    maxMiB: Math.max(...rss) / MiB,
    lastMiB: rss.at(-1) / MiB,
    deviation,
    slopeMiBPerMin: (slope * 60) / MiB,
  }
}

export function formatSoak(r) {
  const statuses = Object.entries(r.statuses)
    .map(([status, { count }]) => `${status}: ${count}`)
    .join(', ')
  return [
    `soak: ${r.seconds} s of sustained load after a ${r.warmRequests}-request warm-up filled the journal (${r.journal.size} of ${r.journal.capacity} entries at the end)`,
    `${r.requests} requests (${Math.round(r.rps)}/s; ${statuses}; ${r.errors} errors or timeouts)`,
    '',
    '| RSS median MiB | first MiB | min MiB | max MiB | last MiB | largest deviation from median | trough trend MiB/min | target |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    `| ${r.baseMiB.toFixed(1)} | ${r.firstMiB.toFixed(1)} | ${r.minMiB.toFixed(1)} | ${r.maxMiB.toFixed(1)} | ${r.lastMiB.toFixed(1)} | ${(r.deviation * 100).toFixed(1)}% | ${r.slopeMiBPerMin.toFixed(2)} | ±10%${r.deviation <= 0.1 ? '' : ' (missed)'} |`,
    '',
    `troughs of each 10 s window (MiB): ${r.troughsMiB.map((x) => x.toFixed(1)).join(', ')}`,
  ].join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(formatSoak(await runSoak()))
}
