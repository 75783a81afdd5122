// The `doorman` command as one file: the ES module loader then reads, resolves and links
// one module instead of ~80 of doorman's and a few hundred of its dependencies', which is
// about half of a start (docs/performance.md, "Start-up"). The library (dist/index.js)
// stays as tsc writes it, with its types.
//
//   node scripts/bundle-cli.mjs        (npm run build runs it after tsc)
import { build } from 'esbuild'
import { readdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

// Chunk names carry a hash: the ones an earlier build wrote would otherwise pile up beside the new ones.
for (const name of readdirSync(path.join(root, 'dist'))) if (/^doorman-.*\.js(\.map)?$/.test(name)) rmSync(path.join(root, 'dist', name))

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // Bundled CommonJS code calls require() for Node's own modules; an ES module has none of its own.
  banner: { js: "import { createRequire as __doormanCreateRequire } from 'node:module'; const require = __doormanCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  // Less text for V8 to read and pre-parse at every start (3.7 MB written instead of 5.5, with the chunks); names are
  // kept, so stack traces still name the functions, and the source maps lead back to the code.
  minifyWhitespace: true,
  minifySyntax: true,
}

// TLS's X.509 library (src/tls/x509-library.ts, loaded with import() on first use) is a bundle of its own:
// a start without TLS does not parse its 700 kB.
const X509_LIBRARY = /[\\/]tls[\\/]x509-library\.js$/
await build({ ...common, entryPoints: ['dist/tls/x509-library.js'], outfile: 'dist/doorman-x509.js', mainFields: ['module', 'main'] })

// Code that only some starts need (the proxy's reply-from and undici, the Swagger 2.0 upgrade, the $ref bundler)
// is reached through import() and lands in chunks of its own: a plain `serve` neither reads nor compiles it.
await build({
  ...common,
  entryPoints: { doorman: 'dist/bin.js' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'doorman-[name]-[hash]',
  plugins: [
    {
      name: 'x509-library-apart',
      setup(build) {
        build.onResolve({ filter: /x509-library\.js$/ }, (args) =>
          X509_LIBRARY.test(path.join(args.resolveDir, args.path)) ? { path: './doorman-x509.js', external: true } : undefined,
        )
      },
    },
  ],
})
