import type { IncomingMessage } from 'node:http'
import zlib from 'node:zlib'
import type { Transform } from 'node:stream'
import type { FastifyRequest } from 'fastify'
import type { ResolvedConfig } from '../config.js'
import { Problem, ProblemError } from '../problems/problem.js'
import { tooLarge } from './check-body-size.js'
import { lingerOnClose } from './linger.js'

/** A refusal raised while reading the body, carried through fastify's error path. */
function decoder(coding: string): Transform {
  // Lenient flushes, as browsers and curl are: a stream cut at a block boundary still decodes what arrived.
  if (coding === 'gzip') return zlib.createGunzip({ finishFlush: zlib.constants.Z_SYNC_FLUSH })
  if (coding === 'deflate') return zlib.createInflate({ finishFlush: zlib.constants.Z_SYNC_FLUSH })
  return zlib.createBrotliDecompress()
}

/**
 * Reads the body as it arrives, never holding more than the limit: the wire
 * bytes are counted (a chunked body is cut off the moment it crosses the
 * limit), and so are the decoded ones (a gzip bomb is stopped after `limit`
 * bytes of output, not inflated). A body that stalls short of its
 * Content-Length is refused after `bodyIdleTimeoutMs` instead of hanging.
 */
export function readBody(request: FastifyRequest, payload: IncomingMessage, config: ResolvedConfig, done: (error: Error | null, body?: Buffer) => void): void {
  // Admin routes have no request context: they get the server-wide limit and no decoding.
  const ctx = request.doorman
  const limit = ctx?.rules?.bodyLimitBytes ?? config.limits.bodySizeBytes
  const encodings = ctx?.encodings ?? []
  const declared = request.headers['content-length']
  const chunks: Buffer[] = []
  let wireBytes = 0
  let decodedBytes = 0
  let finished = false

  const decoders = encodings.length === 0 ? NO_DECODERS : [...encodings].reverse().map(decoder)
  for (let i = 0; i < decoders.length - 1; i++) decoders[i].pipe(decoders[i + 1])
  const sink = decoders.at(-1)

  const finish = (error: Problem | null) => {
    if (finished) return
    finished = true
    clearTimeout(idle)
    payload.removeListener('data', onData)
    for (const d of decoders) d.destroy()
    if (error) {
      if (!payload.complete) {
        // The rest of the body is still coming: answer now, close after the answer, discard the rest meanwhile.
        lingerOnClose(payload, config.limits.lingerMs)
      }
      done(new ProblemError(error))
    } else {
      // A body that came in one chunk is that chunk: no copy.
      done(null, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))
    }
  }

  // One timer per body, pushed back as each chunk arrives (refresh() reuses it: no timer per chunk).
  const idle = setTimeout(() => {
    const expected = declared === undefined ? 'the end of the chunked body' : `the ${declared} bytes Content-Length announced`
    finish(
      new Problem('BODY_INCOMPLETE', {
        detail: `The body stalled after ${wireBytes} bytes, short of ${expected}; nothing arrived for ${config.limits.bodyIdleTimeoutMs} ms. Send exactly as many bytes as Content-Length says.`,
        headers: { connection: 'close' },
        extra: { expected: declared === undefined ? undefined : Number(declared), received: wireBytes },
      }),
    )
  }, config.limits.bodyIdleTimeoutMs)
  idle.unref()

  const collect = (chunk: Buffer) => {
    decodedBytes += chunk.length
    if (decodedBytes > limit) {
      return finish(tooLarge(limit, decodedBytes, sink ? 'decodes to' : 'sent'))
    }
    chunks.push(chunk)
  }

  const onData = (chunk: Buffer) => {
    idle.refresh()
    wireBytes += chunk.length
    if (wireBytes > limit) return finish(tooLarge(limit, wireBytes, 'sent'))
    if (sink) decoders[0].write(chunk)
    else collect(chunk)
  }

  if (sink) {
    sink.on('data', (chunk: Buffer) => !finished && collect(chunk))
    sink.on('end', () => finish(null))
    for (const d of decoders) {
      d.on('error', (error) =>
        finish(
          new Problem('BODY_ENCODING_INVALID', {
            detail: `The body is not valid ${encodings.join(', ')} data (${error.message}); compress it with the encoding Content-Encoding names, or drop the header.`,
            extra: { received: encodings.join(', ') },
          }),
        ),
      )
    }
  }

  payload.on('data', onData)
  payload.on('end', () => {
    if (sink) decoders[0].end()
    else finish(null)
  })
  payload.on('error', (error) => {
    // The client went away mid-body: nobody is left to answer, but the journal still gets the request.
    if (!finished) {
      finished = true
      clearTimeout(idle)
      done(error)
    }
  })
}

const NO_DECODERS: Transform[] = []
