/**
 * Each fault kind against a real Node client (fetch/undici, or node:http
 * where the bytes matter), asserting what the client sees per issue 5's
 * table, and what the journal records.
 */
import http from 'node:http'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { codes, type DoormanServer } from '../../src/index.js'
import { fetchJson, startMock } from '../helpers.js'

/** What a fetch that failed saw: undici's cause (code and message). */
async function fetchFailure(url: string, init?: RequestInit): Promise<{ name: string; code: string | undefined; message: string | undefined }> {
  try {
    const res = await fetch(url, init)
    await res.arrayBuffer()
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    return { name: (error as Error).name, code: cause?.code, message: cause?.message }
  }
  throw new Error(`expected ${url} to fail`)
}

/** A GET with node:http, counting the body bytes that arrived before the connection broke. */
function httpGet(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer; error: string | undefined }>((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      const done = (error: string | undefined) => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), error })
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => done(undefined))
      res.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message))
    })
    req.on('error', reject)
  })
}

/** Waits until a condition holds, checking every few ms (for what leaves no journal entry yet: a request in flight). */
async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

t.test('delay', async (t) => {
  const mock = await startMock(t, { config: { faults: [{ operation: 'getHealth', kind: 'delay', ms: 300 }] } })

  t.test('a slow answer', async (t) => {
    const start = performance.now()
    const res = await fetchJson(`${mock.url}/health`)
    t.equal(res.status, 200)
    t.same(res.body, { status: 'ok' })
    t.ok(performance.now() - start >= 295, 'took at least the delay')
    const [entry] = await mock.journal.waitFor({ operation: 'getHealth' })
    t.match(entry, { status: 200, step: 'respond', fault: { kind: 'delay', source: 'config', delayMs: 300, plans: [{ id: 'f1', attempt: 1 }] } })
    t.ok(entry.responseStartMs! >= 295 && entry.responseEndMs! >= entry.responseStartMs!)
  })

  t.test('a client that will not wait gives up, and the journal says when', async (t) => {
    mock.journal.clear()
    const failure = await fetchFailure(`${mock.url}/health`, { signal: AbortSignal.timeout(100) })
    t.equal(failure.name, 'TimeoutError')
    const [entry] = await mock.journal.waitFor({ operation: 'getHealth' })
    t.equal(entry.status, 200, 'the status it would have had')
    t.equal(entry.responseStartMs, undefined, 'nothing was sent')
    t.ok(entry.clientGaveUpMs! >= 50 && entry.clientGaveUpMs! < 290, `gave up after ~100 ms (${entry.clientGaveUpMs})`)
    t.match(entry.detail, /the client gave up after \d+ ms/)
  })

  t.test('Prefer: delay= postpones refusals too', async (t) => {
    const start = performance.now()
    const res = await fetchJson(`${mock.url}/orders`, { headers: { prefer: 'delay=200' } })
    t.equal(res.status, 401, 'the auth step still refuses: a delay alone replaces nothing')
    t.ok(performance.now() - start >= 195)
    t.match(res.headers.get('preference-applied'), /delay=200/)
    const [entry] = await mock.journal.waitFor({ operation: 'listOrders' })
    t.match(entry, { step: 'auth', fault: { kind: 'delay', source: 'prefer', delayMs: 200 } })
  })

  t.test('{ min, max } with a seed repeats the same waits', async (t) => {
    const waits = async () => {
      const m = await startMock(t, { config: { faults: [{ operation: 'getHealth', kind: 'delay', ms: { min: 10, max: 60 }, seed: 7 }] } })
      for (let i = 0; i < 3; i++) await fetchJson(`${m.url}/health`)
      return (await m.journal.waitFor({ count: 3 })).map((e) => e.fault!.delayMs)
    }
    const first = await waits()
    t.ok(
      first.every((ms) => ms >= 10 && ms <= 60),
      String(first),
    )
    t.same(await waits(), first)
  })
})

