// Rewrites the table in docs/errors.md from the catalog (src/problems/catalog.ts).
// test/problems/catalog.test.ts fails when the two disagree; run `npm run docs` to fix.
import { readFileSync, writeFileSync } from 'node:fs'
import { CATALOG } from '../dist/index.js'

const file = new URL('../docs/errors.md', import.meta.url)
const doc = readFileSync(file, 'utf8')
const begin = '<!-- catalog:begin -->'
const end = '<!-- catalog:end -->'
const rows = Object.entries(CATALOG).map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.step} | ${e.meaning} | ${e.fix} |`)
const table = ['| code | status | step | when it happens | how to fix the request |', '| --- | --- | --- | --- | --- |', ...rows].join('\n')
const start = doc.indexOf(begin)
const stop = doc.indexOf(end)
if (start === -1 || stop === -1) throw new Error(`docs/errors.md needs ${begin} and ${end}`)
writeFileSync(file, doc.slice(0, start + begin.length) + '\n' + table + '\n' + doc.slice(stop))
console.log(`docs/errors.md: ${rows.length} codes`)
