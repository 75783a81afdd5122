/**
 * The admin API answers only this machine (or whoever holds admin.token),
 * `--host 0.0.0.0` says so, no refusal shows a configured secret, and the
 * journal stays within its cap.
 */
import { spawn } from 'node:child_process'
import { networkInterfaces } from 'node:os'
import { createInterface } from 'node:readline'
import t from 'tap'
import { codes, type DoormanServer } from '../../src/index.js'
import { CLI, fetchJson, startMock } from '../helpers.js'

t.setTimeout(60_000)

/** An address of this machine that is not loopback: requests to it arrive from a non-loopback client. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address
}

const ADMIN_CALLS: Array<[string, string, unknown?]> = [
  ['GET', '/__doorman/health'],
  ['GET', '/__doorman/journal'],
  ['GET', '/__doorman/journal.har'],
  ['DELETE', '/__doorman/journal'],
  ['GET', '/__doorman/faults'],
  ['POST', '/__doorman/faults', { kind: 'status', status: 503 }],
  ['GET', '/__doorman/report'],
  ['POST', '/__doorman/tokens', { sub: 'mallory', scope: 'orders:write' }],
  ['POST', '/__doorman/reset'],
]

/**
 * Calls the admin API as a client on another machine would: over the
 * machine's external address when it has one, else through inject() with a
 * non-loopback remote address.
 */
async function asRemote(mock: DoormanServer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const address = externalAddress()
  const allHeaders = body === undefined ? headers : { 'content-type': 'application/json', ...headers }
  const payload = body === undefined ? undefined : JSON.stringify(body)
  if (address) {
    const res = await fetch(`http://${address}:${mock.port}${path}`, { method, headers: allHeaders, body: payload })
    const text = await res.text()
    return { status: res.status, type: res.headers.get('content-type') ?? '', text, header: (name: string) => res.headers.get(name) }
  }
  const res = await mock.inject({ method: method as 'GET', url: path, headers: allHeaders, payload, remoteAddress: '192.0.2.77' })
  return {
    status: res.statusCode,
    type: String(res.headers['content-type'] ?? ''),
    text: res.body,
    header: (name: string) => (res.headers[name] as string | undefined) ?? null,
  }
}

