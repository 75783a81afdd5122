// What doorman proxy adds to a call: the same small JSON answer, from the same
// upstream, called directly and through `doorman proxy` (route, parameter
// check, forwarding, the answer's check against the spec). Sequential requests
// on one keep-alive connection each, rounds alternating, so that the p50
// difference is the proxy's own latency. Target (DESIGN.md): at most 0.5 ms p50.
//
//   npm run build && node bench/proxy-overhead.mjs       PROXY_REQUESTS=3000 PROXY_ROUNDS=5
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { Agent, request } from 'undici'

const root = fileURLToPath(new URL('..', import.meta.url))
const CLI = (process.env.DOORMAN_CLI ?? 'dist/doorman.js').split(',')[0]
const REQUESTS = Number(process.env.PROXY_REQUESTS ?? 3000)
const ROUNDS = Number(process.env.PROXY_ROUNDS ?? 5)
export const PROXY_TARGET_MS = 0.5

async function start(args) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
  const [line] = await once(createInterface({ input: child.stdout }), 'line')
  return { url: line.match(/(http:\/\/127\.0\.0\.1:\d+)/)[1], stop: () => child.kill('SIGTERM') }
}

/** `count` requests one after another on one connection; the latencies in ms. */
async function sequential(url, count) {
  const dispatcher = new Agent({ connections: 1, pipelining: 1 })
  const times = []
  try {
    for (let i = 0; i < count; i++) {
      const started = performance.now()
      const res = await request(url, { dispatcher })
      await res.body.arrayBuffer()
      times.push(performance.now() - started)
      if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`)
    }
  } finally {
    await dispatcher.close()
  }
  return times
}

const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * p)]
const median = (values) => percentile(values, 0.5)

export async function runProxyOverhead() {
  const upstream = await start(['bench/proxy-upstream.mjs'])
  const proxy = await start([CLI, 'proxy', 'fixtures/specs/proxied.yaml', '--upstream', `${upstream.url}/api`, '--port', '0', '--log', 'silent'])
  const urls = { direct: `${upstream.url}/api/orders/1`, proxied: `${proxy.url}/v1/orders/1` }
  try {
    // Warm-up: JIT, the validators' first compile, the keep-alive pools.
    for (const url of Object.values(urls)) await sequential(url, 500)
    const p50 = { direct: [], proxied: [] }
    const p99 = { direct: [], proxied: [] }
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of round % 2 ? ['proxied', 'direct'] : ['direct', 'proxied']) {
        const times = await sequential(urls[name], REQUESTS)
        p50[name].push(median(times))
        p99[name].push(percentile(times, 0.99))
      }
    }
    const result = { direct: median(p50.direct), proxied: median(p50.proxied), directP99: median(p99.direct), proxiedP99: median(p99.proxied) }
    return { ...result, overhead: result.proxied - result.direct, requests: REQUESTS, rounds: ROUNDS }
  } finally {
    proxy.stop()
    upstream.stop()
  }
}

export function formatProxyOverhead(r) {
  const verdict = r.overhead <= PROXY_TARGET_MS ? 'within' : 'OVER'
  return [
    `proxy overhead: ${r.requests} sequential GETs x ${r.rounds} rounds each way, one keep-alive connection, medians of the rounds' p50`,
    '| path | p50 ms | p99 ms |',
    '| --- | --- | --- |',
    `| upstream directly | ${r.direct.toFixed(3)} | ${r.directP99.toFixed(3)} |`,
    `| through doorman proxy | ${r.proxied.toFixed(3)} | ${r.proxiedP99.toFixed(3)} |`,
    '',
    `doorman proxy adds ${r.overhead.toFixed(3)} ms p50 (target <= ${PROXY_TARGET_MS} ms: ${verdict})`,
  ].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(formatProxyOverhead(await runProxyOverhead()))
