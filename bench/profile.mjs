// CPU profile of doorman under one scenario's load: `node --cpu-prof` on the
// server process, autocannon (or the closing client) for PROFILE_SECONDS,
// then a summary of where the server's time went, by package and by function.
// The .cpuprofile stays in PROFILE_DIR for Chrome DevTools / speedscope.
//
//   npm run build && node bench/profile.mjs 'valid POST /orders'
//   PROFILE_TARGET=bare node bench/profile.mjs 401   (the bare catch-all route under the same load)
//   node bench/profile.mjs --summarize some.cpuprofile
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import autocannon from 'autocannon'
import { loadWithClose } from './close-load.mjs'
import { scenarios, TOKEN_CLAIMS } from './scenarios.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
// The unbundled build: the profile names doorman's modules by their files.
const CLI = process.env.DOORMAN_CLI ?? 'dist/cli.js'
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 8)
const DIR = process.env.PROFILE_DIR ?? path.join(os.tmpdir(), 'doorman-profiles')

/** Self time by package and by function, and inclusive time of the hottest frames, in ms. */
export function summarize(file, top = 30) {
  const profile = JSON.parse(readFileSync(file, 'utf8'))
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const timeOf = new Map()
  profile.samples.forEach((id, i) => timeOf.set(id, (timeOf.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
  const where = (url) => {
    if (!url) return '(native)'
    const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)
    if (m) return m[1]
    if (url.includes('/dist/')) return `doorman ${url.split('/dist/')[1]}`
    return url.startsWith('node:') ? url : path.basename(url)
  }
  const frame = (n) => `${n.callFrame.functionName || '(anonymous)'} ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`
  const bump = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us)
  const packages = new Map()
  const functions = new Map()
  const inclusive = new Map()
  let total = 0
  for (const [id, us] of timeOf) {
    total += us
    const node = byId.get(id)
    bump(packages, where(node.callFrame.url), us)
    bump(functions, frame(node), us)
    const seen = new Set()
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const key = frame(byId.get(cur))
      if (!seen.has(key)) bump(inclusive, key, us)
      seen.add(key)
    }
  }
  const idle = [...functions].filter(([key]) => key.startsWith('(idle)')).reduce((sum, [, us]) => sum + us, 0)
  const lines = [`${path.basename(file)}: ${(total / 1000).toFixed(0)} ms sampled, ${((total - idle) / 1000).toFixed(0)} ms busy`]
  const show = (title, map, n) => {
    lines.push('', title)
    for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) {
      lines.push(`${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / (total - idle)).toFixed(1).padStart(5)}%  ${key}`)
    }
  }
  show('self time by package', packages, 15)
  show('self time by function', functions, top)
  show('inclusive time', inclusive, top)
  return lines.join('\n')
}

async function profileScenario(pattern) {
  const scenario = scenarios.find((s) => new RegExp(pattern, 'i').test(s.name))
  if (!scenario) throw new Error(`no scenario matches ${pattern}: ${scenarios.map((s) => s.name).join(', ')}`)
  rmSync(DIR, { recursive: true, force: true })
  mkdirSync(DIR, { recursive: true })
  // PROFILE_TARGET=bare profiles the ceiling instead, for comparison.
  const bare = process.env.PROFILE_TARGET === 'bare'
  const server = bare
    ? ['bench/bare-server.mjs']
    : [CLI, 'serve', scenario.spec, '--port', '0', '--log', 'silent', ...(scenario.config ? ['--config', scenario.config] : [])]
  const args = ['--cpu-prof', `--cpu-prof-dir=${DIR}`, ...server]
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
  const [line] = await once(createInterface({ input: child.stdout }), 'line')
  const url = line.match(/(http:\/\/\S+)/)[1] + scenario.path
  const headers = { ...scenario.headers }
  if (scenario.auth) {
    const { signToken } = await import(pathToFileURL(path.resolve(root, path.dirname(CLI), 'index.js')).href)
    headers.authorization = `Bearer ${await signToken(scenario.claims ?? TOKEN_CLAIMS, { config: path.join(root, scenario.config), expiresIn: '1h' })}`
  }
  const options = { url, method: scenario.method, headers, body: scenario.body, connections: 10, duration: SECONDS }
  const result =
    scenario.expectStatus === 413
      ? await loadWithClose(options)
      : await new Promise((resolve, reject) => autocannon(options, (e, r) => (e ? reject(e) : resolve(r))))
  child.kill('SIGTERM')
  await once(child, 'exit')
  const file = path.join(
    DIR,
    readdirSync(DIR).find((f) => f.endsWith('.cpuprofile')),
  )
  console.log(
    `${scenario.name}: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms, answers ${JSON.stringify(result.statusCodeStats)}\n`,
  )
  console.log(summarize(file, Number(process.env.PROFILE_TOP ?? 30)))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--summarize') console.log(summarize(process.argv[3], Number(process.env.PROFILE_TOP ?? 30)))
  else await profileScenario(process.argv[2] ?? 'valid POST /orders')
}
