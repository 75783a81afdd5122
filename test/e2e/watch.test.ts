// `doorman serve --watch`: edits to the spec, a file it `$ref`s and the config
// take effect without dropping the port; a broken edit keeps the last good
// version and says why on stderr.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import t from 'tap'
import { startServer } from '../../src/index.js'
import { fetchJson, startCli } from '../helpers.js'
import { connect, hasCompleteResponse, parseResponse, readAll } from '../raw-http.js'

/** Lines of a stream; `next(re)` resolves with the first matching line that arrives after the call. */
function lineWatcher(stream: Readable) {
  const waiters: Array<{ match: RegExp; resolve: (line: string) => void }> = []
  createInterface({ input: stream }).on('line', (line) => {
    const i = waiters.findIndex((w) => w.match.test(line))
    if (i !== -1) waiters.splice(i, 1)[0].resolve(line)
  })
  return { next: (match: RegExp) => new Promise<string>((resolve) => waiters.push({ match, resolve })) }
}

const spec = (paths: string) => `openapi: 3.1.0
info: { title: Watched, version: 1.0.0 }
paths:
  /a:
    get:
      operationId: getA
      responses:
        '200': { description: ok, content: { application/json: { example: { a: 1 } } } }
  /notes:
    post:
      operationId: postNote
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: './note.yaml' }
      responses:
        '201': { description: created }
${paths}`

const PATH_B = `  /b:
    get:
      operationId: getB
      responses:
        '200': { description: ok, content: { application/json: { example: { b: 2 } } } }
`

t.test('serve --watch reloads spec, $ref and config in place, and keeps the last good version', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'doorman-watch-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const specFile = path.join(dir, 'api.yaml')
  const configFile = path.join(dir, 'doorman.yaml')
  await writeFile(specFile, spec(''))
  await writeFile(path.join(dir, 'note.yaml'), 'type: object\nproperties:\n  text: { type: string }\n')
  await writeFile(configFile, 'limits: { bodySize: 1kb }\n')

  const cli = await startCli(t, [specFile, '--config', configFile, '--watch', '--log', 'silent'])
  const stdout = lineWatcher(cli.child.stdout!)
  const stderr = lineWatcher(cli.child.stderr!)
  const post = (body: string) => fetch(`${cli.url}/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })

  t.equal((await fetchJson(`${cli.url}/b`)).body.code, 'ROUTE_NOT_FOUND', 'before the edit, /b is not documented')

  // A new path.
  let reloaded = stdout.next(/^doorman reloaded .*api\.yaml \(3 operations\)$/)
  await writeFile(specFile, spec(PATH_B))
  t.ok(await reloaded, 'one line says the spec was reloaded, with its operation count')
  const b = await fetchJson(`${cli.url}/b`)
  t.equal(b.status, 200, 'the new path answers, on the same port')
  t.same(b.body, { b: 2 })

  // A file the spec $refs.
  t.equal((await post(JSON.stringify({ text: 'a long note' }))).status, 201)
  reloaded = stdout.next(/^doorman reloaded .*\(3 operations\)$/)
  await writeFile(path.join(dir, 'note.yaml'), 'type: object\nproperties:\n  text: { type: string, maxLength: 5 }\n')
  await reloaded
  const tooLong = await post(JSON.stringify({ text: 'a long note' }))
  t.equal(tooLong.status, 422, "an edit to a $ref'd file takes effect")

  // The config.
  reloaded = stdout.next(/^doorman reloaded /)
  await writeFile(configFile, 'limits: { bodySize: 10 }\n')
  await reloaded
  t.equal((await post(JSON.stringify({ text: 'abc' }))).status, 413, 'a smaller body limit from the config takes effect')

  // A broken spec: the last good version keeps serving.
  let failed = stderr.next(/^doorman: reload failed, still serving the last good version: /)
  await writeFile(specFile, 'openapi: 3.1.0\ninfo: { title: Broken\npaths: {}\n')
  const why = await failed
  t.match(why, /api\.yaml: \d+:\d+: YAML syntax error/, 'the line names the file, the place and the problem')
  t.equal((await fetchJson(`${cli.url}/a`)).status, 200, 'old routes still answer')
  t.equal((await fetchJson(`${cli.url}/b`)).status, 200)

  // A broken config: same.
  failed = stderr.next(/^doorman: reload failed/)
  await writeFile(configFile, 'limits: { bodySize: lots }\n')
  t.match(await failed, /doorman\.yaml: \/limits\/bodySize: must be a size/)
  t.equal((await fetchJson(`${cli.url}/b`)).status, 200, 'still serving')

  // Fixed again: back in business with the new content.
  reloaded = stdout.next(/^doorman reloaded .*\(2 operations\)$/)
  await writeFile(configFile, 'limits: { bodySize: 1kb }\n')
  await writeFile(specFile, spec(''))
  await reloaded
  // Every request above went to the URL of the ready line: the port never changed.
  t.equal((await fetchJson(`${cli.url}/b`)).body.code, 'ROUTE_NOT_FOUND', 'a removed path is gone')
  t.equal((await post(JSON.stringify({ text: 'abc' }))).status, 201, 'the $ref and the config as they are now')
})

t.test('mock.reload(): a request in flight finishes with the state it started with; run-time fault plans carry over', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'doorman-reload-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const specFile = path.join(dir, 'api.yaml')
  const noteFile = path.join(dir, 'note.yaml')
  await writeFile(noteFile, 'type: object\n')
  await writeFile(specFile, spec(PATH_B))
  const mock = await startServer({ spec: specFile, port: 0 })
  t.teardown(() => mock.close())
  mock.faults.add({ operation: 'getA', kind: 'status', status: 503 })
  mock.faults.add({ operation: 'getB', kind: 'status', status: 429 })

  // Expect: 100-continue holds the request between its header steps and its body: reload right then.
  const body = JSON.stringify({ text: 'a long note' })
  const socket = await connect(mock.url)
  t.teardown(() => socket.destroy())
  const answer = readAll(socket, hasCompleteResponse)
  const continued = new Promise<void>((resolve) => socket.once('data', () => resolve()))
  socket.write(`POST /notes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`)
  await continued
  await writeFile(noteFile, 'type: object\nproperties:\n  text: { type: string, maxLength: 5 }\n')
  await writeFile(specFile, spec(''))
  const { operations, notes } = await mock.reload()
  socket.end(body)
  t.equal(parseResponse(await answer).status, 201, 'the request in flight was checked against the schema it arrived under')
  t.equal(
    (await fetch(`${mock.url}/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status,
    422,
    'a new request meets the new schema',
  )

  t.equal(operations, 2)
  t.match(notes, [/fault plan f2 \(added by library\) dropped: .*getB/], 'a plan naming an operation that is gone is dropped, and said so')
  t.equal((await fetch(`${mock.url}/b`)).status, 404, 'the removed path is gone')
  t.equal((await fetch(`${mock.url}/a`)).status, 503, 'the plan on an operation that still exists carries over')
  t.same(
    mock.faults.list().map((p) => p.id),
    ['f1'],
  )

  // A missing 'info' is only a note now: no 'openapi' field is what makes a file no OpenAPI document.
  await writeFile(specFile, 'info: { title: not an OpenAPI document }\n')
  await t.rejects(mock.reload(), { name: 'SetupError' }, 'a spec that does not load is refused…')
  t.equal((await fetch(`${mock.url}/a`)).status, 503, '…and the mock goes on as it was')
})
