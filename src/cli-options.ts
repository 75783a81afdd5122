import { parseArgs } from 'node:util'

/*
 * The options of the commands that read a SPEC: src/cli.ts parses command lines with them, and src/bin.ts finds
 * the SPEC with them before the rest of doorman has loaded.
 */

export const SERVE_OPTIONS = {
  port: { type: 'string', default: '4010' },
  host: { type: 'string', default: '127.0.0.1' },
  config: { type: 'string' },
  log: { type: 'string', default: 'pretty' },
  watch: { type: 'boolean', default: false },
  strict: { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  tls: { type: 'boolean', default: false },
  'tls-modes': { type: 'string' },
  'tls-dir': { type: 'string' },
  cors: { type: 'boolean' },
  'no-cors': { type: 'boolean' },
} as const

/** `doorman proxy`'s own options, on top of serve's. */
export const PROXY_OPTIONS = {
  upstream: { type: 'string' },
  'upstream-timeout': { type: 'string' },
  'upstream-ca': { type: 'string' },
  'upstream-insecure': { type: 'boolean', default: false },
  'forward-invalid': { type: 'boolean', default: false },
  'fail-on-violation': { type: 'boolean', default: false },
  'violations-header': { type: 'boolean', default: false },
  record: { type: 'string' },
} as const

export const CHECK_OPTIONS = {
  config: { type: 'string' },
  strict: { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
} as const

export const DEFAULT_SPEC = 'openapi.yaml'

/**
 * The SPEC a `serve`, `proxy` or `check` command line reads (its default where it names none); undefined for other
 * commands, and for a command line the CLI will refuse (it says why).
 */
export function specArgument(argv: string[]): string | undefined {
  const [command, ...args] = argv
  const options =
    command === 'serve' ? SERVE_OPTIONS : command === 'proxy' ? { ...PROXY_OPTIONS, ...SERVE_OPTIONS } : command === 'check' ? CHECK_OPTIONS : undefined
  if (options === undefined) return undefined
  try {
    const { positionals } = parseArgs({ args, allowPositionals: true, options })
    return positionals.length > 1 ? undefined : (positionals[0] ?? DEFAULT_SPEC)
  } catch {
    return undefined
  }
}
