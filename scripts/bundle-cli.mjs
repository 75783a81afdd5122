// The `doorman` command as one file: the ES module loader then reads, resolves and links
// one module instead of ~80 of doorman's and a few hundred of its dependencies', which is
// about half of a start (docs/performance.md, "Start-up"). The library (dist/index.js)
// stays as tsc writes it, with its types.
//
//   node scripts/bundle-cli.mjs        (npm run build runs it after tsc)
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

await build({
  absWorkingDir: root,
  entryPoints: ['dist/cli.js'],
  outfile: 'dist/doorman.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // Bundled CommonJS code calls require() for Node's own modules; an ES module has none of its own.
  banner: { js: "import { createRequire as __doormanCreateRequire } from 'node:module'; const require = __doormanCreateRequire(import.meta.url);" },
  logLevel: 'warning',
})
