/**
 * The examples run inside `npm test`, so they cannot rot. examples/tap runs
 * as part of tap's own `include`; this file runs the two that need another
 * runner: node:test (which must also exit by itself: no handle left open)
 * and pytest (or, without pytest, the same tests through a stdlib driver).
 */
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { CLI, ROOT, hasPythonRequests, run } from './helpers.js'

const EXIT_WITHIN_MS = 60_000

/** Runs a command to completion; `exitedByItself` is false when it had to be killed after `EXIT_WITHIN_MS`. */
async function runToExit(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  let exitedByItself = true
  const timer = setTimeout(() => {
    exitedByItself = false
    child.kill('SIGKILL')
  }, EXIT_WITHIN_MS)
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  clearTimeout(timer)
  return { code, output, exitedByItself }
}

t.test('examples/node-test: green under node --test, and the run exits by itself', async (t) => {
  const file = path.join('examples', 'node-test', 'orders.test.mjs')
  const { code, output, exitedByItself } = await runToExit(process.execPath, ['--test', '--test-reporter=tap', file])
  t.ok(exitedByItself, `node --test exited within ${EXIT_WITHIN_MS / 1000} s (an open handle would keep it alive)`)
  t.equal(code, 0, `node --test passed:\n${output}`)
  const tests = readFileSync(path.join(ROOT, file), 'utf8').match(/^\s+it\(/gm)!.length
  t.match(output, new RegExp(`^# pass ${tests}$`, 'm'), `all ${tests} tests ran and passed`)
  t.match(output, /^# fail 0$/m)
})

const skipPython = (await hasPythonRequests()) ? false : 'python3 with the requests package is not installed: the pytest example cannot run here'

t.test('examples/pytest: green under pytest, or the stdlib driver without it', { skip: skipPython }, async (t) => {
  const folder = path.join(ROOT, 'examples', 'pytest')
  const tests = readdirSync(folder)
    .filter((file) => /^test_.*\.py$/.test(file))
    .reduce((sum, file) => sum + readFileSync(path.join(folder, file), 'utf8').match(/^def test_/gm)!.length, 0)
  // The fixture runs this build with this node; no bytecode or cache files left in the tree.
  const env = { DOORMAN_CMD: `'${process.execPath}' '${CLI}'`, PYTHONDONTWRITEBYTECODE: '1' }
  const pytest = await run('python3', ['-m', 'pytest', '--version'])
  let args: string[]
  if (pytest.code === 0) {
    t.comment(`running examples/pytest with ${(pytest.stdout || pytest.stderr).trim()}`)
    args = ['-m', 'pytest', '-p', 'no:cacheprovider', '-q', 'examples/pytest']
  } else {
    t.comment('pytest is not installed: running examples/pytest through examples/pytest/run_without_pytest.py')
    args = ['examples/pytest/run_without_pytest.py']
  }
  const { code, output, exitedByItself } = await runToExit('python3', args, env)
  t.ok(exitedByItself, 'the run finished, and the doorman it started stopped')
  t.equal(code, 0, `the pytest example passed:\n${output}`)
  t.match(output, new RegExp(`\\b${tests} passed\\b`), `all ${tests} tests ran and passed`)
  t.notMatch(output, /\b(failed|error)\b/i)
})
