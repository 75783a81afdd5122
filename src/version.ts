import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * doorman's version, from its package.json. Looked for upwards from this
 * module, because the module sits at a different depth in `dist/` (tsc) and
 * in the bundled command (`dist/doorman.js`).
 */
export const VERSION: string = findVersion(path.dirname(fileURLToPath(import.meta.url)))

function findVersion(dir: string): string {
  for (let current = dir; ; current = path.dirname(current)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(current, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'doorman' && typeof pkg.version === 'string') return pkg.version
    } catch {
      // no package.json here (or not doorman's): look one level up
    }
    if (path.dirname(current) === current) return '0.0.0-unknown'
  }
}
