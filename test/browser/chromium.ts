// Debian's Chromium, driven by playwright-core: no browser is ever downloaded (the machines reach only the npm
// and Debian registries). `.ci/run` installs it and sets DOORMAN_BROWSER_TESTS=required, which turns a browser
// that cannot start from a loud skip into a failure.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser } from 'playwright-core'

interface TestLike {
  teardown(fn: () => unknown): void
  /** tap's skipped subtest: the summary line counts it as skipped. */
  skip(name: string, cb: () => void): unknown
  fail(message: string): unknown
}

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium']

function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH
  if (fromEnv) return fromEnv
  const known = CANDIDATES.find((file) => existsSync(file))
  if (known) return known
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim() || undefined
  } catch {
    return undefined
  }
}

/**
 * A browser for this test file, closed when it ends; undefined (and the
 * test skipped, loudly) when Chromium is missing or cannot start, unless
 * DOORMAN_BROWSER_TESTS=required, where that fails the test instead.
 */
export async function launchChromium(t: TestLike): Promise<Browser | undefined> {
  const executablePath = findChromium()
  let browser: Browser | undefined
  let why = 'no chromium on PATH (apt-get install -y chromium, or set CHROMIUM_PATH)'
  if (executablePath) {
    try {
      // No sandbox: CI runs as root, where Chromium refuses its own; the pages are the test's own, on loopback.
      browser = await chromium.launch({ executablePath, chromiumSandbox: false, timeout: 30_000 })
    } catch (error) {
      why = `${executablePath} did not start: ${(error as Error).message.split('\n')[0]}`
    }
  }
  if (browser) {
    const launched = browser
    t.teardown(() => launched.close())
    return launched
  }
  if (process.env.DOORMAN_BROWSER_TESTS === 'required') {
    t.fail(`the browser tests must run here (DOORMAN_BROWSER_TESTS=required), but ${why}`)
    return undefined
  }
  process.stderr.write(`\n!!!!! BROWSER TESTS SKIPPED: ${why} !!!!!\n\n`)
  t.skip(`browser tests skipped: ${why}`, () => {})
  return undefined
}

/** A second local origin: serves `html` at `/` on its own port, for pages that call the mock cross-origin. */
export async function pageServer(t: TestLike, html: string): Promise<string> {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    response.end(html)
  })
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  // localhost, not 127.0.0.1: another site as well as another origin than the mock (which the tests reach on 127.0.0.1).
  return `http://localhost:${(server.address() as AddressInfo).port}`
}
