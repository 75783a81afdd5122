// docs/config.md documents every key of CONFIG_SCHEMA, and nothing else: checked both ways.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { resolveConfig } from '../src/config.js'
import { CONFIG_SCHEMA } from '../src/index.js'
import { ROOT } from './helpers.js'

type Schema = Record<string, unknown>

/**
 * Every key path of the schema: `limits.bodySize`, `operations.*.bodySize`
 * (a key you choose), `faults[].status` (a field of each list item).
 * A subschema used in two places (the fault plan, under `faults[]` and
 * `faults.plans[]`) is documented once, where it is met first. `anyOf`
 * alternatives are forms of one value (a size, a delay), not keys.
 */
export function configKeys(schema: Schema, prefix = '', out = new Set<string>(), seen = new Set<object>()): Set<string> {
  if (seen.has(schema)) return out
  seen.add(schema)
  for (const [name, sub] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    const key = prefix ? `${prefix}.${name}` : name
    out.add(key)
    configKeys(sub, key, out, seen)
  }
  const extra = schema.additionalProperties as Schema | boolean | undefined
  if (typeof extra === 'object' && extra.properties) configKeys(extra, `${prefix}.*`, out, seen)
  const items = schema.items as Schema | undefined
  if (items && typeof items === 'object' && !Array.isArray(items)) configKeys(items, `${prefix}[]`, out, seen)
  for (const branch of [...((schema.oneOf ?? []) as Schema[]), ...((schema.allOf ?? []) as Schema[])]) configKeys(branch, prefix, out, seen)
  for (const branch of [schema.then, schema.else]) if (branch && typeof branch === 'object') configKeys(branch as Schema, prefix, out, seen)
  return out
}

/** The rows of the tables whose header starts `| key |`, cut into cells; the key `<operationId>` reads as `*`. */
export function documentedRows(markdown: string): Array<{ key: string; cells: string[] }> {
  const rows: Array<{ key: string; cells: string[] }> = []
  let inKeyTable = false
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      inKeyTable = false
      continue
    }
    if (/^\|\s*key\s*\|/.test(line)) {
      inKeyTable = true
      continue
    }
    const cell = /^\|\s*`([^`]+)`\s*\|/.exec(line)
    if (inKeyTable && cell) {
      const cells = line
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((text) => text.trim())
      rows.push({ key: cell[1].replace(/<[^>]+>/g, '*'), cells })
    }
  }
  return rows
}

const doc = readFileSync(path.join(ROOT, 'docs', 'config.md'), 'utf8')
const inSchema = configKeys(CONFIG_SCHEMA)
const rows = documentedRows(doc)
const inDoc = rows.map((row) => row.key)

t.test('the walker sees the schema as docs/config.md presents it', async (t) => {
  t.ok(inSchema.has('limits.bodySize'))
  t.ok(inSchema.has('operations.*.bodySize'), 'a key you choose is *')
  t.ok(inSchema.has('auth.bearer.jwt.clockTolerance'), 'nested objects')
  t.ok(inSchema.has('faults[].retryAfter'), 'fields of the list form')
  t.ok(inSchema.has('faults.preferHeader'), 'keys of the object form')
  t.notOk(inSchema.has('faults.plans[].kind'), 'the plan is documented once, under faults[]')
  t.notOk(
    [...inSchema].some((key) => key.includes('.min') || key.includes('.median')),
    'the forms of a delay are not keys',
  )
  t.ok(inDoc.length > 40, `the doc's key tables were found (${inDoc.length} rows)`)
})

t.test('every key of CONFIG_SCHEMA is documented in docs/config.md', async (t) => {
  const missing = [...inSchema].filter((key) => !inDoc.includes(key))
  t.same(missing, [], `add a row for each of these to docs/config.md: ${missing.join(', ')}`)
})

t.test('docs/config.md documents no key the schema does not have', async (t) => {
  const stale = inDoc.filter((key) => !inSchema.has(key))
  t.same(stale, [], `remove these rows from docs/config.md, or add them to CONFIG_SCHEMA: ${stale.join(', ')}`)
})

t.test('no key is documented twice', async (t) => {
  const twice = inDoc.filter((key, i) => inDoc.indexOf(key) !== i)
  t.same(twice, [])
})

t.test('each documented key has a type and a meaning', async (t) => {
  const incomplete = rows.filter(({ cells }) => cells.length !== 4 || !cells[1] || (cells[3] ?? '').length < 10).map((row) => row.key)
  t.same(incomplete, [], 'rows are | key | type | default | meaning |, with a type and a meaning')
})

t.test('the complete example at the top of docs/config.md is a valid config', async (t) => {
  const example = /```yaml\n([\s\S]*?)```/.exec(doc)![1]
  const config = parse(example)
  t.doesNotThrow(() => resolveConfig(config), 'it passes the schema and the checks after it')
  t.same(
    Object.keys(CONFIG_SCHEMA.properties).filter((key) => !(key in config)),
    [],
    'every section appears in it',
  )
})
