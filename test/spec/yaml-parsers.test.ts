/**
 * doorman reads YAML with js-yaml first (3-5x faster) and falls back to `yaml`
 * for what js-yaml refuses (src/spec/load-spec.ts parseYaml). That is only
 * sound if the two read every document js-yaml accepts the same way: this
 * proves it on every YAML file in the repository and on the scalars where
 * YAML parsers are known to disagree.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { CORE_SCHEMA, load } from 'js-yaml'
import t from 'tap'
import { parseDocument } from 'yaml'
import { ROOT } from '../helpers.js'

const readFast = (text: string) => load(text, { schema: CORE_SCHEMA, maxAliases: 0 })
const readFull = (text: string) => parseDocument(text, { uniqueKeys: true }).toJS({ maxAliasCount: 1000 })

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    if (statSync(full).isDirectory()) return name === 'node_modules' || name.startsWith('.') ? [] : yamlFiles(full)
    return /\.ya?ml$/.test(name) ? [full] : []
  })
}

t.test('every YAML file in the repository reads the same with both parsers', async (t) => {
  const files = [path.join(ROOT, 'openapi.yaml'), ...yamlFiles(path.join(ROOT, 'fixtures')), ...yamlFiles(path.join(ROOT, 'examples'))]
  let compared = 0
  for (const file of files) {
    const text = readFileSync(file, 'utf8')
    let fast: unknown
    try {
      fast = readFast(text)
    } catch {
      continue // js-yaml refuses it: `yaml` alone reads it, nothing to compare
    }
    t.strictSame(readFull(text), fast, path.relative(ROOT, file))
    compared++
  }
  t.ok(compared >= 20, `${compared} of ${files.length} files compared`)
})

t.test('scalars YAML parsers are known to disagree on', async (t) => {
  const cases = [
    'version: 1.0',
    'version: 1.10',
    'openapi: 3.0',
    'flag: yes',
    'flag: on',
    'flag: True',
    'n: ~',
    'n: null',
    'octal: 0o17',
    'leading: 012',
    'hex: 0x1F',
    'big: 12345678901234567890',
    'inf: .inf',
    'nan: .NaN',
    'date: 2020-01-01',
    'time: 2020-01-01T10:00:00Z',
    'exp: 1e3',
    'neg: -0',
    'sci: 6.02e+23',
    "quoted: '010'",
    'multi: |\n  a\n  b\n',
    'folded: >\n  a\n  b\n',
    'key with spaces: value',
    '"200": {description: ok}',
    '? complex\n: value',
  ]
  for (const text of cases) {
    let fast: unknown
    try {
      fast = readFast(text)
    } catch (error) {
      t.pass(`${JSON.stringify(text)}: js-yaml refuses it (${(error as Error).message.split('\n')[0]}), so only \`yaml\` reads it`)
      continue
    }
    t.strictSame(readFull(text), fast, JSON.stringify(text))
  }
})
