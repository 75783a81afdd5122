import { constants } from 'node:buffer'
import { fstat, open, read, close, statSync } from 'node:fs'
import path from 'node:path'

/**
 * A large document read on one of libuv's threads while the `doorman` command's modules load (src/bin.ts starts it),
 * so that its bytes are there when loadSpec asks for them: for GitHub's 13 MB description that read is ~45 ms the
 * main thread no longer waits for. Anything that goes wrong here only means loadSpec reads the file itself, and says
 * what is wrong with it.
 */
export interface DocumentBytes {
  /** The file's bytes are the first `length`; the rest is room for escapeNonAscii to grow the text in place. */
  room: Buffer
  length: number
}

/** Smaller documents are read in a few ms anyway. */
const MIN_BYTES = 1 << 20
/** The longest text V8 makes a string of: a larger document cannot be parsed (loadSpec says so). */
export const MAX_DOCUMENT_BYTES = constants.MAX_STRING_LENGTH

const pending = new Map<string, Promise<DocumentBytes | undefined>>()

export function readAhead(file: string): void {
  const absolute = path.resolve(file)
  if (pending.has(absolute)) return
  try {
    const stats = statSync(absolute)
    // A FIFO or a device is for loadSpec to refuse (src/util/regular-file.ts).
    if (!stats.isFile() || stats.size < MIN_BYTES || stats.size > MAX_DOCUMENT_BYTES) return
  } catch {
    return
  }
  pending.set(absolute, readWithRoom(absolute))
}

/** The bytes read ahead for `file` (an absolute path), once; undefined where none were. */
export function takeReadAhead(file: string): Promise<DocumentBytes | undefined> | undefined {
  const ahead = pending.get(file)
  pending.delete(file)
  return ahead
}

/** Room beyond a file's size: GitHub's description needs 208 bytes more once escaped; text that needs more moves. */
export function roomFor(size: number): number {
  return size + (size >> 6) + 4096
}

function readWithRoom(file: string): Promise<DocumentBytes | undefined> {
  return new Promise((resolve) => {
    open(file, 'r', (error, fd) => {
      if (error) return resolve(undefined)
      const done = (bytes: DocumentBytes | undefined) => close(fd, () => resolve(bytes))
      fstat(fd, (error, stats) => {
        // Grown past what can be read since readAhead looked: loadSpec says so.
        if (error || stats.size > MAX_DOCUMENT_BYTES) return done(undefined)
        const room = Buffer.allocUnsafeSlow(roomFor(stats.size))
        const next = (length: number) =>
          read(fd, room, length, stats.size - length, length, (error, n) => {
            if (error) done(undefined)
            else if (n === 0 || length + n >= stats.size) done({ room, length: length + n })
            else next(length + n)
          })
        next(0)
      })
    })
  })
}
