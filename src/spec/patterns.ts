/**
 * JSON Schema patterns are ECMAScript regular expressions, and ajv compiles
 * them in `u` mode, which refuses what most other engines (and JavaScript
 * without `u`) read without a word: `\=`, a bare `{`, `[\w-.]`. Real
 * descriptions (AWS, SendGrid, Java-generated ones) are full of them.
 *
 * A pattern that does not compile is rewritten here where its meaning is
 * the same in every engine its author could have tested it with; what is
 * left (inline flags, possessive quantifiers, Unicode blocks) is reported
 * as untranslatable, and its schema is checked without it.
 */
export type PatternReading = { kind: 'valid' } | { kind: 'translated'; pattern: string; changes: string[] } | { kind: 'untranslatable'; reason: string }

export function readPattern(source: string): PatternReading {
  const literal = regexLiteral(source)
  if (literal === undefined && compiles(source)) return { kind: 'valid' }
  let translated: { pattern: string; changes: Set<string> }
  try {
    translated = literal ? (literal.flags.includes('i') ? translate(`(?i)${literal.body}`) : translate(literal.body)) : translate(source)
  } catch (error) {
    if (!(error instanceof Untranslatable)) throw error
    return { kind: 'untranslatable', reason: error.message }
  }
  if (!compiles(translated.pattern)) return { kind: 'untranslatable', reason: reasonOf(literal?.body ?? source) }
  const changes = [...translated.changes]
  if (literal) changes.unshift(`the slashes of a JavaScript regular expression literal${literal.flags ? ` (flags ${literal.flags})` : ''}, dropped`)
  return { kind: 'translated', pattern: translated.pattern, changes }
}

/**
 * `/^\d+$/` is a JavaScript regular expression literal written as a pattern: a `/` before `^` or after `$`
 * can never match, so the slashes are delimiters. Its flags: `i` is read as (?i); `g`, `u` and `y` change
 * nothing about whether a string matches; `m` and `s` do, and are left for the pattern to fail on.
 */
function regexLiteral(source: string): { body: string; flags: string } | undefined {
  const match = /^\/(.*)\/([gimsuy]*)$/s.exec(source)
  if (!match || !(match[1].startsWith('^') || match[1].endsWith('$')) || /[ms]/.test(match[2])) return undefined
  return { body: match[1], flags: match[2] }
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u')
    return true
  } catch {
    return false
  }
}

/** What the ECMAScript engine says is wrong, without the pattern it repeats. */
function reasonOf(pattern: string): string {
  try {
    new RegExp(pattern, 'u')
    return ''
  } catch (error) {
    return (error as Error).message.replace(/^Invalid regular expression: \/.*\/u?: /s, '').replace(/^./, (c) => c.toLowerCase())
  }
}

class Untranslatable extends Error {}

// Escapes `u` mode accepts before a non-alphanumeric character: SyntaxCharacter and `/` (and `-` in a class).
const SYNTAX = new Set([...'^$\\.*+?()[]{}|/'])
// Letter escapes whose meaning every engine shares (outside and inside a class).
const SHARED_LETTER_ESCAPES = new Set([...'dDwWsSnrtvf'])

// Java's and PCRE's POSIX classes, as class contents (`\p{Alpha}`, `[[:alpha:]]`).
const POSIX: Record<string, string> = {
  lower: 'a-z',
  upper: 'A-Z',
  ascii: '\\x00-\\x7F',
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  punct: '!-\\/:-@\\[-`{-~',
  graph: '!-~',
  print: ' -~',
  blank: ' \\t',
  cntrl: '\\x00-\\x1F\\x7F',
  xdigit: '0-9a-fA-F',
  space: ' \\t\\n\\x0B\\f\\r',
  word: '\\w',
}

/**
 * One pass over the pattern, token by token: inside or outside a character
 * class, escapes and brackets are rewritten to what they meant.
 */
