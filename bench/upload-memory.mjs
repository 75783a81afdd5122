// A 1 GiB upload against a 1 MiB limit, by Content-Length and chunked: the
// answer is 413 and doorman's RSS grows by less than 16 MiB (sampled from
// /proc every 20 ms while the bytes flow). The same check as
// test/e2e/upload-memory.test.ts, with the numbers printed.
//
//   npm run build && node bench/upload-memory.mjs
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const CLI = (process.env.DOORMAN_CLI ?? 'dist/doorman.js').split(',')[0]
const MiB = 1024 ** 2
const GiB = 1024 ** 3

export function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024
}

/**
 * Streams `total` bytes as the body, one 1 MiB chunk at a time, and keeps
 * sending after the answer and the server's FIN (allowHalfOpen: a client that
 * writes its whole body before reading), so that doorman really reads and
 * drops the whole GiB; resolves with the status and the bytes sent.
 */
async function upload(port, head, total, chunked) {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true })
  await once(socket, 'connect')
  let raw = ''
  let closed = false
  const answered = new Promise((resolve) => {
    socket.on('data', (chunk) => {
      raw += chunk.toString('latin1')
      const end = raw.indexOf('\r\n\r\n')
      const length = Number(/content-length:\s*(\d+)/i.exec(raw)?.[1] ?? 0)
      if (end !== -1 && raw.length >= end + 4 + length) resolve()
    })
    socket.on('close', () => {
      closed = true
      resolve()
    })
  })
  socket.on('error', () => {})
  socket.write(head)
  const chunk = Buffer.alloc(MiB, 0x61)
  const framed = chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk
  let sent = 0
  for (; sent < total && !closed; sent += chunk.length) {
    if (!socket.write(framed)) await drainedOrClosed(socket)
  }
  if (chunked && !closed) socket.write('0\r\n\r\n')
  await answered
  socket.destroy()
  return { status: Number(raw.slice(9, 12)), sent }
}

function drainedOrClosed(socket) {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done)
      socket.off('close', done)
      resolve()
    }
    socket.on('drain', done)
    socket.on('close', done)
  })
}

export async function runUploadMemory() {
  const child = spawn(process.execPath, [CLI, 'serve', 'fixtures/specs/rules.yaml', '--port', '0', '--log', 'silent'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const [line] = await once(createInterface({ input: child.stdout }), 'line')
  const port = Number(/:(\d+)\s*$/.exec(line)[1])
  const small = 'POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n'
  for (let i = 0; i < 3; i++) await upload(port, small, 10, false)
  const before = rssOf(child.pid)
  let highest = before
  const sampler = setInterval(() => (highest = Math.max(highest, rssOf(child.pid))), 20)
  const started = performance.now()
  const { status: byLength, sent: lengthSent } = await upload(
    port,
    `POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${GiB}\r\n\r\n`,
    GiB,
    false,
  )
  const lengthMs = performance.now() - started
  const chunkedStarted = performance.now()
  const { status: chunked, sent: chunkedSent } = await upload(
    port,
    'POST /things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
    GiB,
    true,
  )
  const chunkedMs = performance.now() - chunkedStarted
  clearInterval(sampler)
  highest = Math.max(highest, rssOf(child.pid))
  child.kill('SIGTERM')
  await once(child, 'exit')
  return { before, highest, growth: highest - before, byLength, chunked, lengthMs, chunkedMs, lengthSent, chunkedSent }
}

export function formatUploadMemory(r) {
  const mib = (bytes) => (bytes / MiB).toFixed(1)
  const ok = r.growth < 16 * MiB && r.byLength === 413 && r.chunked === 413
  return [
    '1 GiB upload against the 1 MiB limit (fixtures/specs/rules.yaml), RSS sampled every 20 ms:',
    '',
    '| RSS before MiB | highest during MiB | growth MiB | Content-Length answer | chunked answer | target |',
    '| --- | --- | --- | --- | --- | --- |',
    `| ${mib(r.before)} | ${mib(r.highest)} | ${mib(r.growth)} | ${r.byLength}, ${mib(r.lengthSent)} MiB sent in ${(r.lengthMs / 1000).toFixed(1)} s | ${r.chunked}, ${mib(r.chunkedSent)} MiB sent in ${(r.chunkedMs / 1000).toFixed(1)} s | < 16 MiB${ok ? '' : ' (missed)'} |`,
  ].join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(formatUploadMemory(await runUploadMemory()))
}
