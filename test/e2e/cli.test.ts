import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import t, { type Test } from 'tap'
import { fixture, runCli, runCliAll, startCli } from '../helpers.js'

const READY = /^doorman listening on http:\/\/127\.0\.0\.1:(\d+)$/

// Each CLI run is a fresh Node process; on a busy machine they are slow. The subtests are independent (each its own
// processes on port 0): they run three at a time, most of their time is spent waiting for a child to start or exit.
t.setTimeout(180_000)
t.jobs = 3

/** A setup failure: exit 2, one line on stderr, never a stack trace. */
function assertSetupFailure(t: Test, result: { code: number | null; stdout: string; stderr: string }, what: string) {
  t.equal(result.code, 2, `${what}: exit code 2`)
  t.equal(result.stderr.trimEnd().split('\n').length, 1, `${what}: one line on stderr (${result.stderr.trim()})`)
  t.notMatch(result.stderr, /^\s+at /m, `${what}: no stack trace`)
  t.match(result.stderr, /^doorman: /, `${what}: says who is talking`)
  t.equal(result.stdout, '', `${what}: nothing on stdout`)
}

function assertUsageFailure(t: Test, result: { code: number | null; stderr: string }, message: RegExp, what: string) {
  t.equal(result.code, 2, `${what}: exit code 2`)
  t.match(result.stderr, message, `${what}: says what is wrong`)
  t.match(result.stderr, /usage:\n[^]* {2}doorman serve \[SPEC\]/, `${what}: shows the usage`)
  t.notMatch(result.stderr, /^\s+at /m, `${what}: no stack trace`)
}

t.test('serve: the ready line and one pretty log line per request', async (t) => {
  const cli = await startCli(t)
  t.match(cli.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.not(new URL(cli.url).port, '0', '--port 0 shows the port it took')

  await fetch(`${cli.url}/ordrs`).then((res) => res.arrayBuffer())
  const refused = await cli.nextLine(/^GET \/ordrs /)
  t.match(refused, /^GET \/ordrs 404 ROUTE_NOT_FOUND \d+(\.\d+)?ms → No documented path matches \/ordrs\. Did you mean \/orders\?$/)

  await fetch(`${cli.url}/health`).then((res) => res.arrayBuffer())
  const answered = await cli.nextLine(/^GET \/health /)
  t.match(answered, /^GET \/health 200 getHealth \d+(\.\d+)?ms$/)

  t.equal(await cli.stop('SIGTERM'), 0)
})

t.test('serve --log json: a JSON ready line, then one JSON line per request', async (t) => {
  const cli = await startCli(t, ['--log', 'json'])
  t.match(cli.url, /^http:\/\/127\.0\.0\.1:\d+$/, 'the url comes from the JSON ready line')
  await fetch(`${cli.url}/ordrs?x=1`).then((res) => res.arrayBuffer())
  await fetch(`${cli.url}/health`).then((res) => res.arrayBuffer())
  const refused = JSON.parse(await cli.nextLine(/"path":"\/ordrs"/))
  const answered = JSON.parse(await cli.nextLine(/"path":"\/health"/))
  const shape = ['time', 'requestId', 'method', 'path', 'operation', 'status', 'step', 'code', 'detail', 'durationMs', 'fault']
  t.same(Object.keys(refused), shape, 'a stable shape')
  t.same(Object.keys(answered), shape, 'the same shape for an answer')
  t.match(refused, { method: 'GET', path: '/ordrs', operation: null, status: 404, step: 'route', code: 'ROUTE_NOT_FOUND' })
  t.match(refused.detail, /Did you mean \/orders\?/)
  t.match(refused.requestId, /^r-\d{6}$/)
  t.ok(!Number.isNaN(Date.parse(refused.time)))
  t.equal(typeof refused.durationMs, 'number')
  t.match(answered, { path: '/health', operation: 'getHealth', status: 200, step: 'respond', code: null, detail: null })
  t.ok(
    cli.lines.every((line) => line.startsWith('{')),
    'nothing but JSON lines',
  )
  const started = Date.now()
  t.equal(await cli.stop('SIGINT'), 0, 'SIGINT: exit code 0')
  t.ok(Date.now() - started < 5000, `SIGINT: within 5 s (${Date.now() - started} ms)`)
})

t.test('serve --log silent prints only the ready line (and --config is read)', async (t) => {
  const cli = await startCli(t, ['--log', 'silent', '--config', 'fixtures/configs/small-journal.yaml'])
  t.match(`doorman listening on ${cli.url}`, READY)
  const closed = once(cli.child, 'close')
  await fetch(`${cli.url}/ordrs`).then((res) => res.arrayBuffer())
  const health = await fetch(`${cli.url}/__doorman/health`).then((res) => res.json())
  t.equal(health.journal.capacity, 3, 'journal.size from the config file')
  t.equal(await cli.stop('SIGTERM'), 0)
  await closed
  t.same(cli.lines, [], 'no line after the ready line')
})

t.test('SIGTERM exits 0 promptly, even with a keep-alive connection open', async (t) => {
  const cli = await startCli(t, ['--log', 'silent'])
  const agent = new http.Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  await new Promise<void>((resolve, reject) => {
    http.get(`${cli.url}/health`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject)
  })
  const started = Date.now()
  t.equal(await cli.stop('SIGTERM'), 0, 'exit code 0')
  t.ok(Date.now() - started < 5000, `within 5 s (${Date.now() - started} ms)`)
})

t.test('bad arguments: exit 2 with the usage', async (t) => {
  const [unknownOption, badPort, badLog, unknownCommand] = await runCliAll([
    ['serve', '--prot', '4010'],
    ['serve', '--port', '70000'],
    ['serve', '--log', 'loud'],
    ['srve'],
  ])
  assertUsageFailure(t, unknownOption, /^doorman: Unknown option '--prot'/, 'unknown option')
  assertUsageFailure(t, badPort, /^doorman: --port must be a number from 0 to 65535, got '70000'/, 'bad --port')
  assertUsageFailure(t, badLog, /^doorman: --log must be pretty, json or silent, got 'loud'/, 'bad --log')
  assertUsageFailure(t, unknownCommand, /^doorman: unknown command 'srve'/, 'unknown command')
})

t.test('--version and --help answer on stdout with exit 0, also after a command', async (t) => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  const [long, short, help, serveHelp, tokenHelp] = await runCliAll([['--version'], ['-v'], ['--help'], ['serve', '--help'], ['token', '-h']])
  for (const [name, result] of Object.entries({ long, short })) {
    t.equal(result.code, 0, `${name}: exit 0`)
    t.equal(result.stdout, `doorman ${version}\n`, `${name}: the package's version`)
  }
  for (const [name, result] of Object.entries({ help, serveHelp, tokenHelp })) {
    t.equal(result.code, 0, `${name}: exit 0`)
    t.match(result.stdout, /^usage:\n[^]*doorman serve \[SPEC\][^]*doorman token /, `${name}: the usage on stdout`)
    t.equal(result.stderr, '', `${name}: nothing on stderr`)
  }
})

