// `doorman curl` keeps its word: every command it prints, run with sh against
// a mock started with the same spec and config, gets the status (and problem
// code, and curl exit status) its comment announces.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { COMMENT_PATTERN } from '../../src/curl/render-curl.js'
import { DEFAULT_SPEC, fixture, pool, run, runCli, startCli } from '../helpers.js'

// Every printed command runs as a real curl process (about a thousand): on a loaded 2-core machine that takes
// ~100 s, near tap's 120 s for a file.
t.setTimeout(300_000)
// The three documents are independent (each its own mock on port 0) and mostly wait on curl and the mock: side by side.
t.jobs = 3

interface Announced {
  operation: string
  title: string
  status: number
  code: string | undefined
  exit: number
  command: string
}

/** Blocks separated by blank lines; a block whose first line is an announcement is a command. */
function parseCurlOutput(output: string): Announced[] {
  const out: Announced[] = []
  let operation = ''
  for (const block of output.split(/\n{2,}/)) {
    const [first = '', ...rest] = block.split('\n')
    if (first.startsWith('## ')) operation = first.slice(3).split(' ')[0]!
    const match = COMMENT_PATTERN.exec(first)
    if (!match) continue
    const exit = /curl exits (\d+)/.exec(match[3])
    out.push({ operation, title: match[3], status: Number(match[1]), code: match[2], exit: exit ? Number(exit[1]) : 0, command: rest.join('\n').trimEnd() })
  }
  return out
}

/** The last response's body in curl -i output (after any 100 Continue). */
function bodyOf(raw: string): string {
  const blocks = raw.split('\r\n\r\n')
  let i = 0
  while (/^HTTP\/[\d.]+ 1\d\d/.test(blocks[i] ?? '') && i < blocks.length - 1) i++
  return blocks.slice(i + 1).join('\r\n\r\n')
}

async function checkEveryCommand(t: Test, spec: string, options: { config?: string; faults: boolean }) {
  const config = options.config
  const configArgs = config ? ['--config', config] : []
  const cli = await startCli(t, [spec, '--log', 'silent', ...configArgs])
  const printed = await runCli(['curl', spec, '--url', cli.url, ...configArgs])
  t.equal(printed.code, 0, printed.stderr)
  // The Prefer faults are the same for every operation: one spec runs them all, the others skip them.
  const commands = parseCurlOutput(printed.stdout).filter((c) => options.faults || !c.title.startsWith('Prefer:'))
  const dir = await mkdtemp(path.join(tmpdir(), 'doorman-curl-'))
  t.teardown(() => rm(dir, { recursive: true, force: true, maxRetries: 3 }))

  const results = await pool(commands, 8, async (announced, i) => {
    const file = path.join(dir, `${i}.out`)
    // The test's own options go after the command: what a person sees is run unchanged.
    const { code, stdout, stderr } = await run('sh', ['-c', `${announced.command} -s -S -o '${file}' -w '%{http_code}'`])
    const raw = await readFile(file, 'latin1').catch(() => '')
    return { status: Number(stdout.trim() || '0'), exit: code, stderr, body: bodyOf(raw) }
  })

  commands.forEach((announced, i) => {
    const got = results[i]
    const name = `${announced.operation}: ${announced.title}`
    t.equal(got.status, announced.status, `${name}: status (got ${got.status})`, {
      stderr: got.stderr,
      body: got.body.slice(0, 300),
      command: announced.command.slice(0, 300),
    })
    t.equal(got.exit, announced.exit, `${name}: curl exit`, { stderr: got.stderr })
    if (announced.code !== undefined) {
      let code: unknown
      try {
        code = JSON.parse(got.body).code
      } catch {
        code = got.body.slice(0, 200)
      }
      t.equal(code, announced.code, `${name}: code`)
    }
  })
  return commands
}

t.test('openapi.yaml: every operation, every command announces its answer', async (t) => {
  const commands = await checkEveryCommand(t, DEFAULT_SPEC, { faults: true })
  const operations = [...new Set(commands.map((c) => c.operation))].sort()
  const all = [
    'createFeedback',
    'createOrder',
    'deleteOrder',
    'getHealth',
    'getOrder',
    'listMyOrders',
    'listOrders',
    'replaceOrder',
    'updateOrder',
    'uploadAttachment',
  ]
  t.same(operations, all, 'every operation of openapi.yaml has commands')
  const codes = new Set(commands.map((c) => c.code))
  for (const code of [
    'AUTH_MISSING',
    'TOKEN_EXPIRED',
    'SCOPE_INSUFFICIENT',
    'CONTENT_TYPE_UNSUPPORTED',
    'BODY_TOO_LARGE',
    'BODY_MALFORMED',
    'BODY_INVALID',
    'PARAMETER_INVALID',
    'FAULT_STATUS',
  ]) {
    t.ok(codes.has(code), `some command earns ${code}`)
  }
})

t.test('rules.yaml: parameters in every style, form and text bodies, wildcard media types', async (t) => {
  const commands = await checkEveryCommand(t, fixture('specs', 'rules.yaml'), { faults: false })
  t.ok(commands.some((c) => c.operation === 'search' && c.code === 'PARAMETER_INVALID'))
})

t.test('secured.yaml with keys, users and a JWT secret configured: alternatives, AND, query and cookie keys', async (t) => {
  const commands = await checkEveryCommand(t, fixture('specs', 'secured.yaml'), { config: fixture('configs', 'auth-secured.yaml'), faults: false })
  const codes = new Set(commands.map((c) => c.code))
  for (const code of ['API_KEY_INVALID', 'BASIC_CREDENTIALS_INVALID', 'BASIC_CREDENTIALS_MALFORMED', 'SCOPE_INSUFFICIENT'])
    t.ok(codes.has(code), `some command earns ${code}`)
})

t.test('doorman curl: an unknown operation is a one-line error naming the closest one', async (t) => {
  const result = await runCli(['curl', 'createOrdr'])
  t.equal(result.code, 2)
  t.match(result.stderr, /^doorman: no operation 'createOrdr' in the spec \(did you mean 'createOrder'\?\)/)
  t.equal(result.stdout, '')
})
