// Where a start goes, phase by phase, in one cold process: the imports (each
// package on its own, in load order), reading the spec, compiling the rules,
// building fastify and listening. Complements bench/startup.mjs (which times
// the whole process from spawn to the first 2xx).
//
//   npm run build && node bench/startup-phases.mjs [SPEC=openapi.yaml] [CONFIG]
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const dist = path.resolve(root, path.dirname(process.env.DOORMAN_CLI ?? 'dist/cli.js'))
const spec = process.argv[2] ?? 'openapi.yaml'
const config = process.argv[3]
const from = (file) => pathToFileURL(path.join(dist, file)).href

const laps = []
let last = performance.now()
// Memory after each phase too: the heap in use, and the process's peak RSS so far (VmHWM, Linux).
const peakRss = () => {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024
  } catch {
    return NaN
  }
}
const lap = (label) => {
  const now = performance.now()
  laps.push([label, now - last, process.memoryUsage().heapUsed / 2 ** 20, peakRss()])
  last = now
}

// The packages the server needs at start, in the order index.js loads them.
for (const name of ['fastify', 'ajv', 'ajv/dist/2020.js', 'ajv-formats', 'js-yaml']) {
  await import(name)
  lap(`import ${name}`)
}
const { startServer } = await import(from('index.js'))
lap('import doorman (the rest)')
const { loadSpec } = await import(from('spec/load-spec.js'))
const { compileRouteTable } = await import(from('spec/route-table.js'))
const { compileRules } = await import(from('spec/compile-rules.js'))
const { compileAuth } = await import(from('auth/runtime.js'))
const { loadConfigFile, resolveConfig } = await import(from('config.js'))
lap('(modules already loaded)')
const resolved = config ? await loadConfigFile(config) : resolveConfig(undefined)
lap('config')
const loaded = await loadSpec(spec)
lap('load spec (parse, $refs)')
const table = compileRouteTable(loaded)
lap('route table')
const rules = compileRules(loaded, table, resolved)
lap('rules (schema notes; validators compile on first use)')
rules.validators.compileAll()
lap('compile every validator (ajv: idle time after listening, in a real start)')
compileAuth(loaded, table, resolved)
lap('auth')
const server = await startServer({ spec, config })
lap('startServer, warm (all of the above again + fastify + listen)')
await server.close()

const total = laps.reduce((sum, [, ms]) => sum + ms, 0)
console.log('      ms   heap MiB   peak RSS MiB')
for (const [label, ms, heap, peak] of laps)
  console.log(`${ms.toFixed(1).padStart(8)} ${heap.toFixed(0).padStart(10)} ${peak.toFixed(0).padStart(14)}   ${label}`)
console.log(`${total.toFixed(1).padStart(8)} ms  in all, after ${performance.timeOrigin ? (performance.now() - total).toFixed(0) : '?'} ms of Node start-up`)
