import t from 'tap'
import { runCli, run, startCli } from '../helpers.js'

/**
 * The README's tour, as curl runs it against the CLI serving openapi.yaml:
 * every request-rule refusal, its status and its code.
 */
t.test('every request-rule refusal, as curl sees it', async (t) => {
  const cli = await startCli(t, ['openapi.yaml', '--log', 'silent'])
  const token = (await runCli(['token', '--scope', 'orders:write'])).stdout.trim()
  const order = '{"customerId":"c-123","items":[{"sku":"ABC-1234","qty":2}]}'
  const auth = ['-H', `Authorization: Bearer ${token}`]
  const json = ['-H', 'Content-Type: application/json']

  const cases: Array<{ name: string; args?: string[]; shell?: string; status: number; code?: string }> = [
    { name: 'valid order', args: ['/orders', ...auth, ...json, '-d', order], status: 201 },
    {
      name: 'typo in the media type',
      args: ['/orders', ...auth, '-H', 'Content-Type: application/jsn', '-d', order],
      status: 415,
      code: 'CONTENT_TYPE_UNSUPPORTED',
    },
    { name: 'no Content-Type', args: ['/orders', ...auth, '-H', 'Content-Type:', '-d', order], status: 415, code: 'CONTENT_TYPE_MISSING' },
    {
      name: 'latin1 JSON',
      args: ['/orders', ...auth, '-H', 'Content-Type: application/json; charset=latin1', '-d', order],
      status: 415,
      code: 'CONTENT_TYPE_UNSUPPORTED',
    },
    { name: 'zstd body', args: ['/orders', ...auth, ...json, '-H', 'Content-Encoding: zstd', '-d', order], status: 415, code: 'CONTENT_ENCODING_UNSUPPORTED' },
    {
      name: 'gzip body',
      shell: `printf '%s' '${order}' | gzip | curl -s -o - -w '\\n%{http_code}' ${cli.url}/orders -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' -H 'Content-Encoding: gzip' --data-binary @-`,
      status: 201,
    },
    {
      name: 'over the 16 KiB x-doorman limit',
      shell: `head -c 20000 /dev/zero | tr '\\0' a | curl -s -o - -w '\\n%{http_code}' ${cli.url}/feedback -H 'Content-Type: text/plain' --data-binary @-`,
      status: 413,
      code: 'BODY_TOO_LARGE',
    },
    {
      name: '2 MB with Expect: 100-continue',
      shell: `head -c 2000000 /dev/zero | curl -s -o - -w '\\n%{http_code}' ${cli.url}/orders -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' --data-binary @-`,
      status: 413,
      code: 'BODY_TOO_LARGE',
    },
    {
      name: 'chunked over the limit',
      shell: `head -c 20000 /dev/zero | tr '\\0' a | curl -s -o - -w '\\n%{http_code}' ${cli.url}/feedback -H 'Transfer-Encoding: chunked' -H 'Content-Type: text/plain' --data-binary @-`,
      status: 413,
      code: 'BODY_TOO_LARGE',
    },
    {
      name: 'trailing comma',
      args: ['/orders', ...auth, ...json, '-d', '{"customerId": "c-123",\n "items": [{"sku": "ABC-1234", "qty": 2},]}'],
      status: 400,
      code: 'BODY_MALFORMED',
    },
    { name: 'no body', args: ['-X', 'POST', '/orders', ...auth, ...json], status: 400, code: 'BODY_REQUIRED' },
    {
      name: 'duplicate key',
      args: ['/orders', ...auth, ...json, '-d', '{"customerId":"c-123","customerId":"c-124","items":[]}'],
      status: 400,
      code: 'BODY_DUPLICATE_KEY',
    },
    { name: '__proto__ key', args: ['/orders', ...auth, ...json, '-d', '{"__proto__":{"admin":true}}'], status: 400, code: 'BODY_FORBIDDEN_KEY' },
    {
      name: 'schema violations',
      args: ['/orders', ...auth, ...json, '-d', '{"customerId":"c-12","items":[{"sku":"ABC-1234","qty":0}],"currency":"JPY"}'],
      status: 422,
      code: 'BODY_INVALID',
    },
    { name: 'bad query parameters', args: ['/orders?limit=500&status=lost', ...auth], status: 400, code: 'PARAMETER_INVALID' },
    { name: 'bad path parameter', args: ['/orders/1001', ...auth], status: 400, code: 'PARAMETER_INVALID' },
    { name: 'unknown Expect', args: ['/orders', ...auth, ...json, '-H', 'Expect: teapot', '-d', order], status: 417, code: 'EXPECTATION_FAILED' },
    { name: 'nothing acceptable', args: ['/orders/o-1001', ...auth, '-H', 'Accept: text/csv'], status: 406, code: 'NOT_ACCEPTABLE' },
  ]

  for (const c of cases) {
    const { stdout, stderr } = c.shell
      ? await run('sh', ['-c', c.shell])
      : await run('curl', ['-s', '-o', '-', '-w', '\n%{http_code}', ...withUrl(cli.url, c.args!)])
    const lines = stdout.trimEnd().split('\n')
    const status = Number(lines.pop())
    t.equal(status, c.status, `${c.name}: status ${stderr}`)
    if (c.code) t.equal(JSON.parse(lines.join('\n')).code, c.code, `${c.name}: code`)
  }
})

/** curl takes the URL anywhere among its arguments; the cases name only the path. */
function withUrl(base: string, args: string[]): string[] {
  return args.map((arg) => (arg.startsWith('/') ? base + arg : arg))
}
