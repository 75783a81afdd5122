import { isUtf8 } from 'node:buffer'
import { Problem } from '../problems/problem.js'
import { lazyRequire } from '../util/lazy-require.js'
import { DEFAULT_JSON_DEPTH } from '../util/json-depth.js'

// Only syntax errors need it. jsonc-parser's ESM build does not load under Node; its UMD build (what require finds) does.
const jsonc = lazyRequire<typeof import('jsonc-parser')>('jsonc-parser')

export interface Position {
  line: number
  column: number
  /** Byte offset in the body as sent. */
  offset: number
}

/** Parses a JSON body; every failure names where it is (line, column, byte offset) and shows the text around it. */
export function parseJsonBody(bytes: Buffer, maxDepth = DEFAULT_JSON_DEPTH): { value: unknown } | Problem {
  const parsed = parseJsonText(bytes, maxDepth)
  return parsed instanceof Problem ? parsed : { value: parsed.value }
}

/** `parseJsonBody`, and the body decoded as UTF-8 (`text`, byte order mark included), which the journal keeps. */
export function parseJsonText(bytes: Buffer, maxDepth = DEFAULT_JSON_DEPTH): { value: unknown; text: string } | Problem {
  if (!isUtf8(bytes)) {
    const offset = firstInvalidUtf8(bytes)
    const at = positionOfByte(bytes, offset)
    return new Problem('BODY_MALFORMED', {
      detail: `The body is not valid UTF-8: byte 0x${bytes[offset].toString(16).padStart(2, '0')} at line ${at.line}, column ${at.column} (byte offset ${offset}); JSON must be sent as UTF-8.`,
      extra: { position: at },
    })
  }
  const decoded = bytes.toString('utf8')
  // RFC 8259 §8.1: a parser MAY ignore a byte order mark.
  const text = decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded
  // One pass before parsing. The depth first: every recursive step after this one (the syntax-error locator,
  // ajv, error reporting) needs the stack a body 10k levels deep would exhaust.
  const scan = scanText(text, maxDepth)
  if (scan.deepAt !== -1) {
    const at = positionOfChar(text, scan.deepAt)
    return new Problem('BODY_TOO_DEEP', {
      detail: `The body nests arrays and objects more than ${maxDepth} levels deep (level ${maxDepth + 1} opens at line ${at.line}, column ${at.column}, byte offset ${at.offset}); flatten the structure, or raise limits.jsonDepth.`,
      extra: { position: at, expected: maxDepth },
    })
  }
  let value: unknown
  // No stack for JSON.parse's SyntaxError: nobody reads it (the problem says where the body broke), and capturing it
  // cost as much as the parse itself.
  const stackTraceLimit = Error.stackTraceLimit
  let syntaxError: Error | undefined
  Error.stackTraceLimit = 0
  try {
    value = JSON.parse(text)
  } catch (error) {
    syntaxError = error as Error
  } finally {
    Error.stackTraceLimit = stackTraceLimit
  }
  if (syntaxError !== undefined) return syntaxProblem(text, syntaxError)
  const overflow = scan.mayOverflow ? nonFiniteAt(value, '') : undefined
  if (overflow !== undefined) {
    return new Problem('BODY_MALFORMED', {
      detail: `The body has a number too large for a 64-bit float at ${overflow === '' ? 'its root' : overflow} (JSON.parse reads it as Infinity, other parsers refuse it; RFC 8259 §6); send numbers within ±1.7976931348623157e308, or large values as strings.`,
      extra: { pointer: overflow },
    })
  }
  // JSON.parse keeps one of duplicate keys: the parsed objects then hold fewer keys than the text names.
  // Only then, or when a '__proto__'/'prototype' string appears, is the text scanned key by key.
  const suspicious = scan.suspectKey || scan.keys !== countKeys(value) ? scanKeys(text) : undefined
  if (suspicious) {
    const at = positionOfChar(text, suspicious.index)
    const where = `at line ${at.line}, column ${at.column} (byte offset ${at.offset})`
    if (suspicious.kind === 'duplicate') {
      return new Problem('BODY_DUPLICATE_KEY', {
        detail: `The key '${suspicious.key}' appears twice in the same object, the second time ${where}; send each key once (servers disagree on which one wins).`,
        extra: { position: at, received: suspicious.key },
      })
    }
    return new Problem('BODY_FORBIDDEN_KEY', {
      detail: `The body has a '${suspicious.key}' key ${where}, which can pollute a JavaScript server's objects; remove it.`,
      extra: { position: at, received: suspicious.key },
    })
  }
  return { value, text: decoded }
}

