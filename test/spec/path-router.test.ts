import fc from 'fast-check'
import t from 'tap'
import { parseTemplate, PathRouter } from '../../src/spec/path-router.js'

function router(...templates: string[]) {
  const r = new PathRouter<string>()
  for (const template of templates) r.add(parseTemplate(template).segments, template)
  return (path: string) => {
    const found = r.find(path)
    return found.kind === 'found' ? `${found.value} ${JSON.stringify(found.captures)}` : found.kind
  }
}

t.test('segments: literal, bare parameter, literal text around parameters', async (t) => {
  const parsed = parseTemplate('/v1/{name}:cancel/files/{id}.{format}/{rest}')
  t.same(parsed.segments, [
    { kind: 'static', text: '' },
    { kind: 'static', text: 'v1' },
    { kind: 'pattern', parts: ['', 'name', ':cancel'] },
    { kind: 'static', text: 'files' },
    { kind: 'pattern', parts: ['', 'id', '.', 'format', ''] },
    { kind: 'param', name: 'rest' },
  ])
  t.same(parsed.params, ['name', 'id', 'format', 'rest'])
  t.equal(parsed.shape, '/v1/{}:cancel/files/{}.{}/{}')
  t.equal(parseTemplate('/a/{x}').shape, parseTemplate('/a/{y}').shape, 'parameter names are not part of the shape')
  t.equal(parseTemplate('/a/{b').strayBraces, true)
  t.equal(parseTemplate('/a/{}').strayBraces, true)
  t.equal(parseTemplate('/a/{b}').strayBraces, false)
})

t.test('parameters are read as matchAll read them, with braces anywhere in a segment', async (t) => {
  // The reading parseTemplate had before its scan by hand, kept as the reference.
  const reference = (segment: string) => {
    const parts: string[] = []
    let last = 0
    for (const match of segment.matchAll(/\{([^{}]+)\}/g)) {
      parts.push(segment.slice(last, match.index), match[1])
      last = match.index + match[0].length
    }
    return { parts, tail: segment.slice(last) }
  }
  const segment = fc.string({ unit: fc.constantFrom('{', '}', 'a', 'b', '.', ':'), maxLength: 12 })
  fc.assert(
    fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), (raws) => {
      const parsed = parseTemplate(raws.join('/'))
      raws.forEach((raw, i) => {
        const { parts, tail } = reference(raw)
        const got = parsed.segments[i]
        const expected =
          parts.length === 0
            ? { kind: 'static', text: tail }
            : parts.length === 2 && parts[0] === '' && tail === ''
              ? { kind: 'param', name: parts[1] }
              : { kind: 'pattern', parts: [...parts, tail] }
        t.same(got, expected, raw)
        const literal = [...parts.filter((_, k) => k % 2 === 0), tail].join('')
        if (/[{}]/.test(literal)) t.ok(parsed.strayBraces, `${raw}: a stray brace`)
      })
      const strays = raws.some((raw) => {
        const { parts, tail } = reference(raw)
        return /[{}]/.test([...parts.filter((_, k) => k % 2 === 0), tail].join(''))
      })
      t.equal(parsed.strayBraces, strays)
    }),
    { numRuns: 300, seed: 20261202 },
  )
})

t.test('concrete before templated, whatever the order of the templates', async (t) => {
  for (const order of [
    ['/pets/{id}', '/pets/mine', '/pets/{id}.{format}', '/pets/fixed.{format}'],
    ['/pets/fixed.{format}', '/pets/{id}.{format}', '/pets/mine', '/pets/{id}'],
  ]) {
    const find = router(...order)
    t.equal(find('/pets/mine'), '/pets/mine []')
    t.equal(find('/pets/7'), '/pets/{id} ["7"]')
    t.equal(find('/pets/fixed.json'), '/pets/fixed.{format} ["json"]')
    t.equal(find('/pets/7.json'), '/pets/{id}.{format} ["7","json"]')
    t.equal(find('/pets/a.tar.gz'), '/pets/{id}.{format} ["a.tar","gz"]', "the extension is after the last '.'")
  }
})

