/**
 * `doorman proxy` as users run it: the ready line, the summary at shutdown,
 * --fail-on-violation's exit code for CI, the usage errors, and --record
 * writing a spec that `doorman serve` then answers from.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { fixture, runCliAll, startCli } from '../helpers.js'
import { startUpstream } from './upstream.js'

const SPEC = fixture('specs', 'proxied.yaml')

// The subtests are independent (each its own upstream and processes on port 0) and mostly wait on a child: three at a time.
t.jobs = 3

const post = (url: string, answer: string) =>
  fetch(`${url}/v1/orders`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-upstream-answer': answer }, body: '{"item":"tea"}' }).then(
    (res) => res.text().then(() => res.status),
  )

t.test('the ready line names the upstream; conforming answers exit 0 under --fail-on-violation', async (t) => {
  const upstream = await startUpstream(t)
  const proxy = await startCli(t, [SPEC, '--upstream', `${upstream.url}/api`, '--fail-on-violation', '--log', 'silent'], undefined, 'proxy')
  t.match(proxy.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.equal(await post(proxy.url, 'good'), 201)
  t.equal(await proxy.stop('SIGTERM'), 0, 'exit 0: no answer broke the contract')
  t.match(proxy.stderr(), /doorman proxy to http:\/\/127\.0\.0\.1:\d+\/api: 1 forwarded, 1 answers checked, none broke the contract/)
})

t.test('--fail-on-violation: exit 1 at shutdown, with the summary', async (t) => {
  const upstream = await startUpstream(t)
  const proxy = await startCli(t, [SPEC, '--upstream', `${upstream.url}/api`, '--fail-on-violation'], undefined, 'proxy')
  t.equal(await post(proxy.url, 'wrong-type'), 201, 'the client still gets the answer as sent')
  t.equal(await post(proxy.url, 'good'), 201)
  const line = await proxy.nextLine(/violations/)
  t.match(
    line,
    /POST \/v1\/orders 201 createOrder .*⚠ 2 violations: response body \/id: must be integer, got "seven"/,
    'the pretty log line: count and first violation',
  )
  t.equal(await proxy.stop('SIGTERM'), 1, 'exit 1')
  t.match(proxy.stderr(), /2 forwarded, 2 answers checked, 1 broke the contract \(2 violations: createOrder 2\)/)
  t.match(proxy.stderr(), /--fail-on-violation: 1 answer\(s\) broke the contract; exit 1/)
})

t.test('without --fail-on-violation the same run exits 0', async (t) => {
  const upstream = await startUpstream(t)
  const proxy = await startCli(t, [SPEC, '--upstream', `${upstream.url}/api`, '--log', 'json'], undefined, 'proxy')
  t.equal(await post(proxy.url, 'wrong-type'), 201)
  const line = JSON.parse(await proxy.nextLine(/"violations"/)) as { violations: number; status: number }
  t.match(line, { status: 201, violations: 2 }, 'the JSON log line counts them')
  t.equal(await proxy.stop('SIGTERM'), 0)
})

t.test('usage errors: exit 2 with the reason', async (t) => {
  const [missing, bad, timeout, serveOnly] = await runCliAll([
    ['proxy', SPEC, '--port', '0'],
    ['proxy', SPEC, '--upstream', 'ftp://example.com'],
    ['proxy', SPEC, '--upstream', 'http://127.0.0.1:1', '--upstream-timeout', '2s'],
    ['serve', SPEC, '--upstream', 'http://127.0.0.1:1'],
  ])
  t.equal(missing.code, 2)
  t.match(missing.stderr, /proxy needs --upstream URL/)
  t.equal(bad.code, 2)
  t.match(bad.stderr, /--upstream must be an http:\/\/ or https:\/\/ URL/)
  t.equal(timeout.code, 2)
  t.match(timeout.stderr, /--upstream-timeout is in milliseconds/)
  t.equal(serveOnly.code, 2, 'serve has no --upstream')
  t.match(serveOnly.stderr, /Unknown option '--upstream'/)
})

t.test('--record writes the spec with the answers seen; doorman serve answers from it', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'doorman-record-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const recorded = path.join(dir, 'recorded.yaml')
  const upstream = await startUpstream(t)
  const proxy = await startCli(t, [SPEC, '--upstream', `${upstream.url}/api`, '--record', recorded, '--log', 'silent'], undefined, 'proxy')
  const order = await fetch(`${proxy.url}/v1/orders/42`)
  t.same(await order.json(), { id: 42, item: 'tea', token: 'abc' })
  t.equal(await post(proxy.url, 'wrong-type'), 201, 'an answer that broke the contract is not recorded')
  t.equal(await proxy.stop('SIGTERM'), 0)
  t.match(proxy.stderr(), /--record: wrote .*recorded\.yaml/)

  const document = parse(readFileSync(recorded, 'utf8')) as {
    paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { examples?: object }> }> }>>
  }
  const examples = document.paths['/orders/{orderId}'].get.responses['200'].content['application/json'].examples
  t.match(examples, { 'observed-1': { value: { id: 42, item: 'tea', token: '[redacted]' } } }, 'the observed answer, its secret redacted')
  t.notOk(document.paths['/orders'].post.responses['201'].content['application/json'].examples, 'the wrong answer was left out')

  const mock = await startCli(t, [recorded, '--log', 'silent'])
  const served = await fetch(`${mock.url}/v1/orders/42`)
  t.equal(served.status, 200)
  t.same(await served.json(), { id: 42, item: 'tea', token: '[redacted]' }, 'doorman serve answers with what the real API said')
})
