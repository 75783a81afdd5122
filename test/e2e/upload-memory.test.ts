import { readFileSync } from 'node:fs'
import t from 'tap'
import { startCli } from '../helpers.js'
import { connect, hasCompleteResponse, parseResponse } from '../raw-http.js'

const GiB = 1024 ** 3
const MiB = 1024 ** 2

/** Resident and peak resident memory of a process, from /proc (Linux). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) * 1024
  return { rss: kb('VmRSS'), peak: kb('VmHWM') }
}

/**
 * Streams `total` bytes as the body (never holding more than one chunk),
 * reading the answer meanwhile; resolves when the server has answered and
 * the whole body has been written (or the server closed the connection).
 */
async function upload(url: string, head: string, total: number, chunked: boolean) {
  const socket = await connect(url)
  let raw = ''
  let answered!: () => void
  const answer = new Promise<void>((resolve) => (answered = resolve))
  socket.on('data', (chunk) => {
    raw += chunk.toString('latin1')
    if (hasCompleteResponse(raw)) answered()
  })
  let closed = false
  socket.on('close', () => {
    closed = true
    answered()
  })
  socket.on('error', () => {})
  socket.write(head)
  const chunk = Buffer.alloc(MiB, 0x61)
  const framed = chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk
  let sent = 0
  while (sent < total && !closed) {
    // The server may close the connection while the client waits for room: 'drain' then never comes.
    if (!socket.write(framed) && !closed)
      await new Promise<void>((resolve) => {
        socket.once('drain', resolve)
        socket.once('close', resolve)
      })
    sent += chunk.length
  }
  if (chunked && !closed) socket.write('0\r\n\r\n')
  await answer
  socket.destroy()
  return { res: parseResponse(raw), sent }
}

t.test('a 1 GiB upload against a 1 MiB limit: answered 413, memory flat', async (t) => {
  const cli = await startCli(t, ['fixtures/specs/rules.yaml', '--log', 'silent'])
  const pid = cli.child.pid!
  // Warm up: the first requests load code and grow the heap once.
  for (let i = 0; i < 3; i++) {
    await upload(cli.url, 'POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n', 10, false)
  }
  const before = memoryOf(pid)
  // VmHWM also holds the start-up peak, so sample RSS while the uploads run.
  let highest = before.rss
  const sampler = setInterval(() => (highest = Math.max(highest, memoryOf(pid).rss)), 20)

  const byLength = await upload(cli.url, `POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${GiB}\r\n\r\n`, GiB, false)
  t.equal(byLength.res.status, 413, 'Content-Length over the limit')
  t.equal(byLength.res.headers.connection, 'close')

  const chunked = await upload(cli.url, 'POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', GiB, true)
  t.equal(chunked.res.status, 413, 'a chunked body crossing the limit')

  clearInterval(sampler)
  const growth = Math.max(highest, memoryOf(pid).rss) - before.rss
  t.comment(
    `RSS before ${(before.rss / MiB).toFixed(1)} MiB (start-up peak ${(before.peak / MiB).toFixed(1)}), highest during uploads ${(highest / MiB).toFixed(1)} MiB`,
  )
  t.ok(growth < 16 * MiB, `peak RSS grew by ${(growth / MiB).toFixed(1)} MiB (< 16 MiB)`)
})
