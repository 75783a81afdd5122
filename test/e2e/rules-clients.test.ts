import t from 'tap'
import { codes } from '../../src/index.js'
import { fixture, hasPythonRequests, run, startCli } from '../helpers.js'

/** What real clients see when doorman refuses a large upload before reading it. */
t.test('real clients read the 413 of a large upload instead of a reset', async (t) => {
  const cli = await startCli(t, [fixture('specs', 'rules.yaml'), '--log', 'silent'])

  t.test('Node fetch (undici) sending 50 MiB', async (t) => {
    const res = await fetch(`${cli.url}/things`, {
      method: 'POST',
      body: Buffer.alloc(50 * 1024 * 1024, 0x61),
      headers: { 'content-type': 'application/json' },
    })
    t.equal(res.status, 413)
    t.equal(res.headers.get('connection'), 'close')
    t.equal((await res.json()).code, codes.BODY_TOO_LARGE)
  })

  t.test('curl sending 50 MiB without Expect', async (t) => {
    const { stdout } = await run('sh', [
      '-c',
      `head -c 52428800 /dev/zero | curl -s -o - -w '\\n%{http_code}' -H 'Expect:' -H 'Content-Type: application/json' --data-binary @- ${cli.url}/things`,
    ])
    const [body, status] = stdout.split('\n')
    t.equal(status, '413')
    t.equal(JSON.parse(body).code, codes.BODY_TOO_LARGE)
  })

  t.test(
    'python requests sending 50 MiB (it writes the whole body before reading)',
    { skip: (await hasPythonRequests()) ? false : 'python3 with requests is not installed' },
    async (t) => {
      const script = `
import requests, sys
r = requests.post(sys.argv[1] + '/things', data=b'a' * (50 * 1024 * 1024), headers={'Content-Type': 'application/json'}, timeout=30)
print(r.status_code, r.json()['code'])
`
      const { stdout, stderr } = await run('python3', ['-c', script, cli.url])
      t.equal(stdout.trim(), '413 BODY_TOO_LARGE', stderr)
    },
  )
})
