/**
 * readPattern: a pattern ajv cannot compile (ECMAScript `u` mode) is
 * rewritten only where it means the same in the engines its author could
 * have tested it with, and the rewrite matches what the author meant.
 */
import fc from 'fast-check'
import t, { type Test } from 'tap'
import { readPattern } from '../../src/spec/patterns.js'
import { isMultipleOf } from '../../src/spec/ajv-keywords.js'

function translated(t: Test, pattern: string): RegExp {
  const reading = readPattern(pattern)
  if (reading.kind !== 'translated') {
    t.fail(`${pattern} was not translated: ${JSON.stringify(reading)}`)
    return /(?!)/u
  }
  return new RegExp(reading.pattern, 'u')
}

t.test('valid u-mode patterns are left alone', async (t) => {
  for (const pattern of [
    '/api/',
    '^[a-z]+$',
    '^\\d{3}-\\d{4}$',
    '^[\\w.-]+@[\\w-]+\\.[a-z]{2,}$',
    '\\p{L}+',
    '^[^\\]]+$',
    '(?<year>\\d{4})-\\k<year>',
    '^\\/api\\/',
  ]) {
    t.same(readPattern(pattern), { kind: 'valid' }, pattern)
  }
})

t.test('what each rewrite accepts and refuses', async (t) => {
  const cases: Array<[string, string[], string[]]> = [
    // AWS: \p{all}
    ['[\\p{all}]*', ['', 'anything ☃ at all\n'], []],
    // AWS: needless escapes inside a class
    ['^[a-zA-Z0-9\\/\\+\\=]{0,2048}$', ['AbC+/9=', ''], ['a b', 'a-b']],
    // SendGrid: \` \" \' beside \u0080-\u024F
    ['^[a-zA-Z\\u0080-\\u024F\\s\\/\\-\\)\\(\\`\\.\\"\\\']+$', ['O\'Brien-Sánchez (Jr.) `x` "y"'], ['R2-D2', 'a_b', '☃']],
    // a GUID in braces
    ['^(?:{[0-9a-fA-F]{4}})$', ['{0aF9}'], ['0aF9', '{0aF}', '{{0aF9}}']],
    ['^[\\w-.]+$', ['a-b.c_d'], ['a b', 'a/b']],
    ['a\\-b\\_c\\@', ['a-b_c@'], ['ab_c@']],
    ['(?i)^[a-f0-9-]+ok$', ['ABC-9OK', 'abc-9ok', 'aBc-9oK'], ['abg-ok', 'abc-9o']],
    ['\\Aabc\\z', ['abc'], ['xabc', 'abcx']],
    ['^[[:alpha:]_]+$', ['Ab_c'], ['a1']],
    ['\\p{IsLatin}+', ['Ça'], ['Ωμ']],
    ['^\\pL+$', ['Ωμ'], ['1']],
    ['^a{,3}$', ['', 'aaa'], ['aaaa']],
    ['^(?P<x>a|b)(?P=x)$', ['aa', 'bb'], ['ab']],
    ['^[]a]+$', [']a]'], ['b']],
    ['^x}$', ['x}'], ['x']],
    ['^\\x{263A}$', ['☺'], ['x']],
    ['^a(?#a comment)b$', ['ab'], ['a(?#a comment)b']],
    // data2crm: a JavaScript regex literal, slashes and all (a / before ^ can never match)
    ['/^\\d{4}-\\d{2}$/', ['2024-05'], ['/2024-05/']],
    ['/^[a-z]+\\-x$/i', ['ABC-X'], ['abc-y']],
    // AWS: octal escapes (Java)
    ['^[^/:|\\000-\\037]+$', ['ok'], ['a/b', 'tab\there']],
    // Amadeus: script names as Java and PCRE write them
    ['^[A-Za-z \\p{Han}\\p{Katakana}-]*$', ['Li 李', 'カタ'], ['Ωμ']],
  ]
  for (const [pattern, matches, misses] of cases) {
    const regex = translated(t, pattern)
    for (const text of matches) t.ok(regex.test(text), `${pattern} matches ${JSON.stringify(text)} (as ${regex.source})`)
    for (const text of misses) t.notOk(regex.test(text), `${pattern} does not match ${JSON.stringify(text)} (as ${regex.source})`)
  }
})

