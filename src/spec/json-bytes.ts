import { isAscii } from 'node:buffer'

/**
 * A file's bytes read as a JSON object, or undefined where they are not one (YAML, or a syntax error: the caller then
 * reads the text as YAML, whose errors carry line:column).
 *
 * Not `JSON.parse(bytes.toString('utf8'))`: one character outside Latin-1 anywhere (GitHub's 13 MB description has a
 * few dozen) makes V8 decode the whole file into a two-byte string and parse that at about half the speed, a fifth of
 * GitHub's start-up. In JSON such a character can only stand inside a string, where `\uXXXX` means the same, so each
 * one is written that way and the text stays one byte per character.
 */
export function parseJsonBytes(bytes: Buffer): unknown {
  if (!startsAnObject(bytes)) return undefined
  let text = bytes.toString('latin1')
  if (!isAscii(bytes)) text = text.replace(/[\x80-\xff]+/g, escapeUtf8)
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function startsAnObject(bytes: Buffer): boolean {
  for (const byte of bytes) {
    if (byte === 0x7b) return true
    // JSON's whitespace: space, tab, line feed, carriage return
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return false
  }
  return false
}

/** A run of non-ASCII bytes, read as Latin-1, as JSON escapes of the UTF-8 characters they encode (U+FFFD where they encode none). */
function escapeUtf8(run: string): string {
  const decoded = Buffer.from(run, 'latin1').toString('utf8')
  let escaped = ''
  for (let i = 0; i < decoded.length; i++) escaped += `\\u${decoded.charCodeAt(i).toString(16).padStart(4, '0')}`
  return escaped
}
