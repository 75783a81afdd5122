import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { startServer, type DoormanServer, type ServerOptions } from '../src/index.js'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
/** The `doorman` command as users run it: the bundle `npm run build` writes (scripts/bundle-cli.mjs). */
export const CLI = path.join(ROOT, 'dist', 'doorman.js')
export const fixture = (...parts: string[]) => path.join(ROOT, 'fixtures', ...parts)
export const DEFAULT_SPEC = path.join(ROOT, 'openapi.yaml')

interface Teardown {
  teardown(fn: () => unknown): void
}

/** Starts doorman in-process on a free port; closed when the test ends. */
export async function startMock(t: Teardown, options: Partial<ServerOptions> = {}): Promise<DoormanServer> {
  const mock = await startServer({ spec: DEFAULT_SPEC, port: 0, ...options })
  t.teardown(() => mock.close())
  return mock
}

export interface CliServer {
  url: string
  child: ChildProcess
  /** Every stdout line after the ready line. */
  lines: string[]
  /** Resolves with the next stdout line that matches. */
  nextLine(match: RegExp): Promise<string>
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Starts `doorman serve` (or `command`: proxy) as a child process on port 0 and waits for its ready line. */
export async function startCli(
  t: Teardown,
  args: string[] = [],
  cwd = ROOT,
  command: 'serve' | 'proxy' = 'serve',
): Promise<CliServer & { stderr: () => string }> {
  const child = spawn(process.execPath, [CLI, command, '--port', '0', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  // A test process that tap ends on a timeout runs no teardown: the server must not outlive it.
  const orphan = () => child.kill('SIGKILL')
  process.once('exit', orphan)
  child.once('exit', () => process.removeListener('exit', orphan))
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const lines: string[] = []
  const waiters: Array<{ match: RegExp; resolve: (line: string) => void }> = []
  const rl = createInterface({ input: child.stdout })
  const ready = new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`doorman exited with ${code} before it was ready: ${stderr}`)))
    rl.on('line', (line) => {
      if (/listening/.test(line) && !lines.length && !url) {
        resolve(line)
        return
      }
      lines.push(line)
      const i = waiters.findIndex((w) => w.match.test(line))
      if (i !== -1) waiters.splice(i, 1)[0].resolve(line)
    })
  })
  let url = ''
  const readyLine = await ready
  url = readyLine.startsWith('{') ? JSON.parse(readyLine).url : readyLine.replace(/^doorman listening on /, '').replace(/ \(proxy to .*\)$/, '')
  // 'close', not 'exit': stderr is read to its end by then.
  const exited = once(child, 'close').then(([code]) => code as number | null)
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    return exited
  }
  t.teardown(() => stop('SIGKILL'))
  return {
    url,
    child,
    lines,
    nextLine: (match) => {
      const seen = lines.find((line) => match.test(line))
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve) => waiters.push({ match, resolve }))
    },
    stop,
    stderr: () => stderr,
  }
}

/** Runs the CLI to completion. */
export async function runCli(args: string[], cwd = ROOT): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  // 'close', not 'exit': exit can come before stdout is fully read.
  const [code] = await once(child, 'close')
  return { code: code as number | null, stdout, stderr }
}

/** Runs `task` over `items`, at most `limit` at a time (each CLI run is a fresh, slow Node process). */
export async function pool<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await task(items[i], i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

/** Runs CLI commands two at a time. */
export function runCliAll(argsList: string[][]): Promise<Array<Awaited<ReturnType<typeof runCli>>>> {
  return pool(argsList, 2, (args) => runCli(args))
}

/** Runs a command (curl, python3) and collects its output. */
export async function run(command: string, args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  // A command that never reads its stdin (curl without `@-`) may exit before the write lands: EPIPE is its business, not a test failure.
  child.stdin.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
  })
  child.stdin.end(input ?? '')
  // 'close', not 'exit': exit can come before stdout is fully read.
  const [code] = await once(child, 'close')
  return { code: code as number | null, stdout, stderr }
}

export async function hasPythonRequests(): Promise<boolean> {
  try {
    const { code } = await run('python3', ['-c', 'import requests'])
    return code === 0
  } catch {
    return false
  }
}

/** Fetches and parses a problem+json (or JSON) answer. */
export async function fetchJson(url: string, init?: RequestInit) {
  const res = await fetch(url, init)
  const text = await res.text()
  return { res, status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined, text }
}
