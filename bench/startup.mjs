// Start-up time: from spawning `doorman serve` to the first 2xx on GET /health,
// median of STARTUP_RUNS runs, for openapi.yaml, a generated 500-operation spec
// and GitHub's REST API description (13 MB, ~1,100 operations; GET /zen).
// `node -e 0` and a bare fastify server (bench/bare-server.mjs) are timed the
// same way, alternating with doorman: the part of the figure that is Node's
// and fastify's own on this machine at this moment.
// Also per case: the CPU time the process used up to its first answer (steadier
// than wall time on a shared machine), its peak RSS by then (VmHWM) and, once
// its idle-time work is done (CPU quiet for 300 ms), its RSS then.
// DOORMAN_CLI=a/dist/doorman.js,b/dist/doorman.js compares builds, alternating run by run.
//
//   npm run build && node bench/startup.mjs [--fetch-github]
//
// GitHub's description is not in the repository: `--fetch-github` (or `node
// bench/github-spec.mjs`) fetches it with `npm pack` into ~/.cache/doorman/specs
// (DOORMAN_SPEC_CACHE); without it that case is skipped, and says so.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import http from 'node:http'
import https from 'node:https'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import net from 'node:net'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { writeGeneratedSpec } from './generate-spec.mjs'
import { cachedGithubSpec, fetchGithubSpec, servableGithubSpec } from './github-spec.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const RUNS = Number(process.env.STARTUP_RUNS ?? 9)
const CLIS = (process.env.DOORMAN_CLI ?? 'dist/doorman.js').split(',')

async function freePort() {
  const server = net.createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

function get(port, path) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    })
    req.on('error', () => resolve(0))
  })
}

