// `doorman serve --cors / --no-cors`, as the bundle runs them.
import t from 'tap'
import { runCli, startCli } from '../helpers.js'

const preflight = (url: string, origin: string) => fetch(`${url}/health`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } })

t.test('--cors answers any origin, --no-cors none, the default loopback ones', async (t) => {
  const [any, none, byDefault] = await Promise.all([
    startCli(t, ['--cors', '--log', 'silent']),
    startCli(t, ['--no-cors', '--log', 'silent']),
    startCli(t, ['--log', 'silent']),
  ])
  const far = 'https://app.example'
  t.equal((await preflight(any.url, far)).headers.get('access-control-allow-origin'), far)
  const off = await preflight(none.url, 'http://localhost:3000')
  t.equal(off.headers.get('access-control-allow-origin'), null)
  t.equal(off.headers.get('allow'), 'GET, HEAD, OPTIONS', 'an ordinary OPTIONS')
  t.equal((await preflight(byDefault.url, 'http://localhost:3000')).headers.get('access-control-allow-origin'), 'http://localhost:3000')
  t.equal((await preflight(byDefault.url, far)).status, 403)
})

t.test('--cors with --no-cors is a usage error', async (t) => {
  const { code, stderr } = await runCli(['serve', '--cors', '--no-cors'])
  t.equal(code, 2)
  t.match(stderr, /give --cors or --no-cors, not both/)
})
