/**
 * HTTP basic (RFC 7617) and digest (RFC 7616) with real clients over real
 * sockets: curl and Python `requests`, malformed, wrong and right.
 */
import t from 'tap'
import { fixture, hasPythonRequests, run, startMock } from '../helpers.js'

const skipPython = (await hasPythonRequests()) ? false : 'python3 with requests not installed'
const BASIC_CHALLENGE = 'Basic realm="realm-api", charset="UTF-8"'

/** curl -s -i: status, the headers of the LAST response (curl --digest makes two), and the parsed body. */
async function curl(args: string[]) {
  const { stdout, code, stderr } = await run('curl', ['-s', '-i', ...args])
  if (code !== 0) throw new Error(`curl exited with ${code}: ${stderr}`)
  const responses = stdout.split(/(?=^HTTP\/1\.1 )/m)
  const last = responses.at(-1) ?? ''
  const [head, ...rest] = last.split('\r\n\r\n')
  const [statusLine, ...lines] = head.split('\r\n')
  const headers: Record<string, string[]> = {}
  for (const line of lines) (headers[line.slice(0, line.indexOf(':')).toLowerCase()] ??= []).push(line.slice(line.indexOf(':') + 1).trim())
  const text = rest.join('\r\n\r\n')
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    responses: responses.length,
  }
}

async function python(script: string, url: string): Promise<Record<string, unknown>> {
  const prelude = 'import json, sys, requests\nfrom requests.auth import HTTPBasicAuth, HTTPDigestAuth\nurl = sys.argv[1]\n'
  const { code, stdout, stderr } = await run('python3', ['-c', prelude + script, url])
  if (code !== 0) throw new Error(`python3 exited with ${code}: ${stderr}`)
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>
}

t.test('basic with curl: malformed → 401 BASIC_CREDENTIALS_MALFORMED, wrong → 401, right → 200; global and per operation', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'basic-digest.yaml'), config: fixture('configs', 'auth-basic-digest.yaml') })
  for (const path of ['/global', '/per-operation']) {
    const malformed = await curl([`${mock.url}${path}`, '-H', 'Authorization: Basic abc123'])
    t.equal(malformed.status, 401, `${path}: Basic abc123 is a failed authentication, not a bad request`)
    t.same(malformed.headers['www-authenticate'], [BASIC_CHALLENGE])
    t.equal(malformed.body?.code, 'BASIC_CREDENTIALS_MALFORMED')
    t.match(malformed.body?.detail, /not base64|without a colon/)
    const wrong = await curl([`${mock.url}${path}`, '-u', 'alice:looking-glass'])
    t.equal(wrong.status, 401)
    t.same(wrong.headers['www-authenticate'], [BASIC_CHALLENGE])
    t.equal(wrong.body?.code, 'BASIC_CREDENTIALS_INVALID')
    const right = await curl([`${mock.url}${path}`, '-u', 'alice:wonderland'])
    t.equal(right.status, 200, `${path}: curl -u alice:wonderland gets in`)
    t.same(right.body, { ok: true })
  }
})

t.test('basic with python requests: malformed, wrong, right', { skip: skipPython }, async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'basic-digest.yaml'), config: fixture('configs', 'auth-basic-digest.yaml') })
  const seen = await python(
    `
out = {}
for path in ['/global', '/per-operation']:
    m = requests.get(url + path, headers={'Authorization': 'Basic abc123'})
    w = requests.get(url + path, auth=HTTPBasicAuth('alice', 'looking-glass'))
    r = requests.get(url + path, auth=('alice', 'wonderland'))
    out[path] = [[m.status_code, m.json()['code'], m.headers['WWW-Authenticate']], [w.status_code, w.json()['code']], [r.status_code, r.json()]]
print(json.dumps(out))
`,
    mock.url,
  )
  for (const path of ['/global', '/per-operation']) {
    t.same(
      seen[path],
      [
        [401, 'BASIC_CREDENTIALS_MALFORMED', BASIC_CHALLENGE],
        [401, 'BASIC_CREDENTIALS_INVALID'],
        [200, { ok: true }],
      ],
      path,
    )
  }
})
