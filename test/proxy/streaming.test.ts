/**
 * Large bodies stream through doorman proxy both ways with flat memory: a
 * 100 MB upload (a binary type: checked for its type and size, not held)
 * and a 100 MB download. A JSON answer too big to check gets a note, not a
 * crash, and still passes through whole.
 */
import { Readable } from 'node:stream'
import t from 'tap'
import { request } from 'undici'
import { fixture, startMock } from '../helpers.js'
import { startUpstream } from './upstream.js'

const SPEC = fixture('specs', 'proxied.yaml')
const SIZE = 100 * 1024 * 1024
/** Growth allowed while 100 MB passes through: both ends of the test run in this process too; buffered whole, it would be over 100 MiB. */
const FLAT_BYTES = 64 * 1024 * 1024

/** Peak resident memory above the start while `work` runs, sampled as it goes. */
async function peakGrowth(work: () => Promise<void>): Promise<number> {
  const start = process.memoryUsage().rss
  let peak = start
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10)
  try {
    await work()
  } finally {
    clearInterval(sampler)
  }
  return Math.max(peak, process.memoryUsage().rss) - start
}

function bytes(total: number): Readable {
  const chunk = Buffer.alloc(64 * 1024, 97)
  let sent = 0
  return new Readable({
    read() {
      if (sent >= total) return this.push(null)
      const n = Math.min(chunk.length, total - sent)
      sent += n
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n))
    },
  })
}

t.test('100 MB up and 100 MB down, memory flat', async (t) => {
  const upstream = await startUpstream(t)
  const mock = await startMock(t, { spec: SPEC, upstream: `${upstream.url}/api` })
  // Warm up: the first request compiles and allocates what every later one reuses.
  await (await fetch(`${mock.url}/v1/orders/1`)).text()
  global.gc?.()

  const up = await peakGrowth(async () => {
    const res = await request(`${mock.url}/v1/files/big`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(SIZE) },
      body: bytes(SIZE),
    })
    t.same(await res.body.json(), { bytes: SIZE }, 'the upstream got every byte')
  })
  t.equal(upstream.uploaded, SIZE)
  t.ok(up < FLAT_BYTES, `upload: memory grew ${(up / 2 ** 20).toFixed(1)} MiB for 100 MiB`)

  let received = 0
  const down = await peakGrowth(async () => {
    const res = await request(`${mock.url}/v1/files/big?bytes=${SIZE}`)
    t.equal(res.headers['content-length'], String(SIZE))
    for await (const chunk of res.body) received += (chunk as Buffer).length
  })
  t.equal(received, SIZE, 'the client got every byte')
  t.ok(down < FLAT_BYTES, `download: memory grew ${(down / 2 ** 20).toFixed(1)} MiB for 100 MiB`)

  const entries = await mock.journal.waitFor({ operation: 'getFile', count: 1 })
  t.same(entries[0].violations, [])
  t.match(entries[0].proxy?.notes, [/application\/octet-stream bodies are checked for their content type and size only/])
})

t.test('a streamed upload over its limit is cut off with 413', async (t) => {
  const upstream = await startUpstream(t)
  const mock = await startMock(t, { spec: SPEC, upstream: `${upstream.url}/api`, config: { operations: { putFile: { bodySize: '1mb' } } } })
  // Chunked: no Content-Length for the size step to refuse up front.
  const res = await request(`${mock.url}/v1/files/big`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes(4 * 1024 * 1024),
  }).catch((error: Error) => error)
  if (res instanceof Error) {
    t.pass(`the upload was cut off (${res.message})`)
  } else {
    t.equal(res.statusCode, 413)
    t.match(await res.body.json(), { code: 'BODY_TOO_LARGE' })
  }
  const [entry] = await mock.journal.waitFor({ code: 'BODY_TOO_LARGE', count: 1 })
  t.equal(entry.status, 413)
})

t.test('an answer too big to check: a note, and it passes through whole', async (t) => {
  const upstream = await startUpstream(t)
  const mock = await startMock(t, { spec: SPEC, upstream: { upstream: `${upstream.url}/api`, checkBytes: 16 } })
  const res = await fetch(`${mock.url}/v1/orders/9`)
  t.same(await res.json(), { id: 9, item: 'tea', token: 'abc' })
  const [entry] = await mock.journal.waitFor({ operation: 'getOrder', count: 1 })
  t.same(entry.violations, [])
  t.match(entry.proxy?.notes, [/larger than the 16 bytes doorman checks/])
})
