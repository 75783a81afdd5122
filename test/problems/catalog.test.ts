import { readFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { CATALOG, codes, type ProblemCode } from '../../src/index.js'
import { statusTitle } from '../../src/problems/problem.js'
import { fetchJson, ROOT, startMock } from '../helpers.js'

const STEPS = ['tls', 'route', 'fault', 'auth', 'content-type', 'body-size', 'parse', 'schema', 'respond', 'upstream', 'transport', 'admin', 'internal']

interface DocRow {
  code: string
  status: number
  step: string
  meaning: string
  fix: string
}

/** The table between the catalog markers in docs/errors.md. */
function docRows(): DocRow[] {
  const doc = readFileSync(path.join(ROOT, 'docs', 'errors.md'), 'utf8')
  const begin = doc.indexOf('<!-- catalog:begin -->')
  const end = doc.indexOf('<!-- catalog:end -->')
  if (begin === -1 || end === -1 || end < begin) throw new Error('docs/errors.md has no <!-- catalog:begin/end --> markers')
  const lines = doc
    .slice(begin, end)
    .split('\n')
    .filter((line) => line.startsWith('| `'))
  return lines.map((line) => {
    // Cells are split on unescaped pipes; a `\|` inside a cell is a literal pipe.
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim().replaceAll('\\|', '|'))
    const [code, status, step, meaning, fix] = cells
    return { code: code.replace(/^`|`$/g, ''), status: Number(status), step: step, meaning: meaning, fix: fix }
  })
}

const catalogCodes = Object.keys(CATALOG) as ProblemCode[]

t.test('codes.X === "X" for every catalog code, and nothing else', async (t) => {
  t.same(Object.keys(codes).sort(), [...catalogCodes].sort())
  for (const code of catalogCodes) t.equal(codes[code], code)
  t.ok(Object.isFrozen(codes), 'codes cannot be changed by a test suite')
})

t.test('every catalog entry is complete', async (t) => {
  for (const [code, entry] of Object.entries(CATALOG)) {
    t.match(code, /^[A-Z][A-Z0-9_]+$/, `${code}: SCREAMING_SNAKE_CASE`)
    t.ok(Number.isInteger(entry.status) && entry.status >= 400 && entry.status <= 599, `${code}: an error status`)
    t.ok(STEPS.includes(entry.step), `${code}: a known step (${entry.step})`)
    for (const field of ['meaning', 'fix'] as const) {
      t.ok(entry[field].length > 10, `${code}: ${field} says something`)
      t.notMatch(entry[field], /\n/, `${code}: ${field} is one line`)
      t.match(entry[field], /[.)]$/, `${code}: ${field} is a sentence`)
    }
    t.notMatch(statusTitle(entry.status), /^Status /, `${code}: ${entry.status} has an RFC 9110 title`)
  }
})

t.test('docs/errors.md and the catalog agree, both ways', async (t) => {
  const rows = docRows()
  const documented = rows.map((row) => row.code)
  t.same(
    documented.filter((code) => !(code in CATALOG)),
    [],
    'every documented code is in the catalog (run `npm run docs` after changing the catalog)',
  )
  t.same(
    catalogCodes.filter((code) => !documented.includes(code)),
    [],
    'every catalog code is documented (run `npm run docs`)',
  )
  t.same(
    documented.filter((code, i) => documented.indexOf(code) !== i),
    [],
    'no code is documented twice',
  )
  for (const row of rows) {
    const entry = CATALOG[row.code as ProblemCode]
    if (!entry) continue
    t.same(
      row,
      { code: row.code, status: entry.status, step: entry.step, meaning: entry.meaning, fix: entry.fix },
      `${row.code}: same status, step, meaning and fix`,
    )
  }
})

t.test('titles are the RFC 9110 reason phrases', async (t) => {
  t.equal(statusTitle(400), 'Bad Request')
  t.equal(statusTitle(404), 'Not Found')
  t.equal(statusTitle(405), 'Method Not Allowed')
  t.equal(statusTitle(406), 'Not Acceptable')
  t.equal(statusTitle(413), 'Content Too Large', 'not the older "Payload Too Large"')
  t.equal(statusTitle(414), 'URI Too Long')
  t.equal(statusTitle(415), 'Unsupported Media Type')
  t.equal(statusTitle(422), 'Unprocessable Content', 'not the older "Unprocessable Entity"')
  t.equal(statusTitle(431), 'Request Header Fields Too Large')
  t.equal(statusTitle(500), 'Internal Server Error')
})

