import { spawnSync } from 'node:child_process'
import t from 'tap'
import type { CurlRequest } from '../../src/curl/build-requests.js'
import { COMMENT_PATTERN, renderComment, renderCommand, renderCurl } from '../../src/curl/render-curl.js'
import { shellQuote } from '../../src/curl/shell.js'

const request = (over: Partial<CurlRequest> = {}): CurlRequest => ({
  operation: 'createOrder',
  title: 'wrong content type',
  expectStatus: 415,
  expectCode: 'CONTENT_TYPE_UNSUPPORTED',
  method: 'POST',
  url: 'http://127.0.0.1:4010/orders',
  headers: [['Content-Type', 'application/jsn']],
  body: '{}',
  ...over,
})

t.test('shellQuote: sh reads back exactly what was quoted', async (t) => {
  for (const text of ["it's", "''", 'a\nb', '$HOME `id` $(id) \\ " ; | & *', 'ünïcødé ✓', '', "'; rm -rf / #"]) {
    const echoed = spawnSync('sh', ['-c', `printf '%s' ${shellQuote(text)}`], { encoding: 'utf8' })
    t.equal(echoed.stdout, text, JSON.stringify(text))
  }
})

t.test('the comment line is stable and parseable', async (t) => {
  t.equal(renderComment(request()), '# 415 CONTENT_TYPE_UNSUPPORTED — wrong content type')
  t.equal(renderComment(request({ expectStatus: 201, expectCode: undefined, title: 'a valid request' })), '# 201 — a valid request')
  t.equal(
    renderComment(request({ expectStatus: 0, expectCode: undefined, title: 'Prefer: fault=hang' })),
    '# 000 — Prefer: fault=hang',
    'no answer reads like curl’s %{http_code}',
  )
  const [, status, code, title] = COMMENT_PATTERN.exec(renderComment(request({ title: 'a — dash inside' })))!
  t.same([status, code, title], ['415', 'CONTENT_TYPE_UNSUPPORTED', 'a — dash inside'])
  t.same(COMMENT_PATTERN.exec('# 201 — ok')!.slice(1), ['201', undefined, 'ok'])
})

t.test('the command: -X only where curl would not infer the method; -H "Name:" drops a header', async (t) => {
  t.equal(renderCommand(request()), "curl -i 'http://127.0.0.1:4010/orders' \\\n  -H 'Content-Type: application/jsn' \\\n  --data-binary '{}'")
  t.match(renderCommand(request({ method: 'GET', body: undefined, headers: [] })), /^curl -i 'http/)
  t.match(renderCommand(request({ method: 'POST', body: undefined, headers: [] })), /^curl -i -X POST /, 'POST without a body is named')
  t.match(renderCommand(request({ method: 'GET' })), /^curl -i -X GET /, 'GET with a body is named')
  t.match(renderCommand(request({ method: 'PATCH' })), /^curl -i -X PATCH /)
  t.match(renderCommand(request({ headers: [['Content-Type', '']] })), /-H 'Content-Type:' /)
  t.match(renderCommand(request({ maxTimeSeconds: 2 })), /^curl -i --max-time 2 /)
})

t.test('a body from a command is piped in, and the command still ends with curl’s last argument', async (t) => {
  const text = renderCommand(request({ body: undefined, bodyFromCommand: "head -c 11 /dev/zero | tr '\\0' a" }))
  t.match(text, /^head -c 11 \/dev\/zero \| tr '\\0' a \| curl -i /)
  t.match(text, /--data-binary @-$/)
})

t.test('a rendered command runs, and appended options reach curl', async (t) => {
  // No server: curl fails to connect (exit 7), which proves sh parsed the command and curl got the appended -w.
  const text = renderCommand(request({ url: 'http://127.0.0.1:9/never', body: 'it\'s "quoted"\nand two lines' }))
  const ran = spawnSync('sh', ['-c', `${text} -s -o /dev/null -w 'code=%{http_code}'`], { encoding: 'utf8' })
  t.equal(ran.status, 7)
  t.equal(ran.stdout, 'code=000')
  t.match(renderCurl(request()), /^# 415 CONTENT_TYPE_UNSUPPORTED — wrong content type\ncurl -i /)
})
