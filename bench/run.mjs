// npm run bench: doorman against a bare fastify route, scenario by scenario,
// alternating the two servers round by round so machine drift hits both alike.
// The bare route answers with the very answer doorman gives (status, headers,
// body), so that the ratio measures the checking, not the documented response.
// Prints requests/s, p50/p99 latency and the ratio doorman / bare; then the
// start-up times (bench/startup.mjs) and the 1 GiB upload's memory
// (bench/upload-memory.mjs), and what doorman proxy adds to a call (bench/proxy-overhead.mjs).
// The 2-minute soak is separate: bench/soak.mjs.
//
//   BENCH_SECONDS=4 BENCH_ROUNDS=3     length of each measurement, rounds per server
//   BENCH_ONLY=413                     only the scenarios whose name matches
//   BENCH_PARTS=load,startup,upload,proxy    which parts to run
//   DOORMAN_CLI=dist/doorman.js        the build to measure
//   BENCH_DEBUG=1                      print each answer captured for the bare route
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import autocannon from 'autocannon'
import { loadWithClose } from './close-load.mjs'
import { scenarios, TOKEN_CLAIMS } from './scenarios.mjs'
import { formatStartup, runStartup } from './startup.mjs'
import { formatUploadMemory, runUploadMemory } from './upload-memory.mjs'
import { formatProxyOverhead, runProxyOverhead } from './proxy-overhead.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const CLI = process.env.DOORMAN_CLI ?? 'dist/doorman.js'
const DURATION = Number(process.env.BENCH_SECONDS ?? 4)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const ONLY = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, 'i') : undefined
const PARTS = new Set((process.env.BENCH_PARTS ?? 'load,startup,upload,proxy').split(','))
const CONNECTIONS = 10
const P99_TARGET_MS = 5

const children = new Set()
// A broken scenario throws: the servers must not outlive the run.
process.on('exit', () => children.forEach((child) => child.kill('SIGKILL')))

async function startProcess(args) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
  children.add(child)
  child.once('exit', () => children.delete(child))
  const rl = createInterface({ input: child.stdout })
  const [line] = await once(rl, 'line')
  return { url: line.match(/(http:\/\/\S+)/)[1], stop: () => child.kill('SIGTERM'), pid: child.pid }
}

function autocannonLoad(options) {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)))
  })
}

function load(url, scenario, headers, duration = DURATION) {
  const options = { url, method: scenario.method, headers, body: scenario.body, connections: CONNECTIONS, duration }
  return scenario.expectStatus === 413 ? loadWithClose(options) : autocannonLoad(options)
}

/** Every answer must be the expected one: a benchmark of the wrong answer measures nothing. */
function checkStatuses(result, expected, who, scenario) {
  const wrong = Object.entries(result.statusCodeStats ?? {}).filter(([status]) => !expected(Number(status)))
  if (wrong.length > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${scenario.name}: ${who} answered ${JSON.stringify(result.statusCodeStats)} (errors ${result.errors}, timeouts ${result.timeouts}); the scenario is broken`,
    )
  }
}

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || 100)

/** CPU time (user + system) a process has used, in ms, from /proc/<pid>/stat. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS
}

// Added by Node to every answer, or about the connection: not part of what the bare route is told to send.
const OWN_HEADERS = new Set(['date', 'content-length', 'keep-alive', 'transfer-encoding'])

/** Doorman's answer to the scenario's request, exactly as sent: the bare route will send the same. */
function captureAnswer(url, scenario, headers) {
  // Keep-alive, as autocannon's requests are: a `Connection: close` here would be echoed into the canned answer.
  const agent = new http.Agent({ keepAlive: true })
  return new Promise((resolve, reject) => {
    const body = scenario.body === undefined ? undefined : Buffer.from(scenario.body)
    const request = http.request(
      url,
      { method: scenario.method, agent, headers: { ...headers, ...(body ? { 'content-length': body.length } : {}) } },
      (response) => {
        const chunks = []
        response.on('data', (chunk) => chunks.push(chunk))
        response.on('end', () => {
          agent.destroy()
          const kept = Object.entries(response.headers).filter(
            ([name]) => !OWN_HEADERS.has(name) && (name !== 'connection' || response.headers.connection === 'close'),
          )
          resolve({ status: response.statusCode, headers: Object.fromEntries(kept), body: Buffer.concat(chunks).toString('utf8') })
        })
      },
    )
    request.on('error', reject)
    request.end(body)
  })
}

async function cannedOnBare(bareUrl, key, answer) {
  const response = await fetch(`${bareUrl}/__canned/${key}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(answer) })
  if (response.status !== 204) throw new Error(`the bare server refused the canned answer: ${response.status}`)
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

function machine() {
  return `${os.availableParallelism()} CPUs (${os.cpus()[0]?.model.trim()}), node ${process.version}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`
}

