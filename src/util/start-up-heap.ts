import v8 from 'node:v8'

/**
 * Keeps V8's young generation at its starting size while a spec loads, and lets it grow again afterwards.
 *
 * Loading a large description (GitHub's: 13 MB of JSON, 41 MiB of objects) allocates objects that all survive,
 * and V8 answers a high survival rate by doubling the young generation up to its 2 × 16 MiB semi-spaces: ~30 MiB
 * of the start's peak RSS that buys nothing, since everything is promoted anyway (docs/performance.md, Start-up).
 * A flag like `--max-semi-space-size` can only be given to `node` itself, but V8 reads the growth factor each time
 * it would grow, so setting it at run time holds the size while the document loads; afterwards the factor goes back
 * to V8's default (2), and the young generation grows as usual under load. Where the user set the factor for
 * `node` (execArgv or NODE_OPTIONS), it is left alone.
 */
export function holdYoungGeneration(): () => void {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => /semi[-_]space[-_]growth[-_]factor/.test(arg))
  if (given) return () => undefined
  try {
    v8.setFlagsFromString('--semi-space-growth-factor=1')
  } catch {
    return () => undefined
  }
  let released = false
  return () => {
    if (released) return
    released = true
    v8.setFlagsFromString('--semi-space-growth-factor=2')
  }
}
