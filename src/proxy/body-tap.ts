import { Transform, type TransformCallback } from 'node:stream'

/**
 * Passes a body through unchanged, chunk by chunk (backpressure intact), and
 * keeps a copy of it up to `keepBytes` for the check: memory stays bounded
 * whatever the body's size. `onEnd` runs before the last byte is handed on,
 * so that the check is done when the response finishes (and is journaled).
 */
export class BodyTap extends Transform {
  readonly #chunks: Buffer[] = []
  #kept = 0
  #bytes = 0
  #overflowed = false

  constructor(
    private readonly keepBytes: number,
    private readonly onEnd: (tap: BodyTap) => void,
  ) {
    super()
  }

  /** Every byte that passed. */
  get bytes(): number {
    return this.#bytes
  }

  /** More came than was kept: the copy is incomplete. */
  get overflowed(): boolean {
    return this.#overflowed
  }

  /** The copy (whole unless `overflowed`). */
  kept(): Buffer {
    return this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks, this.#kept)
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.length
    if (!this.#overflowed) {
      if (this.#kept + chunk.length <= this.keepBytes) {
        this.#chunks.push(chunk)
        this.#kept += chunk.length
      } else {
        // Past the limit nothing more is kept, and what was is let go.
        this.#overflowed = true
        this.#chunks.length = 0
        this.#kept = 0
      }
    }
    callback(null, chunk)
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.onEnd(this)
    } finally {
      callback()
    }
  }
}

/**
 * A request body on its way to the upstream, counted: past `limitBytes` it
 * fails with `tooLarge()`, and the upload is cut off (a chunked body has no
 * Content-Length for the size step to refuse up front).
 */
export class CountedBody extends Transform {
  #bytes = 0

  constructor(
    private readonly limitBytes: number,
    private readonly tooLarge: (bytes: number) => Error,
  ) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.length
    if (this.#bytes > this.limitBytes) return callback(this.tooLarge(this.#bytes))
    callback(null, chunk)
  }
}
