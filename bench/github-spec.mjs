// GitHub's REST API description (npm @octokit/openapi: 13 MB of JSON, ~1,100
// operations), the large real document of the start-up benchmark. It is not a
// dependency: `npm pack` fetches it once into a cache outside the repository.
//
//   node bench/github-spec.mjs            fetch it (if absent) and print its path
//
// DOORMAN_SPEC_CACHE   the cache (default ~/.cache/doorman/specs)
// GITHUB_SPEC_VERSION  the @octokit/openapi version (default below: the one measured in docs/performance.md)
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const GITHUB_SPEC_VERSION = process.env.GITHUB_SPEC_VERSION ?? '23.0.2'
export const SPEC_CACHE = process.env.DOORMAN_SPEC_CACHE ?? path.join(os.homedir(), '.cache', 'doorman', 'specs')
const file = path.join(SPEC_CACHE, `api.github.com-${GITHUB_SPEC_VERSION}.json`)
const root = fileURLToPath(new URL('..', import.meta.url))

/** The cached document's path, or undefined when it has not been fetched. */
export function cachedGithubSpec() {
  return existsSync(file) ? file : undefined
}

/** Fetches the document with `npm pack` (once) and returns its path. */
export function fetchGithubSpec() {
  if (existsSync(file)) return file
  mkdirSync(SPEC_CACHE, { recursive: true })
  const tarball = execFileSync('npm', ['pack', `@octokit/openapi@${GITHUB_SPEC_VERSION}`, '--silent'], { cwd: SPEC_CACHE, encoding: 'utf8' })
    .trim()
    .split('\n')
    .pop()
  const unpacked = path.join(SPEC_CACHE, `octokit-openapi-${GITHUB_SPEC_VERSION}`)
  mkdirSync(unpacked, { recursive: true })
  execFileSync('tar', ['xzf', tarball, '-C', unpacked, 'package/generated/api.github.com.json'], { cwd: SPEC_CACHE })
  writeFileSync(file, readFileSync(path.join(unpacked, 'package', 'generated', 'api.github.com.json')))
  rmSync(unpacked, { recursive: true })
  rmSync(path.join(SPEC_CACHE, tarball))
  return file
}

/**
 * The document to serve: GitHub's own, or, while doorman refuses it (two
 * templates that differ only in parameter names made start-up stop before
 * route-table conflicts became notes), a copy without the second of each
 * such pair, as the issue measured it. Says which on stderr.
 */
export function servableGithubSpec(spec, cli = 'dist/doorman.js') {
  try {
    execFileSync(process.execPath, [cli, 'check', spec], { cwd: root, stdio: 'ignore' })
    return spec
  } catch {
    const copy = spec.replace(/\.json$/, '.same-templates-dropped.json')
    if (!existsSync(copy)) {
      const doc = JSON.parse(readFileSync(spec, 'utf8'))
      const seen = new Set()
      for (const template of Object.keys(doc.paths)) {
        const shape = template.replace(/\{[^}]*\}/g, '{}')
        if (seen.has(shape)) delete doc.paths[template]
        seen.add(shape)
      }
      writeFileSync(copy, JSON.stringify(doc, null, 2))
    }
    process.stderr.write(
      `doorman check refuses ${path.basename(spec)}: measuring ${path.basename(copy)} (the paths whose template repeats another's dropped)\n`,
    )
    return copy
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(fetchGithubSpec())
