// Module hooks for test/ts-loader.mjs (they run on Node's loader thread).
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
// Kept between runs (the same text compiles to the same code); the key names the compiler's version and options.
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'doorman-test-ts')
const OPTIONS = {
  loader: 'ts',
  format: 'esm',
  target: 'es2022',
  sourcemap: 'inline',
  // tsconfig.json's target is ES2022: class fields are defined, as tsc emits them.
  tsconfigRaw: { compilerOptions: { target: 'ES2022', useDefineForClassFields: true } },
}
const TS = /\.m?ts$/
const ours = (url) => url.startsWith('file:') && !url.includes('/node_modules/')

let esbuild
let cacheReady

export async function resolve(specifier, context, nextResolve) {
  // `./x.js` written in a .ts file means ./x.ts when there is no ./x.js (NodeNext: imports name what tsc would emit).
  if (/^\.\.?\//.test(specifier) && /\.m?js$/.test(specifier) && context.parentURL && ours(context.parentURL)) {
    const url = new URL(specifier, context.parentURL)
    if (!existsSync(url)) {
      const ts = new URL(url.href.replace(/js$/, 'ts'))
      if (existsSync(ts)) return { url: ts.href, format: 'module', shortCircuit: true }
    }
  }
  return nextResolve(specifier, context)
}

export async function load(url, context, nextLoad) {
  if (!TS.test(url) || !ours(url)) return nextLoad(url, context)
  const file = fileURLToPath(url)
  const source = await readFile(file, 'utf8')
  esbuild ??= await import('esbuild')
  const key = createHash('sha1').update(esbuild.version).update(JSON.stringify(OPTIONS)).update(file).update(source).digest('hex')
  const cached = path.join(CACHE, `${key}.mjs`)
  let code
  try {
    code = await readFile(cached, 'utf8')
  } catch {
    code = (await esbuild.transform(source, { ...OPTIONS, sourcefile: file })).code
    cacheReady ??= mkdir(CACHE, { recursive: true })
    await cacheReady
    // Written whole, then renamed: a test process running beside this one never reads half a file.
    const partial = `${cached}.${process.pid}.tmp`
    await writeFile(partial, code)
    await rename(partial, cached)
  }
  return { format: 'module', source: code, shortCircuit: true }
}