t.test('a port that is taken: exit 2 with a hint', async (t) => {
  const blocker = net.createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => blocker.close())
  const port = (blocker.address() as net.AddressInfo).port
  const result = await runCli(['serve', '--port', String(port), '--log', 'silent'])
  assertSetupFailure(t, result, 'port taken')
  t.match(result.stderr, /EADDRINUSE.*--port/)
})

t.test('check lists the operations and their rules', async (t) => {
  const [orders, petstore, split] = await runCliAll([
    ['check'],
    ['check', fixture('specs', 'petstore-3.0.yaml')],
    ['check', fixture('specs', 'split', 'main.yaml')],
  ])
  t.equal(orders.code, 0)
  t.equal(orders.stderr, '')
  const lines = orders.stdout.trimEnd().split('\n')
  t.match(lines[0], /^openapi\.yaml: OpenAPI 3\.1\.0, "Orders API" 1\.0\.0; 10 operation\(s\)$/)
  for (const id of [
    'getHealth',
    'listOrders',
    'createOrder',
    'listMyOrders',
    'getOrder',
    'replaceOrder',
    'deleteOrder',
    'updateOrder',
    'uploadAttachment',
    'createFeedback',
  ]) {
    t.ok(
      lines.some((line) => new RegExp(`\\b${id}\\b`).test(line)),
      `lists ${id}`,
    )
  }
  t.match(orders.stdout, /POST\s+\/orders\s+createOrder\s+auth: bearerAuth\s+body: application\/json \(required, ≤ 1 MiB\)/)

  t.equal(petstore.code, 0)
  t.match(petstore.stdout, /^fixtures\/specs\/petstore-3\.0\.yaml: OpenAPI 3\.0\.3, .*; 4 operation\(s\), base path \/api\/v1\n/)
  t.match(petstore.stdout, /GET\s+\/api\/v1\/pets\/\{petId\}\/owner\s+getPetOwner/)

  t.equal(split.code, 0, '$refs across files resolve from the CLI too')
  t.match(split.stdout, /GET\s+\/v2\/widgets\s+listWidgets/)
})

t.test('a file that is not YAML/JSON, or not OpenAPI/Swagger: check and serve stop with exit 2 and one line naming the file', async (t) => {
  // The other files in broken/ are mistakes doorman works around (notes): the route table's tests own them.
  const names = ['yaml-syntax.yaml', 'json-syntax.json', 'not-openapi.yaml', 'unsupported-version.yaml', 'swagger-1.2.yaml']
  const results = await runCliAll([
    ...names.map((name) => ['check', fixture('specs', 'broken', name)]),
    ['serve', fixture('specs', 'broken', 'yaml-syntax.yaml'), '--port', '0'],
  ])
  const serve = results.pop()!
  names.forEach((name, i) => {
    const result = results[i]
    assertSetupFailure(t, result, `check ${name}`)
    t.match(result.stderr, /^doorman: fixtures\/specs\/broken\/[\w.-]+: /, `check ${name}: names the file`)
  })
  const expectations: Record<string, RegExp> = {
    'yaml-syntax.yaml': /^doorman: fixtures\/specs\/broken\/yaml-syntax\.yaml: 6:\d+: YAML syntax error: /,
    'not-openapi.yaml': /: \/openapi: not an OpenAPI document/,
    'swagger-1.2.yaml': /: \/swagger: unsupported Swagger version '1\.2'/,
  }
  for (const [name, pattern] of Object.entries(expectations)) {
    t.match(results[names.indexOf(name)].stderr, pattern, `check ${name}: says where and what`)
  }

  assertSetupFailure(t, serve, 'serve yaml-syntax.yaml')
  t.match(serve.stderr, /yaml-syntax\.yaml: 6:\d+: YAML syntax error/)
})

