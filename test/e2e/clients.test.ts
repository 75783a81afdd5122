import t from 'tap'
import { codes } from '../../src/index.js'
import { hasPythonRequests, run, startCli } from '../helpers.js'

/** Splits `curl -i` output into the status line, the headers and the body. */
function parseCurl(output: string) {
  const normalized = output.replace(/\r\n/g, '\n')
  const end = normalized.indexOf('\n\n')
  const [statusLine, ...lines] = normalized.slice(0, end).split('\n')
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]))
  return { statusLine: statusLine, headers, body: normalized.slice(end + 2) }
}

const PYTHON = `
import json, sys, requests
base = sys.argv[1]
out = {}
r = requests.get(base + "/ordrs", timeout=10)
out["notFound"] = {"status": r.status_code, "reason": r.reason, "type": r.headers["Content-Type"], "body": r.json()}
r = requests.get(base + "/health", timeout=10)
out["health"] = {"status": r.status_code, "body": r.json()}
r = requests.post(base + "/feedback", data="Quick delivery, thanks!", headers={"Content-Type": "text/plain"}, timeout=10)
out["feedback"] = {"status": r.status_code, "body": r.json()}
r = requests.delete(base + "/health", timeout=10)
out["wrongMethod"] = {"status": r.status_code, "allow": r.headers.get("Allow"), "code": r.json()["code"]}
r = requests.get(base + "/health", headers={"Accept": "text/csv"}, timeout=10)
out["notAcceptable"] = {"status": r.status_code, "code": r.json()["code"]}
print(json.dumps(out))
`

t.test('real clients against the CLI server', async (t) => {
  const cli = await startCli(t, ['--log', 'silent'])

  t.test('curl: a refusal reads in one look', async (t) => {
    const { code, stdout, stderr } = await run('curl', ['-sS', '-i', `${cli.url}/ordrs`])
    t.equal(code, 0, stderr)
    const res = parseCurl(stdout)
    t.equal(res.statusLine, 'HTTP/1.1 404 Not Found')
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    const problem = JSON.parse(res.body)
    t.equal(problem.code, codes.ROUTE_NOT_FOUND)
    t.equal(problem.detail, 'No documented path matches /ordrs. Did you mean /orders?')
    t.equal(problem.type, `${cli.url}/__doorman/problems/ROUTE_NOT_FOUND`)

    const explained = await run('curl', ['-sS', problem.type, '-H', 'Accept: text/plain'])
    t.match(explained.stdout, /^ROUTE_NOT_FOUND — 404 Not Found/, 'following the type link gives prose')
  })

  t.test('curl: an answer, HEAD and a 405', async (t) => {
    const ok = parseCurl((await run('curl', ['-sS', '-i', `${cli.url}/health`])).stdout)
    t.equal(ok.statusLine, 'HTTP/1.1 200 OK')
    t.same(JSON.parse(ok.body), { status: 'ok' })

    const head = parseCurl((await run('curl', ['-sS', '-I', `${cli.url}/health`])).stdout)
    t.equal(head.statusLine, 'HTTP/1.1 200 OK')
    t.equal(head.headers['content-length'], ok.headers['content-length'])

    const wrong = parseCurl((await run('curl', ['-sS', '-i', '-X', 'DELETE', `${cli.url}/health`])).stdout)
    t.equal(wrong.statusLine, 'HTTP/1.1 405 Method Not Allowed')
    t.equal(wrong.headers.allow, 'GET, HEAD, OPTIONS')
    t.equal(JSON.parse(wrong.body).code, codes.METHOD_NOT_ALLOWED)
  })

  t.test('curl: a malformed URL is still problem+json', async (t) => {
    const res = parseCurl((await run('curl', ['-sS', '-i', '--path-as-is', `${cli.url}/orders/%zz`])).stdout)
    t.equal(res.statusLine, 'HTTP/1.1 400 Bad Request')
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.equal(JSON.parse(res.body).code, codes.REQUEST_MALFORMED)
  })

  t.test('python requests', { skip: (await hasPythonRequests()) ? false : 'python3 with requests not installed' }, async (t) => {
    const { code, stdout, stderr } = await run('python3', ['-c', PYTHON, cli.url])
    t.equal(code, 0, stderr)
    const out = JSON.parse(stdout)
    t.match(out.notFound, { status: 404, reason: 'Not Found', type: /^application\/problem\+json/ })
    t.match(out.notFound.body, { code: codes.ROUTE_NOT_FOUND, status: 404, title: 'Not Found', instance: '/ordrs' })
    t.same(out.health, { status: 200, body: { status: 'ok' } })
    t.same(out.feedback, { status: 202, body: { received: true } })
    t.same(out.wrongMethod, { status: 405, allow: 'GET, HEAD, OPTIONS', code: codes.METHOD_NOT_ALLOWED })
    t.same(out.notAcceptable, { status: 406, code: codes.NOT_ACCEPTABLE })
  })
})