async function runLoad() {
  const { signToken } = await import(pathToFileURL(path.resolve(root, path.dirname(CLI), 'index.js')).href)
  const tokens = new Map()
  const bare = await startProcess(['bench/bare-server.mjs'])
  const rows = []
  for (const [index, scenario] of scenarios.entries()) {
    if (ONLY && !ONLY.test(scenario.name)) continue
    const args = [CLI, 'serve', scenario.spec, '--port', '0', '--log', 'silent', ...(scenario.config ? ['--config', scenario.config] : [])]
    const doorman = await startProcess(args)
    const headers = { ...scenario.headers }
    if (scenario.auth) {
      const claims = scenario.claims ?? TOKEN_CLAIMS
      const key = `${scenario.config} ${JSON.stringify(claims)}`
      if (!tokens.has(key)) tokens.set(key, await signToken(claims, { config: path.join(root, scenario.config), expiresIn: '4h' }))
      headers.authorization = `Bearer ${tokens.get(key)}`
    }
    const servers = { doorman: doorman.url + scenario.path, bare: `${bare.url}/canned/${index}` }
    const pids = { doorman: doorman.pid, bare: bare.pid }
    const answer = await captureAnswer(servers.doorman, scenario, headers)
    if (process.env.BENCH_DEBUG) console.log(scenario.name, JSON.stringify(answer).slice(0, 400))
    await cannedOnBare(bare.url, index, answer)
    // One short warm-up each (JIT, first-use compiles), then alternate.
    await load(servers.doorman, scenario, headers, 1)
    await load(servers.bare, scenario, headers, 1)
    const runs = { doorman: [], bare: [] }
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of round % 2 ? ['bare', 'doorman'] : ['doorman', 'bare']) {
        const cpuBefore = cpuMs(pids[name])
        const result = await load(servers[name], scenario, headers)
        const cpuUs = ((cpuMs(pids[name]) - cpuBefore) * 1000) / result.requests.total
        checkStatuses(result, (s) => s === scenario.expectStatus, name, scenario)
        runs[name].push({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, cpuUs })
      }
    }
    doorman.stop()
    const pick = (name, key) => median(runs[name].map((r) => r[key]))
    rows.push({
      scenario: scenario.name,
      doorman: Math.round(pick('doorman', 'rps')),
      bare: Math.round(pick('bare', 'rps')),
      ratio: pick('doorman', 'rps') / pick('bare', 'rps'),
      target: scenario.target,
      p50: pick('doorman', 'p50'),
      p99: pick('doorman', 'p99'),
      bareP99: pick('bare', 'p99'),
      cpuUs: pick('doorman', 'cpuUs'),
      bareCpuUs: pick('bare', 'cpuUs'),
    })
  }
  bare.stop()
  return rows
}

function formatLoad(rows, before, after) {
  const out = [
    `${CONNECTIONS} connections, ${DURATION} s x ${ROUNDS} rounds per server, alternating; medians. ${CLI}`,
    `before: ${before}`,
    `after:  ${after}`,
    '',
    '| scenario | doorman req/s | bare req/s | req/s ratio | CPU ratio | target | p50 ms | p99 ms | bare p99 ms | server CPU µs/req (doorman / bare) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ]
  // The target applies to the CPU ratio (bare µs ÷ doorman µs): what the requests/s ratio settles at on a quiet
  // machine, where autocannon on the other core does not take its share from one server more than from the other.
  const cpuRatio = (r) => r.bareCpuUs / r.cpuUs
  for (const r of rows) {
    const verdict = `${cpuRatio(r).toFixed(2)}${cpuRatio(r) >= r.target ? '' : ' (below)'}`
    const p99 = `${r.p99}${r.p99 <= P99_TARGET_MS ? '' : ` (over ${P99_TARGET_MS})`}`
    out.push(
      `| ${r.scenario} | ${r.doorman} | ${r.bare} | ${r.ratio.toFixed(2)} | ${verdict} | >= ${r.target.toFixed(2)} | ${r.p50} | ${p99} | ${r.bareP99} | ${Math.round(r.cpuUs)} / ${Math.round(r.bareCpuUs)} |`,
    )
  }
  out.push('', 'server CPU µs/req: user + system CPU of the server process per answer (/proc/<pid>/stat), what each answer costs whatever else runs.')
  const below = rows.filter((r) => cpuRatio(r) < r.target).map((r) => r.scenario)
  const slow = rows.filter((r) => r.p99 > P99_TARGET_MS).map((r) => r.scenario)
  if (below.length) out.push('', `CPU ratio below target: ${below.join('; ')}`)
  if (slow.length) out.push(`p99 over ${P99_TARGET_MS} ms: ${slow.join('; ')}`)
  return out.join('\n')
}

console.log(`doorman bench on ${os.hostname()}: ${machine()}\n`)
if (PARTS.has('load')) {
  const before = machine()
  const rows = await runLoad()
  console.log(formatLoad(rows, before, machine()) + '\n')
}
if (PARTS.has('startup')) console.log(formatStartup(await runStartup()) + '\n')
if (PARTS.has('upload')) console.log(formatUploadMemory(await runUploadMemory()) + '\n')
if (PARTS.has('proxy')) console.log(formatProxyOverhead(await runProxyOverhead()) + '\n')