interface TextScan {
  /** The index of the bracket that opens level `max + 1`, or -1 (then the rest of the scan is not done). */
  deepAt: number
  /** Colons outside strings: in JSON text that parses, one per key. */
  keys: number
  /** A number literal whose size may reach ±Infinity as a double. */
  mayOverflow: boolean
  /** A string spelled `__proto__` or `prototype`, as a key or not. */
  suspectKey: boolean
}

/**
 * Everything the refusals after JSON.parse need from the text, in one pass
 * over text that may not parse (every loop is bounded). Brackets, colons
 * and digits inside strings are text.
 */
/** A JSON string literal's value; undefined for a broken one (this scan runs before JSON.parse has had its say). */
function decodeString(literal: string): string | undefined {
  try {
    return JSON.parse(literal) as string
  } catch {
    return undefined
  }
}

function scanText(text: string, max: number): TextScan {
  const length = text.length
  let depth = 0
  let keys = 0
  let mayOverflow = false
  let suspectKey = false
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) {
      const start = i + 1
      let escaped = false
      for (i++; i < length && text.charCodeAt(i) !== 0x22; i++) {
        if (text.charCodeAt(i) === 0x5c /* \ */) {
          escaped = true
          i++
        }
      }
      if (i - start === 9 || (escaped && i - start <= 9 * 6)) {
        // `"__pro\u0074o__"` is `__proto__` too, once JSON.parse has read it.
        const word = escaped ? decodeString(text.slice(start - 1, i + 1)) : text.slice(start, i)
        if (word === '__proto__' || word === 'prototype') suspectKey = true
      }
    } else if (c === 0x3a /* : */) {
      keys++
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return { deepAt: i, keys, mayOverflow, suspectKey }
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--
    } else if (c >= 0x30 && c <= 0x39 /* 0-9 */ && !mayOverflow) {
      // |x| < 10^(integer digits + exponent): below 10^309 it cannot overflow (DBL_MAX is 1.8e308).
      let digits = 0
      for (; i < length && isDigit(text.charCodeAt(i)); i++) digits++
      if (text.charCodeAt(i) === 0x2e /* . */) for (i++; i < length && isDigit(text.charCodeAt(i)); i++);
      let exponent = 0
      const e = text.charCodeAt(i)
      if (e === 0x65 || e === 0x45 /* e E */) {
        const sign = text.charCodeAt(i + 1)
        if (sign === 0x2b /* + */ || sign === 0x2d /* - */) i++
        for (i++; i < length && isDigit(text.charCodeAt(i)); i++) if (exponent < 1e6) exponent = exponent * 10 + text.charCodeAt(i) - 0x30
        if (sign === 0x2d) exponent = 0
      }
      if (digits + exponent >= 309) mayOverflow = true
      // The character that ended the number is the loop's to read.
      i--
    }
  }
  return { deepAt: -1, keys, mayOverflow, suspectKey }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

/** The keys of every object in a parsed value (each object counts its own, once each). */
function countKeys(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0
  let n = 0
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) n += countKeys(value[i])
    return n
  }
  for (const key in value) n += 1 + countKeys((value as Record<string, unknown>)[key])
  return n
}

