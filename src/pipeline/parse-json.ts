import { isUtf8 } from 'node:buffer'
import { Problem } from '../problems/problem.js'
import { lazyRequire } from '../util/lazy-require.js'

// Only syntax errors need it. jsonc-parser's ESM build does not load under Node; its UMD build (what require finds) does.
const jsonc = lazyRequire<typeof import('jsonc-parser')>('jsonc-parser')

export interface Position {
  line: number
  column: number
  /** Byte offset in the body as sent. */
  offset: number
}

/** `limits.jsonDepth` by default: Jackson's default too, and far below where a recursive validator runs out of stack. */
export const DEFAULT_JSON_DEPTH = 1000

/** Parses a JSON body; every failure names where it is (line, column, byte offset) and shows the text around it. */
export function parseJsonBody(bytes: Buffer, maxDepth = DEFAULT_JSON_DEPTH): { value: unknown } | Problem {
  if (!isUtf8(bytes)) {
    const offset = firstInvalidUtf8(bytes)
    const at = positionOfByte(bytes, offset)
    return new Problem('BODY_MALFORMED', {
      detail: `The body is not valid UTF-8: byte 0x${bytes[offset]!.toString(16).padStart(2, '0')} at line ${at.line}, column ${at.column} (byte offset ${offset}); JSON must be sent as UTF-8.`,
      extra: { position: at },
    })
  }
  // RFC 8259 §8.1: a parser MAY ignore a byte order mark.
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '')
  // Before parsing: every recursive step after this one (the syntax-error locator, ajv, error reporting)
  // needs the stack a body 10k levels deep would exhaust. Nesting deeper than the length is impossible.
  const deep = text.length > maxDepth ? tooDeepAt(text, maxDepth) : -1
  if (deep !== -1) {
    const at = positionOfChar(text, deep)
    return new Problem('BODY_TOO_DEEP', {
      detail: `The body nests arrays and objects more than ${maxDepth} levels deep (level ${maxDepth + 1} opens at line ${at.line}, column ${at.column}, byte offset ${at.offset}); flatten the structure, or raise limits.jsonDepth.`,
      extra: { position: at, expected: maxDepth },
    })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return syntaxProblem(text, error as Error)
  }
  const overflow = MAY_OVERFLOW.test(text) ? nonFiniteAt(value, '') : undefined
  if (overflow !== undefined) {
    return new Problem('BODY_MALFORMED', {
      detail: `The body has a number too large for a 64-bit float at ${overflow === '' ? 'its root' : overflow} (JSON.parse reads it as Infinity, other parsers refuse it; RFC 8259 §6); send numbers within ±1.7976931348623157e308, or large values as strings.`,
      extra: { pointer: overflow },
    })
  }
  const suspicious = scanKeys(text)
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
  return { value }
}

/** The index of the bracket that opens level `max + 1`, or -1. Brackets inside strings are text. */
function tooDeepAt(text: string, max: number): number {
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c /* \ */) i++
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return i
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--
    }
  }
  return -1
}

// A number literal with a 3-digit exponent, or 309+ digits: the only ones that can overflow a double.
const MAY_OVERFLOW = /(?:^|[\s,:[])-?\d+(?:\.\d+)?[eE]\+?\d{3}|\d{309}/

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
  return { line: lines.length, column: lines.at(-1)!.length + 1, offset: Buffer.byteLength(before) }
}

function positionOfByte(bytes: Buffer, offset: number): Position {
  const before = bytes.subarray(0, offset).toString('utf8')
  const lines = before.split('\n')
  return { line: lines.length, column: lines.at(-1)!.length + 1, offset }
}

/** Error path only: walks the sequences and lets isUtf8 judge each (it knows overlongs and surrogates). */
function firstInvalidUtf8(bytes: Buffer): number {
  let i = 0
  while (i < bytes.length) {
    const c = bytes[i]!
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
        const key = text.slice(i + 1, j)
        const frame = frames[frames.length - 1]!
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