t.test('status', async (t) => {
  const mock = await startMock(t)

  t.test('503 with Retry-After, twice, then the normal answer', async (t) => {
    const [plan] = mock.faults.add({ operation: 'getHealth', kind: 'status', status: 503, retryAfter: 1, times: 2 })
    t.equal(plan.id, 'f1')
    for (const attempt of [1, 2]) {
      const res = await fetchJson(`${mock.url}/health`)
      t.equal(res.status, 503)
      t.equal(res.headers.get('retry-after'), '1')
      t.match(res.headers.get('content-type'), /^application\/problem\+json/)
      t.match(res.body, { code: codes.FAULT_STATUS, status: 503, title: 'Service Unavailable', step: 'fault', retryAfter: 1, fault: { plan: 'f1', attempt } })
      t.match(res.body.detail, /on purpose.*Retry after 1 s\./)
    }
    t.equal((await fetchJson(`${mock.url}/health`)).status, 200)
    t.match(mock.faults.list()[0], { attempts: 3, applied: 2, remaining: 0 })
    const entries = await mock.journal.waitFor({ operation: 'getHealth', count: 3 })
    t.same(
      entries.map((e) => [e.status, e.code, e.retryAfter]),
      [
        [503, 'FAULT_STATUS', '1'],
        [503, 'FAULT_STATUS', '1'],
        [200, undefined, undefined],
      ],
    )
    mock.reset()
  })

  t.test('a plan body, headers and an HTTP-date Retry-After', async (t) => {
    const date = 'Wed, 21 Oct 2037 07:28:00 GMT'
    mock.faults.add({ kind: 'status', status: 429, retryAfter: date, body: { error: 'slow down' }, headers: { 'X-RateLimit-Remaining': '0' } })
    const res = await fetchJson(`${mock.url}/orders/o-1`)
    t.equal(res.status, 429)
    t.same(res.body, { error: 'slow down' })
    t.equal(res.headers.get('retry-after'), date)
    t.equal(res.headers.get('x-ratelimit-remaining'), '0')
    mock.reset()
  })

  t.test('Prefer: code=503 (and 429) on an operation that does not document it: problem+json', async (t) => {
    const res = await fetchJson(`${mock.url}/health`, { headers: { prefer: 'code=503, retry-after=3' } })
    t.equal(res.status, 503)
    t.equal(res.headers.get('retry-after'), '3')
    t.equal(res.headers.get('preference-applied'), 'code=503, retry-after=3')
    t.match(res.body, { code: codes.FAULT_STATUS, fault: { source: 'prefer' } })
    t.equal((await fetchJson(`${mock.url}/health`, { headers: { prefer: 'code=429' } })).status, 429)
  })

  t.test('Prefer keeps 400 for what is not a fault', async (t) => {
    const teapot = await fetchJson(`${mock.url}/health`, { headers: { prefer: 'code=418' } })
    t.equal(teapot.status, 400)
    t.equal(teapot.body.code, codes.PREFER_UNSATISFIABLE, 'an undocumented non-fault status is the respond step’s refusal')
    const typo = await fetchJson(`${mock.url}/health`, { headers: { prefer: 'fault=hnag' } })
    t.equal(typo.status, 400)
    t.equal(typo.body.code, codes.FAULT_PREFER_INVALID)
    t.match(typo.body.detail, /did you mean fault=hang\?/)
  })
})

