import fc from 'fast-check'
import t from 'tap'
import { oneByteJsonText } from '../../src/spec/one-byte-json.js'

// The text it gives must parse to exactly what the UTF-8 text parses to, or be undefined (the usual read then).
function same(bytes: Buffer): boolean {
  const usual = (() => {
    try {
      return { value: JSON.parse(bytes.toString('utf8')) as unknown }
    } catch {
      return { error: true }
    }
  })()
  const text = oneByteJsonText(bytes)
  if (text === undefined) return true
  try {
    const value = JSON.parse(text) as unknown
    return !usual.error && JSON.stringify(value) === JSON.stringify(usual.value)
  } catch {
    return usual.error === true
  }
}

t.test('any JSON value reads the same, whatever characters its strings hold', async (t) => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => same(Buffer.from(JSON.stringify(value)))),
    { numRuns: 500 },
  )
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => same(Buffer.from(JSON.stringify({ [s]: s })))),
    { numRuns: 500 },
  )
  t.pass('500 + 500 documents')
})

t.test('the text is one byte a character: characters past U+00FF become \\u escapes', async (t) => {
  const text = oneByteJsonText(Buffer.from('{"a":"é ā 😀"}'))
  t.equal(text, '{"a":"é \\u0101 \\ud83d\\ude00"}')
  t.same(JSON.parse(text!), { a: 'é ā 😀' })
})

t.test('what it cannot carry over faithfully is left to the usual read', async (t) => {
  // `\ā` is not a JSON escape: escaping the ā would make it the valid `\\u0101`.
  t.equal(oneByteJsonText(Buffer.from('{"a":"\\ā"}')), undefined)
  // Bytes that are not UTF-8.
  t.equal(oneByteJsonText(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe2, 0x28, 0xa1, 0x22, 0x7d])), undefined)
  // Invalid JSON stays invalid, so the usual read reports it with line:column.
  t.throws(() => JSON.parse(oneByteJsonText(Buffer.from('{"a": ā}'))!))
})