t.test('over the wire', async (t) => {
  const mock = await startMock(t)

  t.test('every refusal is a complete problem+json whose type resolves', async (t) => {
    const refusals: Array<[string, RequestInit, ProblemCode]> = [
      ['/ordrs', {}, 'ROUTE_NOT_FOUND'],
      ['/health', { method: 'DELETE' }, 'METHOD_NOT_ALLOWED'],
      ['/health', { headers: { accept: 'text/csv' } }, 'NOT_ACCEPTABLE'],
      ['/health', { headers: { prefer: 'code=299' } }, 'PREFER_UNSATISFIABLE'],
      ['/orders/%zz', {}, 'REQUEST_MALFORMED'],
      [`/orders/${'x'.repeat(1001)}`, {}, 'URI_TOO_LONG'],
    ]
    for (const [requestPath, init, code] of refusals) {
      const res = await fetchJson(`${mock.url}${requestPath}`, init)
      const what = `${init.method ?? 'GET'} ${requestPath.slice(0, 40)}`
      t.match(res.headers.get('content-type'), /^application\/problem\+json/, `${what}: problem+json`)
      t.same(
        Object.keys(res.body)
          .filter((key) => ['type', 'title', 'status', 'detail', 'instance', 'code', 'step', 'requestId'].includes(key))
          .sort(),
        ['code', 'detail', 'instance', 'requestId', 'status', 'step', 'title', 'type'],
        `${what}: every member`,
      )
      t.equal(res.body.code, code, `${what}: code`)
      t.equal(res.body.status, res.status, `${what}: status in the body is the status sent`)
      t.equal(res.body.status, CATALOG[code].status, `${what}: the catalog status`)
      t.equal(res.body.step, CATALOG[code].step, `${what}: the catalog step`)
      t.equal(res.body.title, statusTitle(res.status), `${what}: title`)
      t.equal(res.body.instance, requestPath, `${what}: instance is the request path`)
      t.match(res.body.requestId, /^r-\d{6}$/, `${what}: requestId`)
      t.match(res.body.detail, /\S.*[.?]$/, `${what}: detail is a sentence`)
      t.equal(res.body.type, `${mock.url}/__doorman/problems/${code}`, `${what}: type on this mock`)

      const explained = await fetchJson(res.body.type)
      t.equal(explained.status, 200, `${what}: the type URI resolves`)
      t.same(
        explained.body,
        {
          code,
          type: res.body.type,
          status: CATALOG[code].status,
          title: statusTitle(CATALOG[code].status),
          step: CATALOG[code].step,
          meaning: CATALOG[code].meaning,
          fix: CATALOG[code].fix,
        },
        `${what}: it explains the code`,
      )
    }
  })

  t.test('the type URI answers prose to a person', async (t) => {
    const res = await fetch(`${mock.url}/__doorman/problems/${codes.NOT_ACCEPTABLE}`, { headers: { accept: 'text/plain' } })
    t.equal(res.status, 200)
    t.match(res.headers.get('content-type'), /^text\/plain/)
    const text = await res.text()
    t.match(text, /^NOT_ACCEPTABLE — 406 Not Acceptable \(step: respond\)/)
    t.match(text, CATALOG.NOT_ACCEPTABLE.meaning)
    t.match(text, CATALOG.NOT_ACCEPTABLE.fix)
  })

  t.test('GET /__doorman/problems lists every code', async (t) => {
    const res = await fetchJson(`${mock.url}/__doorman/problems`)
    t.equal(res.status, 200)
    t.same(
      res.body.problems.map((p: { code: string }) => p.code),
      catalogCodes,
    )
    for (const problem of res.body.problems) {
      t.equal(problem.type, `${mock.url}/__doorman/problems/${problem.code}`)
    }
  })

  t.test('an unknown code is a 404 problem that suggests the right one', async (t) => {
    const res = await fetchJson(`${mock.url}/__doorman/problems/ROUTE_NOT_FOND`)
    t.equal(res.status, 404)
    t.match(res.headers.get('content-type'), /^application\/problem\+json/)
    t.match(res.body.detail, /no problem code 'ROUTE_NOT_FOND'\. Did you mean ROUTE_NOT_FOUND\?/)
  })
})
