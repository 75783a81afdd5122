// Problem.serialize() assembles a refusal's JSON from parts made once (a reused 401 or 415 is sent thousands of
// times): it must be, byte for byte, the JSON of toJSON() for every problem.
import t from 'tap'
import fc from 'fast-check'
import { CATALOG, type ProblemCode } from '../../src/problems/catalog.js'
import { Problem } from '../../src/problems/problem.js'

const codes = Object.keys(CATALOG) as ProblemCode[]

t.test('serialize() is JSON.stringify(toJSON()) for any problem, origin, instance and request id', async (t) => {
  const extraValue = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.constant(undefined),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.dictionary(fc.string(), fc.string()),
  )
  fc.assert(
    fc.property(
      fc.constantFrom(...codes),
      fc.string({ unit: 'binary' }),
      fc.dictionary(fc.string(), extraValue, { maxKeys: 4 }),
      fc.webUrl(),
      fc.string({ unit: 'binary' }),
      fc.string(),
      (code, detail, extra, origin, instance, requestId) => {
        const problem = new Problem(code, { detail, extra })
        const expected = JSON.stringify(problem.toJSON(origin, instance, requestId))
        // Twice: the second call assembles from the parts the first one made.
        return problem.serialize(origin, instance, requestId) === expected && problem.serialize(origin, instance, requestId) === expected
      },
    ),
    { numRuns: 500 },
  )
  t.pass('500 random problems')
})

t.test('an extension named like a standard member keeps the place toJSON gives it', async (t) => {
  for (const key of ['type', 'status', 'detail', 'instance', 'code', 'step', 'requestId', 'title']) {
    const problem = new Problem('BODY_INVALID', { detail: 'd', extra: { errors: [], [key]: 'x' } })
    t.equal(problem.serialize('http://h', '/p', 'r-1'), JSON.stringify(problem.toJSON('http://h', '/p', 'r-1')), key)
  }
})

t.test('an extension named like an array index goes first, as in toJSON', async (t) => {
  const problem = new Problem('BODY_INVALID', { detail: 'd', extra: { 0: 'zero', 12: 'twelve', errors: [] } })
  const json = problem.serialize('http://h', '/p', 'r-1')
  t.equal(json, JSON.stringify(problem.toJSON('http://h', '/p', 'r-1')))
  t.match(json, /^\{"0":"zero","12":"twelve","type":/)
})