t.test('a dead end backs up to the next candidate', async (t) => {
  const find = router('/a/b/c', '/a/{x}/d', '/{y}/b/e')
  t.equal(find('/a/b/c'), '/a/b/c []')
  t.equal(find('/a/b/d'), '/a/{x}/d ["b"]')
  t.equal(find('/a/b/e'), '/{y}/b/e ["a"]')
  t.equal(find('/a/b'), 'not-found')
  t.equal(find('/a/b/c/'), 'not-found', 'a trailing slash is a segment of its own')
})

t.test('segments are split, then percent-decoded', async (t) => {
  const find = router('/v1/{name}', '/v1/{name}:cancel', '/orders/mine')
  t.equal(find('/v1/operations%2Fabc:cancel'), '/v1/{name}:cancel ["operations/abc"]')
  t.equal(find('/v1/operations%2Fabc%3Acancel'), '/v1/{name}:cancel ["operations/abc"]', 'an encoded colon is a colon')
  t.equal(find('/v1/operations%2Fabc'), '/v1/{name} ["operations/abc"]')
  t.equal(find('/orders/m%69ne'), '/orders/mine []')
  t.equal(find('/v1/%zz'), 'bad-url')
  t.equal(find(`/v1/${'a'.repeat(1000)}`), `/v1/{name} ["${'a'.repeat(1000)}"]`)
  t.equal(find(`/v1/${'a'.repeat(1001)}`), 'too-long')
  t.equal(find(`/nowhere/${'a'.repeat(1001)}`), 'too-long', 'decided before matching')
})

t.test('literal text is literal, including what regular expressions and find-my-way read specially', async (t) => {
  const find = router('/a/{x}.(json)', '/b/*', '/c/:d', '/e/{x}+{y}')
  t.equal(find('/a/1.(json)'), '/a/{x}.(json) ["1"]')
  t.equal(find('/a/1xjson'), 'not-found')
  t.equal(find('/b/*'), '/b/* []')
  t.equal(find('/b/anything'), 'not-found')
  t.equal(find('/c/:d'), '/c/:d []')
  t.equal(find('/e/1+2'), '/e/{x}+{y} ["1","2"]')
})

t.test('with a filter: the most concrete match the filter accepts', async (t) => {
  const r = new PathRouter<string>()
  for (const template of ['/pets/mine', '/pets/{id}']) r.add(parseTemplate(template).segments, template)
  t.match(
    r.find('/pets/mine', (v) => v !== '/pets/mine'),
    { kind: 'found', value: '/pets/{id}', captures: ['mine'] },
  )
  t.match(
    r.find('/pets/mine', () => false),
    { kind: 'not-found' },
  )
})

t.test('adding a shape twice returns what is there', async (t) => {
  const r = new PathRouter<string>()
  t.equal(r.add(parseTemplate('/a/{x}').segments, 'first'), undefined)
  t.equal(r.add(parseTemplate('/a/{y}').segments, 'second'), 'first')
})

t.test('a segment with many parameters matches a hostile 1000-character segment quickly', async (t) => {
  const find = router('/x/{a}-{b}-{c}-{d}.{e}', '/y/{a}{b}{c}:z')
  for (const segment of ['-'.repeat(1000), `${'-'.repeat(999)}.`, `${'a-'.repeat(499)}aa`, ':'.repeat(1000)]) {
    const started = performance.now()
    find(`/x/${segment}`)
    find(`/y/${segment}`)
    const ms = performance.now() - started
    t.ok(ms < 50, `${segment.slice(0, 12)}… in ${ms.toFixed(1)} ms`)
  }
  t.equal(find('/x/1-2-3-4.5'), '/x/{a}-{b}-{c}-{d}.{e} ["1","2","3","4","5"]')
})

t.test('a large table matches fast', async (t) => {
  const templates: string[] = []
  for (let i = 0; i < 1000; i++) templates.push(`/repos/{owner}/{repo}/thing${i}/{id}`, `/orgs/{org}/item${i}:{verb}`)
  const find = router(...templates)
  t.equal(find('/repos/a/b/thing999/7'), '/repos/{owner}/{repo}/thing999/{id} ["a","b","7"]')
  const started = performance.now()
  for (let i = 0; i < 10_000; i++) find(`/repos/a/b/thing${i % 1000}/7`)
  const perLookupUs = ((performance.now() - started) / 10_000) * 1000
  t.ok(perLookupUs < 50, `${perLookupUs.toFixed(2)} µs per lookup`)
})
