import { isAscii } from 'node:buffer'

/**
 * A file's bytes (the first `length` of `room`) read as a JSON object, or undefined where they are not one (YAML, or
 * a syntax error: the caller then reads the text as YAML, whose errors carry line:column). Where `room` has space
 * after `length`, non-ASCII text is escaped in place (escapeNonAscii), so the bytes may no longer be the file's; a
 * `room` of exactly `length` bytes is left as it is.
 *
 * Not `JSON.parse(bytes.toString('utf8'))`: one character outside Latin-1 anywhere (GitHub's 13 MB description has a
 * few dozen) makes V8 decode the whole file into a two-byte string and parse that at about half the speed, a fifth of
 * GitHub's start-up. In JSON such a character can only stand inside a string, where `\uXXXX` means the same, so each
 * one is written that way and the text stays one byte per character.
 */
export function parseJsonBytes(room: Uint8Array, length = room.length): unknown {
  if (!startsAnObject(room.subarray(0, length))) return undefined
  return parseJsonText(escapeNonAscii(room, length))
}

/** ASCII text (escapeNonAscii's) read as a JSON object; undefined where it is not one. */
function parseJsonText(ascii: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(ascii.buffer, ascii.byteOffset, ascii.length).toString('latin1'))
  } catch {
    return undefined
  }
}

export function startsAnObject(bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if (byte === 0x7b) return true
    // JSON's whitespace: space, tab, line feed, carriage return
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return false
  }
  return false
}

/**
 * The first `length` bytes of `room`, UTF-8 JSON text, with each run of non-ASCII bytes written as the `\uXXXX`
 * escapes of the characters it encodes (U+FFFD for bytes that encode none, as Buffer#toString('utf8') reads them).
 * Escapes are longer than the bytes they replace: the text grows in place where `room` has space after `length`,
 * else into a new buffer (so a `room` of exactly `length` bytes is never changed).
 */
export function escapeNonAscii(room: Uint8Array, length: number): Uint8Array {
  const runs: number[] = []
  const escapes: string[] = []
  let grown = length
  for (let i = 0; i < length; i++) {
    // Whole blocks of ASCII are passed over natively: looking at GitHub's 13 MB byte by byte took 45 ms.
    if ((i & (BLOCK - 1)) === 0 && isAscii(room.subarray(i, Math.min(i + BLOCK, length)))) {
      i += BLOCK - 1
      continue
    }
    if (room[i] < 0x80) continue
    let end = i + 1
    while (end < length && room[end] >= 0x80) end++
    const characters = Buffer.from(room.buffer, room.byteOffset + i, end - i).toString('utf8')
    let escaped = ''
    for (let k = 0; k < characters.length; k++) escaped += `\\u${characters.charCodeAt(k).toString(16).padStart(4, '0')}`
    runs.push(i, end)
    escapes.push(escaped)
    grown += escaped.length - (end - i)
    i = end
  }
  if (runs.length === 0) return room.subarray(0, length)
  const out = grown <= room.length ? room : new Uint8Array(grown)
  // From the last run back, so that in place no byte is overwritten before it has moved.
  let to = grown
  let from = length
  for (let r = runs.length - 2; r >= 0; r -= 2) {
    const start = runs[r]
    const end = runs[r + 1]
    to -= from - end
    if (out === room) room.copyWithin(to, end, from)
    else out.set(room.subarray(end, from), to)
    const escaped = escapes[r / 2]
    to -= escaped.length
    for (let k = 0; k < escaped.length; k++) out[to + k] = escaped.charCodeAt(k)
    from = start
  }
  if (out !== room) out.set(room.subarray(0, from), 0)
  return out.subarray(0, grown)
}

const BLOCK = 1 << 14
