// The README round trip with the real CLI and curl: `doorman token` mints,
// `doorman serve` (as `npm start` runs it, no config) lets the token in.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import t from 'tap'
import { createDecoder } from 'fast-jwt'
import { CLI, fixture, ROOT, run, runCli, runCliAll, startCli } from '../helpers.js'

// The subtests are independent (each its own processes on port 0) and mostly wait on a child: three at a time.
t.jobs = 3

const decode = createDecoder()
const ORDER = JSON.stringify({ customerId: 'c-123', items: [{ sku: 'ABC-1234', qty: 1 }] })

/** curl -i, split into status, lower-cased headers and the parsed body. */
async function curl(args: string[]) {
  const { stdout, code } = await run('curl', ['-s', '-i', ...args])
  if (code !== 0) throw new Error(`curl exited with ${code}`)
  const [head, ...rest] = stdout.split('\r\n\r\n')
  const [statusLine, ...lines] = head.split('\r\n')
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
  const text = rest.join('\r\n\r\n')
  return { status: Number(statusLine.split(' ')[1]), headers, body: text ? JSON.parse(text) : undefined }
}

async function token(...args: string[]): Promise<string> {
  const { code, stdout, stderr } = await runCli(['token', ...args])
  if (code !== 0) throw new Error(`doorman token failed: ${stderr}`)
  return stdout.trim()
}

t.test('no config: the README round trip with curl', async (t) => {
  const server = await startCli(t, ['--log', 'silent'])
  const orders = `${server.url}/orders`
  const post = (jwt?: string) => [
    '-X',
    'POST',
    orders,
    '-H',
    'Content-Type: application/json',
    ...(jwt ? ['-H', `Authorization: Bearer ${jwt}`] : []),
    '--data',
    ORDER,
  ]

  const none = await curl(post())
  t.equal(none.status, 401, 'no token → 401')
  t.equal(none.headers['www-authenticate'], 'Bearer realm="Orders API"')
  t.equal(none.body.code, 'AUTH_MISSING')

  const minted = await curl(post(await token('--scope', 'orders:write')))
  t.equal(minted.status, 201, 'minted token → 201')

  const expired = await curl(post(await token('--scope', 'orders:write', '--expires-in=-5m')))
  t.equal(expired.status, 401, 'expired token → 401')
  t.match(
    expired.headers['www-authenticate'],
    /^Bearer realm="Orders API", error="invalid_token", error_description="The token expired at \d{4}-\d\d-\d\dT[\d:.]+Z"$/,
  )
  t.equal(expired.body.code, 'TOKEN_EXPIRED')

  const scopeless = await curl(post(await token('--scope', 'orders:read')))
  t.equal(scopeless.status, 403, 'missing scope → 403')
  t.equal(
    scopeless.headers['www-authenticate'],
    'Bearer realm="Orders API", error="insufficient_scope", error_description="The token lacks the scope orders:write", scope="orders:write"',
  )
  t.equal(scopeless.body.code, 'SCOPE_INSUFFICIENT')

  const admin = await curl(['-X', 'POST', `${server.url}/__doorman/tokens`, '-H', 'content-type: application/json', '--data', '{"scope":"orders:write"}'])
  t.equal(admin.status, 200)
  t.equal((await curl(post(admin.body.token))).status, 201, 'a token from POST /__doorman/tokens works too')
})

t.test('serve says once, on stderr, that signatures are not checked', async (t) => {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => child.kill('SIGKILL'))
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  child.stdout.on('data', (chunk) => (stdout += chunk))
  while (!stdout.includes('listening')) await once(child.stdout, 'data')
  t.match(stdout, /^doorman listening on http:\/\/127\.0\.0\.1:\d+\n/, 'stdout starts with the ready line')
  child.kill('SIGTERM')
  await once(child, 'exit')
  t.equal(stderr.match(/signatures are NOT checked/g)?.length, 1)
  t.match(stderr, /^doorman: note: bearer token signatures are NOT checked: .*'doorman-dev-secret' \(HS256\)\.\n$/)
  const check = await runCli(['check'])
  t.match(check.stdout, /\nnote: bearer token signatures are NOT checked/, 'doorman check says it too')
})

t.test('doorman token --config signs with the configured key, and the served mock agrees', async (t) => {
  const config = fixture('configs', 'auth-rs256.yaml')
  const server = await startCli(t, ['--config', config, '--log', 'silent'])
  const jwt = await token('--config', config, '--sub', 'alice', '--aud', 'orders', '--claim', 'admin=true', '--claim', 'team=blue', '--claim', 'level=3')
  t.match(decode(jwt), { sub: 'alice', aud: 'orders', admin: true, team: 'blue', level: 3 })
  const res = await curl([`${server.url}/orders`, '-H', `Authorization: Bearer ${jwt}`])
  t.equal(res.status, 200)
  const other = await curl([`${server.url}/orders`, '-H', `Authorization: Bearer ${await token('--sub', 'alice')}`])
  t.equal(other.status, 401, 'a dev-secret token does not pass a verifying mock')
  t.equal(other.body.code, 'TOKEN_ALGORITHM_REJECTED')
})

t.test('setup mistakes exit 2 with a message that names what to fix', async (t) => {
  const [noPrivate, missingKey, dash, badDuration, badClaim] = await runCliAll([
    ['token', '--config', fixture('configs', 'auth-public-only.yaml')],
    ['serve', '--port', '0', '--config', fixture('configs', 'auth-missing-key.yaml')],
    ['token', '--expires-in', '-5m'],
    ['token', '--expires-in', 'soon'],
    ['token', '--claim', 'novalue'],
  ])
  t.equal(noPrivate.code, 2)
  t.match(noPrivate.stderr, /^doorman: cannot sign tokens: auth\.bearer\.jwt has a publicKey but no privateKey/)

  t.equal(missingKey.code, 2)
  t.match(
    missingKey.stderr,
    /auth-missing-key\.yaml: \/auth\/bearer\/jwt\/publicKey: cannot read the public key file 'fixtures\/keys\/no-such-key\.pem': no such file/,
  )
  t.notMatch(missingKey.stderr, /\n\s+at /, 'no stack trace')

  t.equal(dash.code, 2)
  t.match(dash.stderr, /--expires-in=-XYZ/)

  t.equal(badDuration.code, 2)
  t.match(badDuration.stderr, /expiresIn must be a number of seconds or a duration like '30s', '15m', '1h', '2d', not 'soon'/)

  t.equal(badClaim.code, 2)
  t.match(badClaim.stderr, /--claim takes name=value, got 'novalue'/)
})
