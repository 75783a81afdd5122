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

const DIGEST_CHALLENGE =
  /^Digest realm="realm-api", qop="auth", algorithm=SHA-256, nonce="([^"]+)", opaque="([0-9a-f]+)", Digest realm="realm-api", qop="auth", algorithm=MD5, nonce="\1", opaque="\2"$/

t.test('digest with curl --digest: no credentials → fresh challenges, right → 200, wrong → 401 with a new challenge', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'basic-digest.yaml'), config: fixture('configs', 'auth-basic-digest.yaml') })
  const url = `${mock.url}/digest?q=1`
  const none = await curl([url])
  t.equal(none.status, 401)
  t.equal(none.body?.code, 'AUTH_MISSING')
  t.match(none.headers['www-authenticate']?.[0], DIGEST_CHALLENGE, 'SHA-256 first, then MD5, one nonce and opaque')
  const again = await curl([url])
  t.not(again.headers['www-authenticate']?.[0], none.headers['www-authenticate']?.[0], 'every 401 has a fresh nonce')
  const right = await curl(['--digest', '-u', 'alice:secret', url])
  t.equal(right.status, 200, 'curl --digest -u alice:secret gets through')
  t.same(right.body, { ok: true })
  const wrong = await curl(['--digest', '-u', 'alice:looking-glass', url])
  t.equal(wrong.status, 401)
  t.equal(wrong.body?.code, 'DIGEST_CREDENTIALS_INVALID')
  t.match(wrong.headers['www-authenticate']?.[0], DIGEST_CHALLENGE, 'a new challenge')
  t.notMatch(JSON.stringify(wrong.body), /looking-glass/, 'the password is not echoed')
  const post = await curl(['--digest', '-u', 'alice:secret', '-H', 'content-type: application/json', '--data', '{}', `${mock.url}/digest`])
  t.equal(post.status, 200, 'POST: the method is part of the hash')
})

/** Python: the challenge from requests, the response computed by hand (RFC 7616 §3.4.1) for any algorithm, nonce count and uri. */
const DIGEST_BY_HAND = `
import hashlib, os
def challenge(path='/digest'):
    r = requests.get(url + path)
    h = r.headers['WWW-Authenticate']
    first = h.split(', Digest ')[0]
    return dict(p.split('=', 1) for p in first[len('Digest '):].replace('"', '').split(', '))
def authorization(algorithm, nonce, opaque, nc, uri, password='secret', method='GET', user='alice'):
    H = (lambda s: hashlib.md5(s.encode()).hexdigest()) if algorithm.startswith('MD5') else (lambda s: hashlib.sha256(s.encode()).hexdigest())
    cnonce = os.urandom(8).hex()
    ha1 = H(f'{user}:realm-api:{password}')
    ha2 = H(f'{method}:{uri}')
    response = H(f'{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}')
    return (f'Digest username="{user}", realm="realm-api", nonce="{nonce}", uri="{uri}", algorithm={algorithm}, '
            f'response="{response}", opaque="{opaque}", qop=auth, nc={nc}, cnonce="{cnonce}"')
def send(path, header):
    r = requests.get(url + path, headers={'Authorization': header})
    return [r.status_code, r.json().get('code'), 'stale=true' in r.headers.get('WWW-Authenticate', '')]
`

t.test('digest with Python requests: HTTPDigestAuth, then MD5 and SHA-256 by hand, replayed nc, wrong uri, stale nonce', { skip: skipPython }, async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'basic-digest.yaml'), config: fixture('configs', 'auth-basic-digest.yaml') })
  const library = await python(
    `
r = requests.get(url + '/digest?q=1', auth=HTTPDigestAuth('alice', 'secret'))
w = requests.get(url + '/digest?q=1', auth=HTTPDigestAuth('alice', 'nope'))
print(json.dumps({'right': [r.status_code, r.json()], 'wrong': [w.status_code, w.json()['code'], w.headers['WWW-Authenticate'].startswith('Digest ')]}))
`,
    mock.url,
  )
  t.same(
    library,
    { right: [200, { ok: true }], wrong: [401, 'DIGEST_CREDENTIALS_INVALID', true] },
    'HTTPDigestAuth gets through; a wrong password gets a new challenge',
  )

  const byHand = await python(
    `${DIGEST_BY_HAND}
out = {}
for algorithm in ['SHA-256', 'MD5']:
    c = challenge()
    out[algorithm] = [
        send('/digest?q=x', authorization(algorithm, c['nonce'], c['opaque'], '00000001', '/digest?q=x')),
        send('/digest?q=x', authorization(algorithm, c['nonce'], c['opaque'], '00000001', '/digest?q=x')),
        send('/digest?q=x', authorization(algorithm, c['nonce'], c['opaque'], '00000002', '/digest?q=x')),
        send('/digest?q=x', authorization(algorithm, c['nonce'], c['opaque'], '00000003', '/digest?q=other')),
        send('/digest?q=x', authorization(algorithm, c['nonce'], c['opaque'], '00000004', '/digest?q=x', password='wrong')),
        send('/digest?q=x', authorization(algorithm, c['nonce'][:-2] + 'AA', c['opaque'], '00000001', '/digest?q=x')),
    ]
print(json.dumps(out))
`,
    mock.url,
  )
  for (const algorithm of ['SHA-256', 'MD5']) {
    t.same(
      byHand[algorithm],
      [
        [200, null, false],
        [401, 'DIGEST_NONCE_REPLAYED', false],
        [200, null, false],
        [401, 'DIGEST_URI_MISMATCH', false],
        [401, 'DIGEST_CREDENTIALS_INVALID', false],
        [401, 'DIGEST_NONCE_INVALID', false],
      ],
      `${algorithm}: right, replayed nc, next nc, wrong uri, wrong password, forged nonce`,
    )
  }

  // A nonce issued ten minutes ago: the in-process mock reads the clock this test moves back, only while it answers.
  const realNow = Date.now
  Date.now = () => realNow() - 10 * 60_000
  let old: string
  try {
    old = (await fetch(`${mock.url}/digest`)).headers.get('www-authenticate') ?? ''
  } finally {
    Date.now = realNow
  }
  const [, nonce, opaque] = DIGEST_CHALLENGE.exec(old) ?? []
  t.ok(nonce, 'an old challenge')
  const stale = await python(
    `${DIGEST_BY_HAND}
print(json.dumps({'stale': send('/digest', authorization('SHA-256', '${nonce}', '${opaque}', '00000001', '/digest'))}))
`,
    mock.url,
  )
  t.same(stale.stale, [401, 'DIGEST_NONCE_STALE', true], 'right credentials on an old nonce: stale=true in the new challenge')
})

t.test('digest without auth.digest: any well-formed credential answering the challenge passes, and start-up says so', async (t) => {
  const mock = await startMock(t, { spec: fixture('specs', 'basic-digest.yaml') })
  t.match(mock.notes.join('\n'), /digest passwords are NOT checked: the config has no auth.digest/)
  const anyone = await curl(['--digest', '-u', 'anyone:anything', `${mock.url}/digest`])
  t.equal(anyone.status, 200)
  const malformed = await curl(['-H', 'Authorization: Digest username=alice', `${mock.url}/digest`])
  t.equal(malformed.status, 401)
  t.equal(malformed.body?.code, 'DIGEST_CREDENTIALS_MALFORMED')
  t.match(malformed.body?.detail, /lack realm, nonce, uri, response, qop, nc, cnonce/)
})