t.test('a documented status uses the documented body; x-doorman.faults plans it', async (t) => {
  const spec = {
    openapi: '3.1.0',
    info: { title: 'Sick', version: '1' },
    paths: {
      '/things': {
        get: {
          operationId: 'listThings',
          'x-doorman': { faults: [{ kind: 'status', status: 503, retryAfter: 2, times: 1 }] },
          responses: {
            '200': { description: 'ok', content: { 'application/json': { example: [{ id: 1 }] } } },
            '503': { description: 'down', content: { 'application/json': { example: { message: 'down for maintenance' } } } },
          },
        },
      },
    },
  }
  const mock = await startMock(t, { spec })
  const first = await fetchJson(`${mock.url}/things`)
  t.equal(first.status, 503)
  t.same(first.body, { message: 'down for maintenance' })
  t.equal(first.headers.get('retry-after'), '2')
  t.equal((await fetchJson(`${mock.url}/things`)).status, 200, 'times: 1')
  const preferred = await fetchJson(`${mock.url}/things`, { headers: { prefer: 'code=503' } })
  t.same(preferred.body, { message: 'down for maintenance' })
  t.equal(preferred.headers.get('preference-applied'), 'code=503')
  const entries = await mock.journal.waitFor({ count: 3 })
  t.match(entries[0], { step: 'fault', code: 'FAULT_STATUS', fault: { source: 'spec' } })
  t.match(mock.faults.list()[0], { source: 'spec', plan: { operation: 'listThings' } })

  const bad = structuredClone(spec)
  bad.paths['/things'].get['x-doorman'] = { faults: [{ kind: 'status', status: 503, operation: 'other' }] } as never
  await t.rejects(startMock(t, { spec: bad }), {
    name: 'SetupError',
    message: /\/paths\/~1things\/get\/x-doorman\/faults\/0\/operation: a fault in x-doorman applies to its own operation/,
  })
})

t.test('hang: no byte ever, until the client gives up', async (t) => {
  const mock = await startMock(t, { config: { faults: [{ operation: 'getOrder', kind: 'hang' }] } })
  const failure = await fetchFailure(`${mock.url}/orders/o-1001`, { signal: AbortSignal.timeout(300) })
  t.equal(failure.name, 'TimeoutError', 'the client’s own timeout fires')
  const [entry] = await mock.journal.waitFor({ operation: 'getOrder' })
  t.match(entry, { status: 0, step: 'fault', code: undefined, responseStartMs: undefined, responseEndMs: undefined, fault: { kind: 'hang' } })
  // Measured from the request's arrival: the client's clock also counted connecting.
  t.ok(entry.clientGaveUpMs! >= 200 && entry.clientGaveUpMs! < 1000, `gave up after ~300 ms (${entry.clientGaveUpMs})`)
  t.ok(entry.connection > 0)
})

t.test('mock.close() closes promptly with a hung connection open, and journals it', async (t) => {
  const mock = await startMock(t)
  const pending = fetchFailure(`${mock.url}/health`, { headers: { prefer: 'fault=hang' } })
  await until(() => mock.report().inFlight.length === 1, 'the hung request to arrive')
  t.match(mock.report().inFlight[0], { operation: 'getHealth', fault: 'hang' })
  const start = performance.now()
  await mock.close()
  t.ok(performance.now() - start < 1000, 'closed without waiting for the client')
  t.equal((await pending).code, 'UND_ERR_SOCKET')
  const [entry] = await mock.journal.waitFor({ operation: 'getHealth' })
  t.equal(entry.clientGaveUpMs, undefined, 'the server closed it, the client did not give up')
  t.match(entry.detail, /the server closed the connection first/)
})

t.test('reset: a real RST, ECONNRESET', async (t) => {
  const mock = await startMock(t)
  mock.faults.add({ operation: 'getHealth', kind: 'reset', delay: 50 })
  const start = performance.now()
  const failure = await fetchFailure(`${mock.url}/health`)
  t.equal(failure.code, 'ECONNRESET')
  t.ok(performance.now() - start >= 45, 'after the plan’s delay')
  const [entry] = await mock.journal.waitFor({ operation: 'getHealth' })
  t.match(entry, { status: 0, step: 'fault', clientGaveUpMs: undefined, fault: { kind: 'reset', source: 'library', delayMs: 50 } })
})