t.test('on a non-loopback host, the admin API refuses other machines with a 403 problem', async (t) => {
  const mock = await startMock(t, { host: '0.0.0.0' })
  t.comment(externalAddress() ? `calling from ${externalAddress()}` : 'no external interface: calling through inject() with a non-loopback remote address')
  t.match(mock.warnings, [
    /^listening on 0\.0\.0\.0: other machines can reach the mock; the admin API \(\/__doorman\/\*\) still answers only this machine \(set admin\.token/,
  ])
  for (const [method, path, body] of ADMIN_CALLS) {
    const res = await asRemote(mock, method, path, body)
    t.equal(res.status, 403, `${method} ${path} from another machine: 403`)
    t.match(res.type, /^application\/problem\+json/)
    const problem = JSON.parse(res.text)
    t.equal(problem.code, codes.ADMIN_FORBIDDEN)
    t.match(problem.detail, /answers only clients on the mock's own machine .* set admin\.token/)
  }
  t.same(mock.faults.list(), [], 'the refused POST /__doorman/faults added no plan')
  // The mocked API itself is for everyone, and every problem's `type` link still resolves.
  t.equal((await asRemote(mock, 'GET', '/health')).status, 200, 'the API answers other machines')
  t.equal((await asRemote(mock, 'GET', '/__doorman/problems/ADMIN_FORBIDDEN')).status, 200, 'the problem pages stay open')
  t.equal((await asRemote(mock, 'GET', '/__doorman/problems')).status, 200)
  // This machine still may.
  for (const [method, path, body] of ADMIN_CALLS) {
    const res = await fetch(`http://127.0.0.1:${mock.port}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    })
    await res.arrayBuffer()
    t.ok(res.status < 300, `${method} ${path} from loopback: ${res.status}`)
  }
})

t.test('admin.token: required from every client, loopback too, and never repeated', async (t) => {
  const TOKEN = 'adm-tok-9f3e1c27b5'
  const mock = await startMock(t, { host: '0.0.0.0', config: { admin: { token: TOKEN } } })
  t.match(mock.warnings, [/the admin API \(\/__doorman\/\*\) answers only requests that carry admin\.token/])
  const local = (path: string, headers: Record<string, string> = {}) => fetchJson(`http://127.0.0.1:${mock.port}${path}`, { headers })

  const missing = await local('/__doorman/journal')
  t.equal(missing.status, 401, 'loopback without the token: 401')
  t.equal(missing.body.code, codes.ADMIN_TOKEN_INVALID)
  t.equal(missing.headers.get('www-authenticate'), 'Bearer realm="doorman admin"')
  const wrong = await local('/__doorman/journal', { authorization: 'Bearer adm-tok-9f3e1c27b6' })
  t.equal(wrong.status, 401, 'a wrong token: 401')
  t.equal(wrong.headers.get('www-authenticate'), 'Bearer realm="doorman admin", error="invalid_token"')
  for (const res of [missing, wrong]) {
    t.notMatch(res.text, TOKEN, 'the configured token is not in the refusal')
    t.notMatch(res.text, 'adm-tok-9f3e1c27b6', 'nor the one sent')
  }
  t.equal((await local('/__doorman/journal', { authorization: `Bearer ${TOKEN}` })).status, 200, 'Authorization: Bearer <token>: 200')
  t.equal((await local('/__doorman/journal', { 'x-doorman-admin-token': TOKEN })).status, 200, 'X-Doorman-Admin-Token: 200')
  t.equal((await local('/__doorman/problems/BODY_INVALID')).status, 200, 'problem pages need no token')
  t.equal((await asRemote(mock, 'GET', '/__doorman/health')).status, 401, 'another machine without the token: 401')
  t.equal(
    (await asRemote(mock, 'GET', '/__doorman/health', undefined, { authorization: `Bearer ${TOKEN}` })).status,
    200,
    'another machine with the token: 200',
  )
  // The admin bearer token is not the API's: the API still wants its own credentials.
  const api = await fetchJson(`http://127.0.0.1:${mock.port}/orders`, { headers: { authorization: `Bearer ${TOKEN}` } })
  t.equal(api.status, 401, 'the admin token opens no API operation')
})

t.test('doorman serve --host 0.0.0.0 warns on stderr', async (t) => {
  const child = spawn(process.execPath, [CLI, 'serve', '--host', '0.0.0.0', '--port', '0', '--log', 'silent'], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => void child.kill('SIGKILL'))
  const stderr = createInterface({ input: child.stderr })
  const warning = await new Promise<string>((resolve, reject) => {
    stderr.on('line', (line) => /warning/.test(line) && resolve(line))
    child.once('exit', (code) => reject(new Error(`exited with ${code} before warning`)))
  })
  t.match(
    warning,
    /^doorman: warning: listening on 0\.0\.0\.0: other machines can reach the mock; the admin API \(\/__doorman\/\*\) still answers only this machine/,
  )
  const ready = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve))
  t.match(ready, /^doorman listening on http:\/\/0\.0\.0\.0:\d+$/, 'and it still serves')
  child.kill('SIGTERM')
})

t.test('doorman serve on loopback prints no warning', async (t) => {
  const mock = await startMock(t)
  t.same(mock.warnings, [])
})

t.test('no refusal shows a configured secret, even to a near miss', async (t) => {
  const JWT_SECRET = 'jwt-secret-Xk29fQ7'
  const API_KEY = 'api-key-Zp41mW8'
  const PASSWORD = 'basic-pw-Lr63vN5'
  const ADMIN_TOKEN = 'admin-token-Qc57hT2'
  const SECRETS = [JWT_SECRET, API_KEY, PASSWORD, ADMIN_TOKEN]
  const mock = await startMock(t, {
    config: {
      auth: { bearer: { jwt: { secret: JWT_SECRET } }, apiKeys: { apiKeyAuth: [API_KEY] }, basic: { alice: PASSWORD } },
      admin: { token: ADMIN_TOKEN },
    },
  })
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
  // One character off each secret: a "did you mean" over the configured values would give them away.
  const attempts: Array<[string, RequestInit]> = [
    ['/orders/o-1', { method: 'DELETE', headers: { 'x-api-key': 'api-key-Zp41mW9' } }],
    ['/orders/o-1', { method: 'DELETE', headers: { 'x-api-key': '' } }],
    [
      '/orders/o-1001/attachments',
      { method: 'POST', headers: { authorization: basic('alice', 'basic-pw-Lr63vN6'), 'content-type': 'application/x-www-form-urlencoded' }, body: 'url=x' },
    ],
    [
      '/orders/o-1001/attachments',
      { method: 'POST', headers: { authorization: basic('alicia', PASSWORD), 'content-type': 'application/x-www-form-urlencoded' }, body: 'url=x' },
    ],
    ['/orders', { headers: { authorization: `Bearer ${mock.tokens.sign({ sub: 'x' }).slice(0, -2)}xx` } }],
    ['/orders', { headers: { authorization: 'Bearer jwt-secret-Xk29fQ8' } }],
    ['/__doorman/journal', { headers: { authorization: 'Bearer admin-token-Qc57hT3' } }],
    ['/__doorman/tokens', { method: 'POST', headers: { 'x-doorman-admin-token': ADMIN_TOKEN }, body: '{"expiresIn":"never"}' }],
  ]
  for (const [path, init] of attempts) {
    const res = await fetch(`${mock.url}${path}`, init)
    const text = await res.text()
    t.ok(res.status >= 400 && res.status < 500, `${init.method ?? 'GET'} ${path}: refused (${res.status} ${JSON.parse(text).code})`)
    const headers = [...res.headers.values()].join('\n')
    for (const secret of SECRETS) t.notOk(text.includes(secret) || headers.includes(secret), `…without showing ${secret}`)
  }
  // The journal keeps what clients sent, credentials redacted.
  await fetch(`${mock.url}/orders/o-1`, { method: 'DELETE', headers: { 'x-api-key': API_KEY } })
  const journal = await fetch(`${mock.url}/__doorman/journal`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }).then((res) => res.text())
  for (const secret of SECRETS) t.notOk(journal.includes(secret), `the journal does not show ${secret}`)
})

t.test('the journal never grows past its cap', async (t) => {
  const mock = await startMock(t, { config: { journal: { size: 10 } } })
  const paths = ['/health', '/orders', '/nope', '/orders/o-1', '/feedback']
  let sent = 0
  const worker = async () => {
    while (sent < 500) {
      const i = sent++
      await fetch(`${mock.url}${paths[i % paths.length]}`).then((res) => res.arrayBuffer())
    }
  }
  await Promise.all(Array.from({ length: 10 }, worker))
  const entries = await mock.journal.waitFor({ count: 10 })
  t.equal(mock.journal.size, 10, '500 requests, 10 entries')
  t.equal(entries.length, 10)
  t.equal(mock.journal.capacity, 10)
  const ids = entries.map((e) => Number(e.requestId.slice(2)))
  t.ok(Math.min(...ids) > 480, `the newest ones are kept (request ids ${Math.min(...ids)}…${Math.max(...ids)})`)
  const health = await fetchJson(`${mock.url}/__doorman/health`)
  t.same(health.body.journal, { size: 10, capacity: 10, waiting: 0 })
  t.equal((await fetchJson(`${mock.url}/__doorman/journal`)).body.entries.length, 10, 'GET /__doorman/journal: 10 too')
})

t.test('admin bodies nested past the stack are refused, and poison nothing', async (t) => {
  const mock = await startMock(t)
  const deep = '['.repeat(20_000) + ']'.repeat(20_000)
  const plan = await fetchJson(`${mock.url}/__doorman/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: `{"kind":"status","status":503,"body":${deep}}`,
  })
  t.equal(plan.status, 400, 'a status fault whose body is 20,000 levels deep: 400')
  t.equal(plan.body.code, codes.FAULT_PLAN_INVALID)
  t.equal(plan.body.pointer, '/body')
  t.same(mock.faults.list(), [], 'and no plan was added')
  t.equal((await fetch(`${mock.url}/health`)).status, 200, 'so the mock answers as before')
  const token = await fetchJson(`${mock.url}/__doorman/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"sub":${deep}}` })
  t.equal(token.status, 400, 'claims 20,000 levels deep: 400')
  t.equal(token.body.code, codes.TOKEN_MINT_REFUSED)
  t.throws(
    () => mock.faults.add({ kind: 'status', status: 503, body: JSON.parse(deep) }),
    { name: 'FaultPlanError', message: /\/body: nests deeper than 1000 levels/ },
    'the library refuses it too',
  )
})