t.test('what has no ECMAScript equivalent is not guessed at', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['^a++b$', /possessive quantifiers/],
    ['^(?>a)$', /atomic groups/],
    ['(?i:abc)', /inline flags/],
    ['^a(?i)b$', /inline flags/],
    ['(?i)\\p{Lu}', /\(\?i\) with \\p\{Lu\}/],
    ['\\h+', /\\h means different things/],
    ['[[:^alpha:]]', /POSIX class \[:\^alpha:\]/],
    ['\\p{InGreek}', /not a Unicode property ECMAScript knows/],
    ['[', /not closed/],
    // AWS: Java's class intersection, and a nested class
    ['[\\p{Print}&&[^|:/]]+', /class intersection/],
    ['^[a-d[m-p]]+$', /nested class in Java/],
    ['\\0377', /means different things/],
    ['a{2,1}', /numbers out of order/],
    ['abc\\', /ends with a backslash/],
  ]
  for (const [pattern, reason] of cases) {
    const reading = readPattern(pattern)
    t.equal(reading.kind, 'untranslatable', pattern)
    if (reading.kind === 'untranslatable') t.match(reading.reason, reason, `${pattern}: ${reading.reason}`)
  }
})

t.test('needless escapes and literal braces mean what JavaScript without u mode reads', async (t) => {
  // Without the u flag JavaScript reads `\=` as `=` and a stray `{` as itself: the translation must agree on every input.
  const piece = fc.constantFrom('a', 'b', '\\=', '\\-', '\\"', "\\'", '\\`', '\\@', '{', '}', '[a\\=]', '[\\w\\-]', '(?:x)', 'x?', '.', '\\d', '{2}')
  const text = fc.string({ unit: fc.constantFrom('a', 'b', '=', '-', '"', "'", '`', '@', '{', '}', 'x', '1', '_', ' ') })
  fc.assert(
    fc.property(fc.array(piece, { minLength: 1, maxLength: 8 }), fc.array(text, { maxLength: 10 }), (pieces, inputs) => {
      const source = `^${pieces.join('')}$`
      let loose: RegExp
      try {
        loose = new RegExp(source)
      } catch {
        return true
      }
      const reading = readPattern(source)
      if (reading.kind === 'untranslatable') return true
      const strict = new RegExp(reading.kind === 'valid' ? source : reading.pattern, 'u')
      return inputs.every((input) => loose.test(input) === strict.test(input))
    }),
    { numRuns: 500 },
  )
  // fc.assert throws on the first pattern read two ways: reaching here is the check passing.
  t.pass('500 random patterns match alike with and without u mode')
})

t.test('multipleOf is exact in decimal', async (t) => {
  t.ok(isMultipleOf(75.3, 0.1), '75.3 / 0.1 is 752.9999999999999 in binary')
  t.ok(isMultipleOf(19.99, 0.01))
  t.ok(isMultipleOf(1234567.8, 0.1))
  t.ok(isMultipleOf(-0.3, 0.1))
  t.ok(isMultipleOf(1e21, 0.5))
  t.ok(isMultipleOf(3e-7, 1e-7))
  t.ok(isMultipleOf(10, 2.5))
  t.notOk(isMultipleOf(75.35, 0.1))
  t.notOk(isMultipleOf(0.1 + 0.2, 0.1), '0.30000000000000004 is what was sent')
  t.notOk(isMultipleOf(7, 2))
  t.notOk(isMultipleOf(1, 0), 'a step of 0 has no multiples')
  fc.assert(
    fc.property(fc.integer({ min: -1e6, max: 1e6 }), fc.constantFrom(0.1, 0.01, 0.25, 0.5, 0.001), (n, step) => {
      const decimals = String(step).split('.')[1].length
      return isMultipleOf(Number((n * step).toFixed(decimals)), step)
    }),
  )
})
