// npm run bench: doorman against a bare fastify route, scenario by scenario,
// alternating the two servers round by round so machine drift hits both alike.
// Prints requests/s, p50/p99 latency and the ratio doorman / bare.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { scenarios } from './scenarios.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const DURATION = Number(process.env.BENCH_SECONDS ?? 4)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const CONNECTIONS = 10

async function startProcess(args) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
  const rl = createInterface({ input: child.stdout })
  const [line] = await once(rl, 'line')
  return { url: line.match(/(http:\/\/\S+)/)[1], stop: () => child.kill('SIGTERM') }
}

function load(url, scenario) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: url + scenario.path, method: scenario.method, headers: scenario.headers, body: scenario.body, connections: CONNECTIONS, duration: DURATION },
      (error, result) => (error ? reject(error) : resolve(result)),
    )
  })
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

const bare = await startProcess(['bench/bare-server.mjs'])
const rows = []
for (const scenario of scenarios) {
  const doorman = await startProcess(['dist/cli.js', 'serve', scenario.spec, '--port', '0', '--log', 'silent', ...(scenario.config ? ['--config', scenario.config] : [])])
  // One short warm-up each, then alternate.
  await load(doorman.url, { ...scenario, duration: 1 })
  const runs = { doorman: [], bare: [] }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, server] of round % 2 ? [['bare', bare], ['doorman', doorman]] : [['doorman', doorman], ['bare', bare]]) {
      const result = await load(server.url, scenario)
      const bad = name === 'doorman' ? result.non2xx - (scenario.expectStatus >= 300 ? result.requests.total : 0) : 0
      if (name === 'doorman' && scenario.expectStatus < 300 && result.non2xx > 0) {
        throw new Error(`${scenario.name}: doorman answered ${result.non2xx} non-2xx responses; the scenario is broken`)
      }
      runs[name].push({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, bad })
    }
  }
  doorman.stop()
  const pick = (name, key) => median(runs[name].map((r) => r[key]))
  rows.push({
    scenario: scenario.name,
    doorman: Math.round(pick('doorman', 'rps')),
    bare: Math.round(pick('bare', 'rps')),
    ratio: (pick('doorman', 'rps') / pick('bare', 'rps')).toFixed(2),
    target: scenario.target.toFixed(2),
    p50: pick('doorman', 'p50'),
    p99: pick('doorman', 'p99'),
  })
}
bare.stop()

const header = ['scenario', 'doorman req/s', 'bare req/s', 'ratio', 'target', 'p50 ms', 'p99 ms']
const lines = rows.map((r) => [r.scenario, r.doorman, r.bare, r.ratio, `>= ${r.target}`, r.p50, r.p99])
console.log(`\n${CONNECTIONS} connections, ${DURATION} s x ${ROUNDS} rounds each, medians; node ${process.version}\n`)
console.log(`| ${header.join(' | ')} |\n| ${header.map(() => '---').join(' | ')} |`)
for (const line of lines) console.log(`| ${line.join(' | ')} |`)
const failed = rows.filter((r) => Number(r.ratio) < Number(r.target))
if (failed.length) console.log(`\nbelow target: ${failed.map((r) => r.scenario).join(', ')}`)