t.test('a document with mistakes: serve starts and notes them on stderr, check lists them grouped by kind', async (t) => {
  const spec = fixture('specs', 'real-world-cases', 'load-unresolvable-refs.yaml')
  const [check, verbose, strict, clean, served] = await runCliAll([
    ['check', spec],
    ['check', spec, '--verbose'],
    ['check', spec, '--strict'],
    ['check', fixture('specs', 'petstore-3.0.yaml'), '--strict'],
    ['serve', spec, '--port', '0', '--strict'],
  ])
  t.equal(check.code, 0, 'check: exit 0, notes are not errors')
  t.equal(check.stderr, '')
  const noteLines = check.stdout.split('\n').filter((line) => line.startsWith('note: '))
  t.match(check.stdout, /^6 notes: 6 ref$/m, 'a count of each kind')
  t.equal(noteLines.length, 6, 'the first five of the kind, then a count of the rest')
  t.match(
    noteLines[0],
    /^note: fixtures\/specs\/real-world-cases\/load-unresolvable-refs\.yaml: \/paths\/~1notes\/post\/parameters\/0: cannot resolve \$ref '#\/components\/parameters\/Missing'/,
  )
  t.equal(noteLines[5], "note: … and 1 more 'ref' note (--verbose lists them all)")
  t.equal(verbose.stdout.split('\n').filter((line) => line.startsWith('note: ')).length, 6, '--verbose: every note, no count line')
  t.match(verbose.stdout, /^note: fixtures\/specs\/real-world-cases\/parts\/refs-part\.yaml: \/Meta\/properties\/owner: /m)
  t.equal(strict.code, 1, 'check --strict: exit 1')
  t.equal(strict.stdout, check.stdout, 'the same report')
  t.equal(strict.stderr, 'doorman: --strict: 6 notes about the description: 6 ref\n')
  t.equal(clean.code, 0, 'check --strict on a document without notes: exit 0')

  t.equal(served.code, 1, 'serve --strict: exit 1')
  t.equal(served.stdout, '', 'never ready')
  const stderr = served.stderr.trimEnd().split('\n')
  t.equal(stderr.length, 8, 'the grouped notes, the count, and why it stops')
  t.ok(stderr.slice(0, 6).every((line) => line.startsWith('doorman: note: ')))
  t.equal(stderr[6], 'doorman: 6 notes: 6 ref (--verbose or doorman check --verbose lists them all)')
  t.equal(stderr[7], 'doorman: --strict: 6 notes about the description: 6 ref; not serving')

  const cli = await startCli(t, [spec, '--log', 'silent'])
  t.equal((await fetch(`${cli.url}/ping`)).status, 200, 'without --strict it serves')
  t.equal(await cli.stop(), 0)
})

t.test('a missing spec file', async (t) => {
  const result = await runCli(['serve', 'fixtures/specs/nope.yaml', '--port', '0'])
  assertSetupFailure(t, result, 'missing spec')
  t.equal(result.stderr, 'doorman: fixtures/specs/nope.yaml: cannot read the OpenAPI document: no such file\n')
})

t.test('config errors through --config', async (t) => {
  const cases: Array<[string, RegExp]> = [
    [
      'unknown-key.yaml',
      /^doorman: fixtures\/configs\/broken\/unknown-key\.yaml: \/journal\/sise: unknown key 'sise' \(allowed here: size, redact, redactDefaults, redactBodyFields, bodyBytes\)$/m,
    ],
    ['wrong-type.yaml', /^doorman: fixtures\/configs\/broken\/wrong-type\.yaml: \/journal\/size: must be integer$/m],
    ['bad-size.yaml', /^doorman: fixtures\/configs\/broken\/bad-size\.yaml: \/limits\/bodySize: must be a size/],
    ['nope.yaml', /^doorman: fixtures\/configs\/broken\/nope\.yaml: cannot read the config file: no such file$/m],
  ]
  const results = await runCliAll(cases.map(([name]) => ['serve', '--port', '0', '--config', `fixtures/configs/broken/${name}`]))
  cases.forEach(([name, pattern], i) => {
    assertSetupFailure(t, results[i], `--config ${name}`)
    t.match(results[i].stderr, pattern, `--config ${name}: the file and the key path`)
  })
})