function translate(source: string): { pattern: string; changes: Set<string> } {
  const changes = new Set<string>()
  let out = ''
  let i = 0
  // Whether the last thing written outside a class can take a quantifier (a `{` after it may start one).
  let quantifiable = false
  // Java's, Python's and PCRE's (?i) for the whole pattern: ECMAScript has the flag, but ajv gives a pattern none,
  // so each ASCII letter is written with its other case beside it.
  const ignoreCase = source.startsWith('(?i)')
  if (ignoreCase) {
    i = 4
    changes.add('a leading (?i) as both cases of each letter')
  }

  const classBody = (): void => {
    // At the `[`: the class runs to its closing `]`; a `]` first in it is a literal in every engine but JavaScript's.
    out += '['
    i++
    if (source[i] === '^') {
      out += '^'
      i++
    }
    if (source[i] === ']') {
      out += '\\]'
      changes.add('a ] first in a class, read as a literal')
      i++
    }
    while (i < source.length && source[i] !== ']') {
      // Java's class intersection ([a-z&&[^aeiou]]): two literal ampersands everywhere else.
      if (source.startsWith('&&', i)) throw new Untranslatable("Java's class intersection && has no ECMAScript equivalent")
      const first = classAtom()
      if (source[i] !== '-' || source[i + 1] === ']' || i + 1 >= source.length) {
        out += first.text + otherCase(first.char)
        continue
      }
      i++
      const second = classAtom()
      // `u` mode refuses a range with a class escape at either end; every other engine reads the `-` as itself.
      if (first.set || second.set) {
        out += `${first.text}\\-${second.text}`
        changes.add('a - beside a class escape, read as a literal')
        continue
      }
      out += `${first.text}-${second.text}`
      if (ignoreCase && first.char && second.char && /[a-z]/i.test(first.char + second.char)) {
        const lower = /^[a-z]$/.test(first.char) && /^[a-z]$/.test(second.char)
        const upper = /^[A-Z]$/.test(first.char) && /^[A-Z]$/.test(second.char)
        if (!lower && !upper) throw new Untranslatable('(?i) with a range that is not all lowercase or all uppercase letters')
        out += `${otherCase(first.char)}-${otherCase(second.char)}`
      }
    }
    if (i >= source.length) throw new Untranslatable('a character class is not closed')
    out += ']'
    i++
  }

  /** One member of a class: a character (its `char`, for case folding), an escape, or a set (`\w`, `[:alpha:]`). */
  const classAtom = (): { text: string; set: boolean; char?: string } => {
    const c = source[i]
    if (c === '\\') return classEscape()
    if (c === '[' && source[i + 1] === ':') {
      const end = source.indexOf(':]', i + 2)
      const name = end === -1 ? '' : source.slice(i + 2, end)
      if (end !== -1 && POSIX[name.toLowerCase()] !== undefined) {
        changes.add(`the POSIX class [:${name}:]`)
        i = end + 2
        return { text: POSIX[name.toLowerCase()], set: true }
      }
      if (end !== -1 && /^\^?[a-z]+$/i.test(name)) throw new Untranslatable(`the POSIX class [:${name}:] has no ECMAScript equivalent`)
      // Java reads [a-d[m-p]] as a union, PCRE and JavaScript the inner [ as a literal.
      throw new Untranslatable('a [ inside a class means a nested class in Java and a literal elsewhere')
    }
    if (c === '[') throw new Untranslatable('a [ inside a class means a nested class in Java and a literal elsewhere')
    const code = source.codePointAt(i)
    if (code === undefined) throw new Untranslatable('a character class is not closed')
    const char = String.fromCodePoint(code)
    i += char.length
    return { text: char, set: false, char }
  }

  /** With (?i): the other case of an ASCII letter, to write beside it. */
  const otherCase = (char: string | undefined): string => {
    if (!ignoreCase || char === undefined || !/^[a-zA-Z]$/.test(char)) return ''
    return char === char.toLowerCase() ? char.toUpperCase() : char.toLowerCase()
  }

  /** At a `\` inside a class: what to write, and whether it stands for a set of characters. */
  const classEscape = (): { text: string; set: boolean } => {
    const next = source[i + 1]
    if (next === undefined) throw new Untranslatable('the pattern ends with a backslash')
    if (next === 'p' || next === 'P') {
      const property = unicodeProperty(true)
      return { text: property, set: true }
    }
    if (next === 'x' && source[i + 2] === '{') return { text: bracedHex(), set: false }
    if (/[a-zA-Z0-9]/.test(next)) {
      const text = letterEscape(true)
      return { text, set: /^\\[dDwWsS]$/.test(text) }
    }
    i += 2
    if (SYNTAX.has(next) || next === '-') return { text: `\\${next}`, set: false }
    changes.add(`the needless escape \\${next}`)
    return { text: next, set: false }
  }

  /** `\p{…}` / `\P{…}` (also Java's and PCRE's one-letter `\pL`), as ECMAScript knows it or as a class. */
  const unicodeProperty = (inClass: boolean): string => {
    const negated = source[i + 1] === 'P'
    let name: string
    if (source[i + 2] === '{') {
      const end = source.indexOf('}', i + 3)
      if (end === -1) throw new Untranslatable('a \\p{ is not closed')
      name = source.slice(i + 3, end)
      i = end + 1
    } else {
      name = source[i + 2] ?? ''
      i += 3
      if (!/^[A-Z]$/.test(name)) throw new Untranslatable(`\\${negated ? 'P' : 'p'}${name} is no Unicode property`)
      changes.add(`\\${negated ? 'P' : 'p'}${name} as \\${negated ? 'P' : 'p'}{${name}}`)
    }
    const letter = negated ? 'P' : 'p'
    if (ignoreCase) throw new Untranslatable(`(?i) with \\${letter}{${name}}`)
    const candidates = [name]
    if (/^all$/i.test(name)) candidates.unshift('Any')
    if (name === 'L&') candidates.unshift('LC')
    // Java's and PCRE's script names (\p{Han}, \p{IsLatin}) are ECMAScript's Script=… (Java's In… blocks have none).
    if (/^Is./.test(name)) candidates.push(name.slice(2), `Script=${name.slice(2)}`)
    else candidates.push(`Script=${name}`)
    for (const candidate of candidates) {
      if (compiles(`\\${letter}{${candidate}}`)) {
        if (candidate !== name) changes.add(`\\${letter}{${name}} as \\${letter}{${candidate}}`)
        return `\\${letter}{${candidate}}`
      }
    }
    const posix = POSIX[name.toLowerCase()]
    if (posix !== undefined) {
      changes.add(`the POSIX class \\${letter}{${name}}`)
      if (inClass) {
        if (negated) throw new Untranslatable(`\\P{${name}} inside a class has no ECMAScript equivalent`)
        return posix
      }
      return negated ? `[^${posix}]` : `[${posix}]`
    }
    throw new Untranslatable(`\\${letter}{${name}} is not a Unicode property ECMAScript knows`)
  }

  /** PCRE's `\x{263A}` is ECMAScript's `\u{263A}`. */
  const bracedHex = (): string => {
    const match = /^\\x\{([0-9a-fA-F]{1,6})\}/.exec(source.slice(i))
    if (!match) throw new Untranslatable('a \\x{ is not a code point')
    i += match[0].length
    changes.add(`\\x{${match[1]}} as \\u{${match[1]}}`)
    return `\\u{${match[1]}}`
  }

  /** At a `\` followed by a letter or digit: escapes every engine reads alike pass; the others mean different things. */
  const letterEscape = (inClass: boolean): string => {
    const next = source[i + 1]
    const rest = source.slice(i)
    const hex = /^\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|u\{[0-9a-fA-F]{1,6}\}|c[a-zA-Z])/.exec(rest)
    if (hex) {
      i += hex[0].length
      return hex[0]
    }
    // \0 and one or two octal digits is one character in Java, PCRE, Python and JavaScript without `u`.
    const octal = /^\\0([0-7]{1,2})(?![0-9])/.exec(rest)
    if (octal) {
      i += octal[0].length
      const hex = `\\x${parseInt(octal[1], 8).toString(16).padStart(2, '0')}`
      changes.add(`the octal escape ${octal[0]} as ${hex}`)
      return hex
    }
    if (SHARED_LETTER_ESCAPES.has(next) || (next === '0' && !/[0-9]/.test(source[i + 2] ?? ''))) {
      i += 2
      return `\\${next}`
    }
    if (!inClass && (next === 'b' || next === 'B')) {
      i += 2
      return `\\${next}`
    }
    if (inClass && next === 'b') {
      i += 2
      return '\\b'
    }
    // Anchors of Java, PCRE and Python: \A is the start, \z (and Python's \Z) the end of the input.
    if (!inClass && (next === 'A' || next === 'z' || next === 'Z')) {
      i += 2
      changes.add(`the anchor \\${next} as ${next === 'A' ? '^' : '$'}`)
      return next === 'A' ? '^' : '$'
    }
    if (ignoreCase && !inClass && (/[1-9]/.test(next) || next === 'k')) throw new Untranslatable('(?i) with a back reference')
    const digits = inClass ? null : /^\\([1-9][0-9]*)/.exec(rest)
    if (digits) {
      i += digits[0].length
      return digits[0]
    }
    if (!inClass && next === 'k' && source[i + 2] === '<') {
      const end = source.indexOf('>', i)
      if (end === -1) throw new Untranslatable('a \\k< is not closed')
      const text = source.slice(i, end + 1)
      i = end + 1
      return text
    }
    throw new Untranslatable(`\\${next} means different things in different engines`)
  }

  while (i < source.length) {
    const c = source[i]
    if (c === '\\') {
      const next = source[i + 1]
      if (next === undefined) throw new Untranslatable('the pattern ends with a backslash')
      if (next === 'p' || next === 'P') out += unicodeProperty(false)
      else if (next === 'x' && source[i + 2] === '{') out += bracedHex()
      else if (/[a-zA-Z0-9]/.test(next)) {
        const text = letterEscape(false)
        out += text
        quantifiable = text !== '^' && text !== '$' && text !== '\\b' && text !== '\\B'
        continue
      } else if (SYNTAX.has(next)) {
        out += `\\${next}`
        i += 2
      } else {
        out += next
        changes.add(`the needless escape \\${next}`)
        i += 2
      }
      quantifiable = true
      continue
    }
    if (c === '[') {
      classBody()
      quantifiable = true
      continue
    }
    if (c === '(') {
      out += group()
      quantifiable = false
      continue
    }
    if (c === ')') {
      out += ')'
      i++
      quantifiable = true
      continue
    }
    if (c === '{') {
      const quantifier = /^\{(\d*)(,?)(\d*)\}/.exec(source.slice(i))
      if (quantifier && quantifiable && (quantifier[1] !== '' || (quantifier[2] === ',' && quantifier[3] !== ''))) {
        // Python's and PCRE2's {,n} is {0,n}.
        const text = quantifier[1] === '' ? `{0,${quantifier[3]}}` : quantifier[0]
        if (text !== quantifier[0]) changes.add(`the quantifier ${quantifier[0]} as ${text}`)
        out += text
        i += quantifier[0].length
        lazyOrPossessive()
        quantifiable = false
        continue
      }
      out += '\\{'
      changes.add('a { that starts no quantifier, read as a literal')
      i++
      quantifiable = true
      continue
    }
    if (c === '}' || c === ']') {
      out += `\\${c}`
      changes.add(`a lone ${c}, read as a literal`)
      i++
      quantifiable = true
      continue
    }
    if (c === '*' || c === '+' || c === '?') {
      out += c
      i++
      lazyOrPossessive()
      quantifiable = false
      continue
    }
    out += /^[a-zA-Z]$/.test(c) && ignoreCase ? `[${c}${otherCase(c)}]` : c
    i++
    quantifiable = c !== '^' && c !== '$' && c !== '|'
  }
  return { pattern: out, changes }

  /** After a quantifier: `?` (lazy) is ECMAScript; `+` (possessive) changes what matches and has no equivalent. */
  function lazyOrPossessive(): void {
    if (source[i] === '?') {
      out += '?'
      i++
    } else if (source[i] === '+') {
      throw new Untranslatable('possessive quantifiers (*+, ++, ?+) have no ECMAScript equivalent')
    }
  }

  /** At a `(`: groups ECMAScript has pass, Python's named groups are renamed, comments go, the rest is untranslatable. */
  function group(): string {
    const rest = source.slice(i)
    // At a `(`, so the match is at least that.
    const plain = /^\((\?(:|=|!|<=|<!|<[A-Za-z_$][\w$]*>))?/.exec(rest)?.[0] ?? '('
    if (plain !== '(' || !rest.startsWith('(?')) {
      i += plain.length
      return plain
    }
    const python = /^\(\?P<([A-Za-z_][\w]*)>/.exec(rest)
    if (python) {
      i += python[0].length
      changes.add(`the Python group (?P<${python[1]}>…) as (?<${python[1]}>…)`)
      return `(?<${python[1]}>`
    }
    const backref = /^\(\?P=([A-Za-z_][\w]*)\)/.exec(rest)
    if (backref) {
      i += backref[0].length
      changes.add(`(?P=${backref[1]}) as \\k<${backref[1]}>`)
      return `\\k<${backref[1]}>`
    }
    const comment = /^\(\?#[^)]*\)/.exec(rest)
    if (comment) {
      i += comment[0].length
      changes.add('a (?#…) comment, dropped')
      return ''
    }
    if (/^\(\?[a-zA-Z-]+[:)]/.test(rest)) throw new Untranslatable('inline flags such as (?i) are Java/Python/PCRE, not ECMAScript')
    if (rest.startsWith('(?>')) throw new Untranslatable('atomic groups (?>…) have no ECMAScript equivalent')
    throw new Untranslatable(`the group ${rest.slice(0, 4)}… is not ECMAScript`)
  }
}