t.test('close: FIN without a response, "other side closed" (a POST with a body too)', async (t) => {
  const mock = await startMock(t)
  mock.faults.add({ operation: 'createOrder', kind: 'close' })
  const failure = await fetchFailure(`${mock.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customerId: 'c-123', items: [{ sku: 'ABC-1234', qty: 1 }], note: 'x'.repeat(150) }),
  })
  t.equal(failure.code, 'UND_ERR_SOCKET')
  t.equal(failure.message, 'other side closed')
  const [entry] = await mock.journal.waitFor({ operation: 'createOrder' })
  t.match(entry, { status: 0, step: 'fault', fault: { kind: 'close' } })
})

t.test('partial: status and headers arrive, the body breaks off', async (t) => {
  const mock = await startMock(t, { config: { faults: [{ operation: 'getOrder', kind: 'partial', bytes: 20 }] } })
  const res = await fetch(`${mock.url}/orders/o-1001`)
  t.equal(res.status, 200)
  t.equal(res.headers.get('content-type'), 'application/json')
  await t.rejects(res.text(), { name: 'TypeError', message: 'terminated', cause: { code: 'UND_ERR_SOCKET' } })

  const raw = await httpGet(`${mock.url}/orders/o-1001`)
  t.equal(raw.body.length, 20, 'exactly the bytes the plan said')
  t.ok(Number(raw.headers['content-length']) > 20, 'fewer than Content-Length promised')
  t.equal(raw.error, 'ECONNRESET')
  const entries = await mock.journal.waitFor({ operation: 'getOrder', count: 2 })
  t.match(entries[0], { status: 200, step: 'fault', responseEndMs: undefined, clientGaveUpMs: undefined, fault: { kind: 'partial' } })
  t.ok(entries[0].responseStartMs! >= 0)
})

t.test('garbage: bytes that are not HTTP, a parse error', async (t) => {
  const mock = await startMock(t)
  const failure = await fetchFailure(`${mock.url}/health`, { headers: { prefer: 'fault=garbage' } })
  t.equal(failure.code, 'HPE_INVALID_CONSTANT')
  t.match(failure.message, /Expected HTTP\//)
  const [entry] = await mock.journal.waitFor({ operation: 'getHealth' })
  t.match(entry, { status: 0, step: 'fault', fault: { kind: 'garbage', source: 'prefer' } })
})

t.test('drip: the body trickles in small chunks', async (t) => {
  const mock = await startMock(t)
  mock.faults.add({ operation: 'getOrder', kind: 'drip', chunkBytes: 40, intervalMs: 25 })
  const start = performance.now()
  const res = await fetch(`${mock.url}/orders/o-1001`)
  t.equal(res.status, 200)
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let chunks = 0
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    chunks++
    text += decoder.decode(read.value, { stream: true })
  }
  const length = Number(res.headers.get('content-length'))
  t.ok(chunks >= Math.ceil(length / 40) - 1, `arrived in pieces (${chunks} chunks for ${length} bytes)`)
  t.ok(performance.now() - start >= (Math.ceil(length / 40) - 1) * 25, 'one piece every interval')
  t.equal(JSON.parse(text).id, 'o-1001', 'the whole documented body, in the end')
  const [entry] = await mock.journal.waitFor({ operation: 'getOrder' })
  t.match(entry, { status: 200, step: 'fault', fault: { kind: 'drip' } })
  t.ok(entry.responseEndMs! - entry.responseStartMs! >= (Math.ceil(length / 40) - 1) * 25 - 5)
})

t.test('faults come before auth and the body checks, and replace them', async (t) => {
  const mock: DoormanServer = await startMock(t)
  const res = await fetchJson(`${mock.url}/orders`, {
    method: 'POST',
    headers: { prefer: 'code=502', 'content-type': 'text/plain' },
    body: 'not even JSON',
  })
  t.equal(res.status, 502, 'no token, wrong media type: the fault answers first')
  t.equal(res.body.code, codes.FAULT_STATUS)
})
