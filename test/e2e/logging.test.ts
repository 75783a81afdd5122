// The log lines of `doorman serve`: the JSON shape docs/logging.md promises, the pretty story, colour on a terminal only.
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { createInterface } from 'node:readline'
import t from 'tap'
import { codes, formatLogLine, type JournalEntry } from '../../src/index.js'
import { wantsColor } from '../../src/journal/record.js'
import { CLI, ROOT, fetchJson, startCli } from '../helpers.js'

// eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC; that is what this strips
const ANSI = /\x1b\[[0-9;]*m/g
const strip = (text: string) => text.replace(ANSI, '')

/** The `| field | type | meaning |` table of docs/logging.md: the contract the JSON lines keep. */
function documentedFields(): Array<{ name: string; type: string }> {
  const doc = readFileSync(path.join(ROOT, 'docs', 'logging.md'), 'utf8')
  const table = doc.slice(doc.indexOf('| field | type | meaning |'))
  return [...table.matchAll(/^\| `(\w+)` \| ([^|]+) \|/gm)].map((m) => ({ name: m[1], type: m[2].trim() }))
}

/** Does `value` fit the doc's type column ("string or null", "integer", "object or null" …)? */
function fitsType(value: unknown, type: string): boolean {
  return type.split(' or ').some((one) => {
    if (one === 'null') return value === null
    if (one === 'integer') return Number.isInteger(value)
    if (one === 'object') return typeof value === 'object' && value !== null && !Array.isArray(value)
    return typeof value === one
  })
}

t.test('--log json: one documented shape for an answer, a refusal and faults', async (t) => {
  const fields = documentedFields()
  t.same(
    fields.map((f) => f.name),
    ['time', 'requestId', 'method', 'path', 'operation', 'status', 'step', 'code', 'detail', 'durationMs', 'fault'],
    'docs/logging.md lists the fields',
  )
  const cli = await startCli(t, ['--log', 'json'])
  const { body: minted } = await fetchJson(`${cli.url}/__doorman/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scope: 'orders:write' }),
  })
  const auth = { authorization: `Bearer ${minted.token}` }

  await fetchJson(`${cli.url}/health`)
  await fetchJson(`${cli.url}/orders`, { method: 'POST', headers: { ...auth, 'content-type': 'application/jsn' }, body: '{}' })
  await fetchJson(`${cli.url}/__doorman/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ operation: 'createOrder', kind: 'status', status: 503, retryAfter: 1, times: 1 }),
  })
  await fetchJson(`${cli.url}/orders`, { method: 'POST', headers: auth, body: '{}' })
  await t.rejects(fetch(`${cli.url}/health`, { headers: { prefer: 'fault=reset' } }))

  const answered = JSON.parse(await cli.nextLine(/"status":200/))
  const refused = JSON.parse(await cli.nextLine(/"code":"CONTENT_TYPE_UNSUPPORTED"/))
  const unavailable = JSON.parse(await cli.nextLine(/"code":"FAULT_STATUS"/))
  const reset = JSON.parse(await cli.nextLine(/"kind":"reset"/))

  for (const [what, line] of Object.entries({ answered, refused, unavailable, reset })) {
    t.same(
      Object.keys(line),
      fields.map((f) => f.name),
      `${what}: the documented keys, in order`,
    )
    const misfits = fields.filter((f) => !fitsType(line[f.name], f.type)).map((f) => `${f.name}=${JSON.stringify(line[f.name])} is not ${f.type}`)
    t.same(misfits, [], `${what}: the documented types`)
    t.match(line.requestId, /^r-\d{6}$/)
    t.ok(!Number.isNaN(Date.parse(line.time)), `${what}: time is ISO 8601`)
  }
  t.match(answered, { method: 'GET', path: '/health', operation: 'getHealth', status: 200, step: 'respond', code: null, detail: null, fault: null })
  t.match(refused, {
    method: 'POST',
    path: '/orders',
    operation: 'createOrder',
    status: 415,
    step: 'content-type',
    code: codes.CONTENT_TYPE_UNSUPPORTED,
    fault: null,
  })
  t.equal(refused.detail, "POST /orders accepts application/json, but the request says 'application/jsn'. Did you mean 'application/json'?")
  t.match(unavailable, {
    status: 503,
    step: 'fault',
    code: codes.FAULT_STATUS,
    detail: /fault plan f1, attempt 1/,
    fault: { kind: 'status', source: 'admin', delayMs: 0, plans: [{ id: 'f1', kind: 'status', attempt: 1 }] },
  })
  t.match(reset, { status: 0, step: 'fault', code: null, detail: 'Prefer: fault=reset', fault: { kind: 'reset', source: 'prefer', plans: [] } })
  t.notOk(
    cli.lines.some((line) => 'event' in JSON.parse(line)),
    'request lines carry no `event` key (only the ready line does)',
  )
})

