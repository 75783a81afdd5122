import type { RegExpEngine, RegExpLike } from 'ajv/dist/types/index.js'
import { RE2JS } from 're2js'

/**
 * Spec `pattern`s come from users' descriptions (APIs.guru alone holds
 * thousands), and ECMAScript's backtracking engine can take exponential time
 * on some of them: `^(a+)+$` against 40 a's and a `!` never answers. ajv's
 * documented `code.regExp` option takes another engine for exactly this; this
 * one is RE2's (re2js, pure JavaScript: nothing to build at install time),
 * which matches in time linear in the input.
 *
 * RE2 cannot express lookaround or backreferences. Such a pattern runs on
 * ECMAScript's engine, on values up to FALLBACK_MAX_LENGTH characters only:
 * a start-up note says so (src/spec/schema-dialects.ts).
 */

/** Longest value an ECMAScript-only pattern is checked against; a longer one is not checked against it. */
export const FALLBACK_MAX_LENGTH = 1000

// What `\s` means in ECMAScript (WhiteSpace and LineTerminator), in RE2's syntax: RE2's own `\s` is ASCII only.
const ECMA_SPACE = '\\t\\n\\x0B\\f\\r \\x{00A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}'
// What `.` means in ECMAScript without the s flag: anything but a line terminator (RE2's excludes \n only).
const ECMA_DOT = '[^\\n\\r\\x{2028}\\x{2029}]'

const translations = new Map<string, string | undefined>()

/**
 * The pattern in RE2's syntax, meaning what it means in ECMAScript `u` mode,
 * or undefined when RE2 cannot express it (lookaround, backreferences).
 */
export function re2Pattern(pattern: string): string | undefined {
  if (translations.has(pattern)) return translations.get(pattern)
  let translated: string | undefined
  // Checked on the ECMAScript source: re2js's translation reads `\k<name>` as the letter k.
  if (!/\(\?<?[=!]|\\k<|\\[1-9]/.test(pattern)) {
    try {
      translated = sameMeaning(RE2JS.translateRegExp(pattern))
      if (translated !== undefined) RE2JS.compile(translated)
    } catch {
      translated = undefined
    }
  }
  translations.set(pattern, translated)
  return translated
}

/** Whether a pattern is matched in linear time (else: the ECMAScript fallback, bounded by length). */
export function isLinear(pattern: string): boolean {
  return re2Pattern(pattern) !== undefined
}

/** A compiled pattern: RE2 where it can be, else ECMAScript on bounded input. */
export function linearRegExp(pattern: string, flags = 'u'): RegExpLike {
  const re2 = re2Pattern(pattern)
  if (re2 !== undefined) {
    const compiled = RE2JS.compile(re2)
    // ajv keys its cache of compiled patterns by toString(): one per pattern, as for a RegExp.
    return { test: (value: string) => compiled.test(value), toString: () => `/${pattern}/${flags}` } as RegExpLike
  }
  const regex = new RegExp(pattern, flags)
  return { test: (value: string) => value.length > FALLBACK_MAX_LENGTH || regex.test(value), toString: () => regex.toString() } as RegExpLike
}

/** For ajv: `new Ajv({ code: { regExp: linearRegExpEngine } })`. */
export const linearRegExpEngine: RegExpEngine = Object.assign((pattern: string, flags: string) => linearRegExp(pattern, flags), {
  code: 'linearRegExp',
})

/**
 * RE2's `.` and `\s`/`\S` rewritten to ECMAScript's meaning (both engines agree on `\d`, `\w`, `\b`, `^`
 * and `$` without flags). Undefined where a class holds `\S` without `\s`, which RE2 cannot write.
 */
function sameMeaning(re2: string): string | undefined {
  let out = ''
  let inClass = false
  for (let i = 0; i < re2.length; i++) {
    const c = re2[i]
    if (c === '\\') {
      const next = re2[i + 1] ?? ''
      i++
      if (next === 's') out += inClass ? ECMA_SPACE : `[${ECMA_SPACE}]`
      else if (next === 'S' && !inClass) out += `[^${ECMA_SPACE}]`
      else if (next === 'S') {
        // `[\s\S]` (anything) is the one common use: RE2's `\s\S` covers everything too.
        if (!/\\s/.test(re2)) return undefined
        out += '\\S'
      } else out += `\\${next}`
      continue
    }
    if (inClass) {
      if (c === ']') inClass = false
      out += c
      continue
    }
    if (c === '[') {
      inClass = true
      out += c
      // A `]` or `^]` first in a class is a literal.
      if (re2[i + 1] === '^') out += re2[++i]
      if (re2[i + 1] === ']') out += re2[++i]
      continue
    }
    out += c === '.' ? ECMA_DOT : c
  }
  return out
}
