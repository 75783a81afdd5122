/**
 * The text of a UTF-8 JSON file as a one-byte string, for JSON.parse. V8 keeps a string whose characters are all
 * Latin-1 at one byte each, and any other at two: GitHub's 13 MB description has 36 characters past U+00FF, and
 * `readFileSync(file, 'utf8')` made it a 26 MB string, the largest single part of start-up's peak memory. In valid
 * JSON such characters can only stand inside strings, where `\uXXXX` means the same, so they are written that way.
 *
 * Undefined when this cannot be done faithfully (a character past U+00FF right after a backslash, whose escape
 * would turn an invalid `\ā` into a valid `\\u0101`): the caller then reads the text as usual.
 */
export function oneByteJsonText(bytes: Buffer): string | undefined {
  const pieces: string[] = []
  let start = 0
  for (let i = 0; i < bytes.length; i++) {
    const lead = bytes[i]
    // Lead bytes of code points past U+00FF: 0xC4–0xDF (2 bytes), 0xE0–0xEF (3), 0xF0–0xF4 (4).
    if (lead < 0xc4 || lead > 0xf4) continue
    const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2
    if (i > 0 && bytes[i - 1] === 0x5c) return undefined
    const char = bytes.toString('utf8', i, i + length)
    if (char.length === 0 || char.includes('\ufffd')) return undefined
    pieces.push(bytes.toString('utf8', start, i))
    for (let k = 0; k < char.length; k++) pieces.push(`\\u${char.charCodeAt(k).toString(16).padStart(4, '0')}`)
    i += length - 1
    start = i + 1
  }
  if (start === 0) return bytes.toString('utf8')
  pieces.push(bytes.toString('utf8', start))
  return pieces.join('')
}