t.test('pretty: one line tells the story, plain text when piped', async (t) => {
  const cli = await startCli(t)
  const token = spawnSync(process.execPath, [CLI, 'token', '--scope', 'orders:write'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim()
  await fetchJson(`${cli.url}/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/jsn' },
    body: '{"customerId":"c-123","items":[{"sku":"ABC-1234","qty":1}]}',
  })
  await fetchJson(`${cli.url}/health`, { headers: { prefer: 'code=503' } })
  await t.rejects(fetch(`${cli.url}/health`, { headers: { prefer: 'fault=reset' } }))
  await fetchJson(`${cli.url}/health`)

  const ms = String.raw`\d+(\.\d+)?ms`
  t.match(
    await cli.nextLine(/^POST \/orders/),
    new RegExp(
      `^POST /orders 415 CONTENT_TYPE_UNSUPPORTED ${ms} → POST /orders accepts application/json, but the request says 'application/jsn'\\. Did you mean 'application/json'\\?$`,
    ),
  )
  t.match(await cli.nextLine(/ 503 /), new RegExp(`^GET /health 503 FAULT_STATUS ${ms} → doorman answered 503 on purpose`))
  t.match(await cli.nextLine(/fault:reset/), new RegExp(`^GET /health --- fault:reset ${ms} → Prefer: fault=reset$`), 'no response: --- and the fault kind')
  t.match(await cli.nextLine(/ 200 /), new RegExp(`^GET /health 200 getHealth ${ms}$`), 'an answer has no arrow')
  t.notOk(
    cli.lines.some((line) => ANSI.test(line)),
    'no escape codes in a pipe',
  )
})

/** `doorman serve` under `script`, which gives it a pseudo-terminal; returns the log lines of two requests. */
async function serveOnTerminal(env: NodeJS.ProcessEnv): Promise<string[]> {
  const command = `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} serve --port 0`
  // Only what a developer's terminal has: Node's colour-depth check also reads CI, TMUX and
  // the names of CI services, so an inherited environment would make this test depend on where it runs.
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'ignore'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm-256color', ...env },
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const lines: string[] = []
  try {
    for await (const raw of createInterface({ input: child.stdout })) {
      const line = raw.replace(/\r$/, '')
      const ready = /listening on (http:\S+)/.exec(strip(line))
      if (ready) {
        await fetch(`${ready[1]}/ordrs`).then((res) => res.arrayBuffer())
        await fetch(`${ready[1]}/health`).then((res) => res.arrayBuffer())
      } else if (/^(GET|POST) /.test(strip(line))) {
        lines.push(line)
        if (lines.length === 2) break
      }
    }
  } finally {
    child.kill('SIGTERM')
    await exited
  }
  return lines
}

const hasScript = spawnSync('script', ['--version']).status === 0

t.test(
  'on a terminal the line is coloured; NO_COLOR keeps it plain',
  { skip: hasScript ? false : 'util-linux `script` is not installed: no pseudo-terminal to test with (the formatter tests below still run)' },
  async (t) => {
    const [refused, answered] = await serveOnTerminal({})
    t.match(strip(refused), /^GET \/ordrs 404 ROUTE_NOT_FOUND [\d.]+ms → No documented path matches \/ordrs\. Did you mean \/orders\?$/)
    t.ok(refused.includes('\x1b[1m\x1b[33m404\x1b[39m\x1b[22m'), '4xx status: bold yellow')
    t.ok(refused.includes('\x1b[1m\x1b[31mROUTE_NOT_FOUND\x1b[39m\x1b[22m'), 'the code of a refusal: bold red')
    t.ok(answered.includes('\x1b[1m\x1b[32m200\x1b[39m\x1b[22m'), '2xx status: bold green')

    const plain = await serveOnTerminal({ NO_COLOR: '1' })
    t.equal(plain.length, 2)
    t.notOk(
      plain.some((line) => ANSI.test(line)),
      'NO_COLOR: no escape codes, even on a terminal',
    )
  },
)

const entry = (fields: Partial<JournalEntry>): JournalEntry => ({
  requestId: 'r-000001',
  time: '2026-05-01T12:00:00.000Z',
  method: 'POST',
  path: '/orders',
  query: '',
  operation: 'createOrder',
  headers: {},
  body: undefined,
  status: 201,
  step: 'respond',
  code: undefined,
  detail: undefined,
  durationMs: 1.5,
  connection: 1,
  fault: undefined,
  responseStartMs: 1,
  responseEndMs: 1.5,
  clientGaveUpMs: undefined,
  retryAfter: undefined,
  ...fields,
})

t.test('formatLogLine: colours by status class and verdict, the same text either way', async (t) => {
  const fault = { kind: 'reset' as const, source: 'prefer' as const, plans: [], delayMs: 0, explain: 'Prefer: fault=reset' }
  const cases: Array<[string, JournalEntry, string, string]> = [
    ['2xx', entry({}), 'POST /orders 201 createOrder 1.5ms', '\x1b[1m\x1b[32m201'],
    ['3xx', entry({ status: 304 }), 'POST /orders 304 createOrder 1.5ms', '\x1b[1m\x1b[36m304'],
    [
      'refusal',
      entry({ status: 415, step: 'content-type', code: 'CONTENT_TYPE_UNSUPPORTED', detail: 'Did you mean application/json?' }),
      'POST /orders 415 CONTENT_TYPE_UNSUPPORTED 1.5ms → Did you mean application/json?',
      '\x1b[1m\x1b[31mCONTENT_TYPE_UNSUPPORTED\x1b[39m\x1b[22m',
    ],
    [
      '5xx fault',
      entry({ status: 503, step: 'fault', code: 'FAULT_STATUS', detail: 'on purpose', fault: { ...fault, kind: 'status' } }),
      'POST /orders 503 FAULT_STATUS 1.5ms → on purpose',
      '\x1b[1m\x1b[35mFAULT_STATUS',
    ],
    [
      'socket fault',
      entry({ status: 0, step: 'fault', detail: 'Prefer: fault=reset', fault }),
      'POST /orders --- fault:reset 1.5ms → Prefer: fault=reset',
      '\x1b[1m\x1b[35m---',
    ],
  ]
  for (const [what, e, plain, painted] of cases) {
    t.equal(formatLogLine(e, 'pretty'), plain, `${what}: plain by default`)
    const colored = formatLogLine(e, 'pretty', { color: true })
    t.equal(strip(colored), plain, `${what}: colour adds escape codes, nothing else`)
    t.ok(colored.includes(painted), `${what}: ${JSON.stringify(painted)}`)
  }
  t.equal(formatLogLine(entry({}), 'json', { color: true }), formatLogLine(entry({}), 'json'), 'JSON is never coloured')
})

t.test('wantsColor: a terminal, unless NO_COLOR; FORCE_COLOR even in a pipe', async (t) => {
  const tty = { isTTY: true, hasColors: () => true }
  const pipe = { isTTY: false }
  t.equal(wantsColor(tty, {}), true)
  t.equal(wantsColor(pipe, {}), false)
  t.equal(wantsColor({ isTTY: true, hasColors: () => false }, {}), false, 'a terminal without colours (TERM=dumb)')
  t.equal(wantsColor(tty, { NO_COLOR: '1' }), false)
  t.equal(wantsColor(tty, { NO_COLOR: '1', FORCE_COLOR: '1' }), false, 'NO_COLOR wins')
  t.equal(wantsColor(pipe, { FORCE_COLOR: '1' }), true)
  t.equal(wantsColor(tty, { FORCE_COLOR: '0' }), false)
})