/** The JSON pointer of the first ±Infinity in a parsed body (nesting is bounded by now), or undefined. */
function nonFiniteAt(value: unknown, pointer: string): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : pointer
  if (value === null || typeof value !== 'object') return undefined
  for (const [key, item] of Object.entries(value)) {
    const found = nonFiniteAt(item, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`)
    if (found !== undefined) return found
  }
  return undefined
}

function syntaxProblem(text: string, error: Error): Problem {
  let found: { code: number; offset: number } | undefined
  const { visit, printParseErrorCode } = jsonc()
  visit(
    text,
    {
      onError: (code, offset) => {
        found ??= { code, offset }
      },
    },
    { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
  )
  if (!found) {
    return new Problem('BODY_MALFORMED', { detail: `The body is not valid JSON: ${error.message}.` })
  }
  const at = positionOfChar(text, found.offset)
  // jsonc-parser calls trailing text an invalid symbol; V8 knows the value had already ended.
  const code = /after JSON/.test(error.message) ? 'EndOfFileExpected' : printParseErrorCode(found.code)
  const what = describeError(code, text, found.offset)
  return new Problem('BODY_MALFORMED', {
    detail: `The body is not valid JSON: ${what} at line ${at.line}, column ${at.column} (byte offset ${at.offset}): ${excerpt(text, found.offset)}`,
    extra: { position: at, excerpt: excerpt(text, found.offset) },
  })
}

const MESSAGES: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: "expected ':'",
  CommaExpected: "expected ','",
  CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'",
  EndOfFileExpected: 'unexpected text after the JSON value',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'comments are not allowed in JSON',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'control character in a string (escape it)',
}

function describeError(code: string, text: string, offset: number): string {
  if (offset >= text.length && code !== 'EndOfFileExpected') return `unexpected end of the body (${MESSAGES[code] ?? code})`
  if (code === 'PropertyNameExpected' && text[offset] === '}') return "trailing comma before '}'"
  if (code === 'ValueExpected' && text[offset] === ']') return "trailing comma before ']'"
  if (code === 'InvalidSymbol' && text[offset] === "'") return 'single quotes are not JSON (use double quotes)'
  return MESSAGES[code] ?? code
}

/** About 20 characters either side of the error, with a caret-like marker. */
function excerpt(text: string, offset: number): string {
  const start = Math.max(0, offset - 20)
  const before = text.slice(start, offset).replace(/\s+/g, ' ')
  const after = text.slice(offset, offset + 20).replace(/\s+/g, ' ')
  return `${start > 0 ? '…' : ''}${before}⟶${after}${offset + 20 < text.length ? '…' : ''}`
}

function positionOfChar(text: string, index: number): Position {
  const before = text.slice(0, index)
  const lines = before.split('\n')
  return { line: lines.length, column: lines[lines.length - 1].length + 1, offset: Buffer.byteLength(before) }
}

function positionOfByte(bytes: Buffer, offset: number): Position {
  const before = bytes.subarray(0, offset).toString('utf8')
  const lines = before.split('\n')
  return { line: lines.length, column: lines[lines.length - 1].length + 1, offset }
}

/** Error path only: walks the sequences and lets isUtf8 judge each (it knows overlongs and surrogates). */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0
  while (i < bytes.length) {
    const c = bytes[i]
    const length = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0
    if (length === 0 || !isUtf8(bytes.subarray(i, i + length)) || i + length > bytes.length) return i
    i += length
  }
  return bytes.length - 1
}

/**
 * JSON.parse keeps the last of duplicate keys silently and accepts
 * `__proto__`: both are worth refusing in a contract test. This single pass
 * over text that already parsed finds either; it runs on every JSON body, so
 * it is a plain loop rather than a full tokenizer (5x faster than one).
 */
function scanKeys(text: string): { kind: 'duplicate' | 'forbidden'; key: string; index: number } | undefined {
  if (!text.includes('":') && !/"\s+:/.test(text)) return undefined
  const frames: Array<{ keys: Set<string>; name: string | undefined }> = []
  let lastKey: string | undefined
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) {
      let j = i + 1
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c /* \ */ ? 2 : 1
      let k = j + 1
      while (text.charCodeAt(k) <= 0x20) k++
      if (text.charCodeAt(k) === 0x3a /* : */) {
        const raw = text.slice(i + 1, j)
        // Keys compare as JSON.parse reads them: `"\u0061"` and `"a"` are the same key.
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw
        const frame = frames[frames.length - 1]
        if (key === '__proto__' || (key === 'prototype' && frame.name === 'constructor')) {
          return { kind: 'forbidden', key: key === 'prototype' ? 'constructor.prototype' : key, index: i }
        }
        if (frame.keys.has(key)) return { kind: 'duplicate', key, index: i }
        frame.keys.add(key)
        lastKey = key
        i = k
      } else {
        i = j
      }
    } else if (c === 0x7b /* { */) {
      frames.push({ keys: new Set(), name: lastKey })
      lastKey = undefined
    } else if (c === 0x7d /* } */) {
      frames.pop()
    } else if (c === 0x5b /* [ */ || c === 0x2c /* , */) {
      lastKey = undefined
    }
  }
  return undefined
}