/** ms from spawn to the ready line, and to the first 2xx on `path` (polled every 2 ms). */
export async function timeStartup(args, path = '/health', { settle = false } = {}) {
  const port = await freePort()
  const started = performance.now()
  const bare = args[0] === 'bench/bare-server.mjs'
  const child = spawn(process.execPath, bare ? args : [...args, '--port', String(port), '--log', 'silent'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: bare ? { ...process.env, BARE_PORT: String(port) } : process.env,
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  let readyMs
  child.stdout.once('data', () => (readyMs = performance.now() - started))
  let exited = false
  child.once('exit', () => (exited = true))
  let firstOkMs
  while (firstOkMs === undefined) {
    if (exited) throw new Error(`doorman exited before answering: ${stderr}`)
    const status = await get(port, path)
    if (status >= 200 && status < 300) firstOkMs = performance.now() - started
    else await new Promise((resolve) => setTimeout(resolve, 2))
  }
  const { rssBytes, peakRssBytes } = await memoryOf(child.pid)
  const cpuMs = await cpuMsOf(child.pid)
  const settledRssBytes = settle ? await settledRss(child.pid) : undefined
  child.kill('SIGTERM')
  await once(child, 'exit')
  return { readyMs, firstOkMs, rssBytes, peakRssBytes, cpuMs, settledRssBytes }
}

async function memoryOf(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const kb = (field) => {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)
    return match ? Number(match[1]) * 1024 : undefined
  }
  return { rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') }
}

/** User + system CPU the process has used, in ms (fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 10 ms). */
async function cpuMsOf(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return fields.length > 13 ? (Number(fields[11]) + Number(fields[12])) * 10 : undefined
}

/** RSS once the process has used no CPU for 300 ms (its idle-time compilation done), at most 30 s on. */
async function settledRss(pid) {
  const until = performance.now() + 30_000
  let last = await cpuMsOf(pid)
  let quietSince = performance.now()
  while (performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    const now = await cpuMsOf(pid)
    if (now !== last) {
      last = now
      quietSince = performance.now()
    } else if (performance.now() - quietSince >= 300) break
  }
  return (await memoryOf(pid)).rssBytes
}

async function timeNodeAlone() {
  const started = performance.now()
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' })
  await once(child, 'exit')
  return performance.now() - started
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

export async function runStartup(runs = RUNS, { fetchGithub = false } = {}) {
  const generated = writeGeneratedSpec(500)
  const cases = [
    // DESIGN.md: ready within ~1.2x a bare fastify start for the default spec (measured in the same run).
    { name: 'openapi.yaml', spec: 'openapi.yaml', bareRatio: 1.2 },
    { name: 'generated, 500 operations', spec: generated, target: 1500 },
  ]
  const skipped = []
  const github = fetchGithub ? fetchGithubSpec() : cachedGithubSpec()
  if (github) {
    cases.push({
      name: "GitHub's REST API (13 MB, GET /zen)",
      spec: servableGithubSpec(github, CLIS[0]),
      path: '/zen',
      target: 1000,
      rssTargetMiB: 150,
      settle: true,
    })
  } else {
    skipped.push("GitHub's REST API: skipped, not in the cache (node bench/startup.mjs --fetch-github fetches it with npm pack)")
  }
  const rows = []
  const node = []
  const bare = []
  for (let i = 0; i < runs; i++) {
    node.push(await timeNodeAlone())
    bare.push(await timeStartup(['bench/bare-server.mjs']))
  }
  const floor = summarize(bare)
  rows.push({ name: 'bare fastify (the floor)', ...floor })
  for (const c of cases) {
    const samples = CLIS.map(() => [])
    for (let i = 0; i < runs; i++) {
      // Settling (waiting for idle-time work to end) takes seconds: measured on the first run only.
      for (const [k, cli] of CLIS.entries()) samples[k].push(await timeStartup([cli, 'serve', c.spec], c.path, { settle: c.settle && i === 0 }))
    }
    for (const [k, cli] of CLIS.entries()) {
      const target = c.bareRatio === undefined ? c.target : Math.round(c.bareRatio * floor.firstOk)
      rows.push({
        name: CLIS.length > 1 ? `${c.name} (${cli})` : c.name,
        ...summarize(samples[k]),
        target,
        targetNote: c.bareRatio && `${c.bareRatio}x bare`,
        rssTargetMiB: c.rssTargetMiB,
      })
    }
  }
  return { rows, nodeMs: median(node), runs, skipped }
}

function summarize(samples) {
  const settled = samples.map((s) => s.settledRssBytes).filter((b) => b !== undefined)
  return {
    ready: median(samples.map((s) => s.readyMs)),
    firstOk: median(samples.map((s) => s.firstOkMs)),
    min: Math.min(...samples.map((s) => s.firstOkMs)),
    cpuMs: median(samples.map((s) => s.cpuMs ?? 0)),
    rss: median(samples.map((s) => s.rssBytes ?? 0)),
    peakRss: median(samples.map((s) => s.peakRssBytes ?? 0)),
    settledRss: settled.length > 0 ? median(settled) : undefined,
  }
}

export function formatStartup({ rows, nodeMs, runs, skipped = [] }) {
  const out = [`start-up: spawn → first 2xx (GET /health, or the path named), median of ${runs} runs (node -e 0 alone: ${nodeMs.toFixed(0)} ms)`, '']
  const mib = (bytes) => (bytes / 1024 ** 2).toFixed(1)
  out.push(
    '| spec | ready line ms | first 2xx ms | fastest ms | CPU ms to first 2xx | RSS at first 2xx MiB | peak RSS MiB | RSS once idle MiB | target |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  )
  for (const r of rows) {
    const targets = []
    if (r.target !== undefined) targets.push(`< ${r.target} ms${r.targetNote ? ` (${r.targetNote})` : ''}${r.firstOk < r.target ? '' : ' (missed)'}`)
    if (r.rssTargetMiB !== undefined) targets.push(`< ${r.rssTargetMiB} MiB${r.peakRss / 1024 ** 2 < r.rssTargetMiB ? '' : ' (missed)'}`)
    out.push(
      `| ${r.name} | ${r.ready.toFixed(0)} | ${r.firstOk.toFixed(0)} | ${r.min.toFixed(0)} | ${r.cpuMs.toFixed(0)} | ${mib(r.rss)} | ${mib(r.peakRss)} | ${r.settledRss === undefined ? '' : mib(r.settledRss)} | ${targets.join(', ')} |`,
    )
  }
  for (const line of skipped) out.push('', line)
  return out.join('\n')
}

// ---- TLS (docs/performance.md, "TLS") ----

/**
 * What TLS adds to a start: `serve openapi.yaml`; the same with `--tls --tls-modes all` as it usually starts (CA
 * and certificate set read from the TLS folder); as the first start in 12 hours does (the not-yet-valid leaf
 * renewed: the X.509 library loaded, one certificate signed); and with the whole set made anew (a new machine, or
 * once a month: every certificate signed). Alternating run by run. The CA itself is made before the first
 * timed run: that happens once per machine. Wall time and, steadier on a shared machine, the CPU time the process
 * used up to its first 2xx.
 */
export async function runTlsStartup(runs = RUNS, cli = CLIS[0]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'doorman-bench-tls-'))
  const tls = ['--tls', '--tls-modes', 'all', '--tls-dir', path.join(dir, 'tls')]
  try {
    await timeTlsStart([cli, 'serve', 'openapi.yaml', ...tls])
    const samples = { plain: [], read: [], renewed: [], made: [] }
    const cache = path.join(dir, 'tls', 'certificates.json')
    for (let i = 0; i < runs; i++) {
      samples.plain.push(await timeTlsStart([cli, 'serve', 'openapi.yaml']))
      samples.read.push(await timeTlsStart([cli, 'serve', 'openapi.yaml', ...tls]))
      const cached = JSON.parse(readFileSync(cache, 'utf8'))
      writeFileSync(cache, JSON.stringify({ ...cached, madeAt: { ...cached.madeAt, 'not-yet-valid': 0 } }))
      samples.renewed.push(await timeTlsStart([cli, 'serve', 'openapi.yaml', ...tls]))
      rmSync(cache, { force: true })
      samples.made.push(await timeTlsStart([cli, 'serve', 'openapi.yaml', ...tls]))
    }
    const summary = (list) => ({ wallMs: median(list.map((s) => s.wallMs)), cpuMs: median(list.map((s) => s.cpuMs)) })
    return { runs, plain: summary(samples.plain), read: summary(samples.read), renewed: summary(samples.renewed), made: summary(samples.made), target: 150 }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** ms from spawn to the first 2xx on GET /health (over https with --tls), and the CPU ms the process used by then. */
async function timeTlsStart(args) {
  const port = await freePort()
  const secure = args.includes('--tls')
  const started = performance.now()
  const child = spawn(process.execPath, [...args, '--port', String(port), '--log', 'silent'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  let exited = false
  child.once('exit', () => (exited = true))
  const client = secure ? https : http
  const poll = () =>
    new Promise((resolve) => {
      // The poll trusts any certificate: it times the start, not the client.
      const req = client.get({ host: '127.0.0.1', port, path: '/health', agent: false, rejectUnauthorized: false }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode))
      })
      req.on('error', () => resolve(0))
    })
  for (;;) {
    if (exited) throw new Error(`doorman exited before answering: ${stderr}`)
    const status = await poll()
    if (status >= 200 && status < 300) break
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  const wallMs = performance.now() - started
  let stat = ''
  try {
    stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8')
  } catch {
    // No /proc (not Linux): the CPU column stays empty.
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // utime + stime, in clock ticks of 10 ms.
  const cpuMs = fields.length > 13 ? (Number(fields[11]) + Number(fields[12])) * 10 : NaN
  child.kill('SIGTERM')
  await once(child, 'exit')
  return { wallMs, cpuMs }
}

export function formatTlsStartup({ runs, plain, read, renewed, made, target }) {
  const added = (s, key) => `+${(s[key] - plain[key]).toFixed(0)}`
  const verdict = (s) => (s.cpuMs - plain.cpuMs <= target ? '' : ' (missed)')
  return [
    `TLS: spawn → first 2xx on GET /health, median of ${runs} runs, alternating (target: TLS adds <= ${target} ms)`,
    '',
    '| start | first 2xx ms | added ms | CPU ms to first 2xx | added CPU ms |',
    '| --- | --- | --- | --- | --- |',
    `| serve openapi.yaml | ${plain.wallMs.toFixed(0)} | | ${plain.cpuMs.toFixed(0)} | |`,
    `| --tls --tls-modes all, certificates read from the TLS folder | ${read.wallMs.toFixed(0)} | ${added(read, 'wallMs')} | ${read.cpuMs.toFixed(0)} | ${added(read, 'cpuMs')}${verdict(read)} |`,
    `| --tls --tls-modes all, the not-yet-valid leaf renewed (first start in 12 h) | ${renewed.wallMs.toFixed(0)} | ${added(renewed, 'wallMs')} | ${renewed.cpuMs.toFixed(0)} | ${added(renewed, 'cpuMs')}${verdict(renewed)} |`,
    `| --tls --tls-modes all, every certificate made anew (new machine, or monthly) | ${made.wallMs.toFixed(0)} | ${added(made, 'wallMs')} | ${made.cpuMs.toFixed(0)} | ${added(made, 'cpuMs')}${verdict(made)} |`,
  ].join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.argv.includes('--tls-only')) console.log(formatStartup(await runStartup(RUNS, { fetchGithub: process.argv.includes('--fetch-github') })))
  console.log('\n' + formatTlsStartup(await runTlsStartup()))
}
