// Arguments → options, nothing else: everything the CLI does goes through src/index.ts. (The `doorman` command starts
// in src/bin.ts, which loads this.)
import { parseArgs } from 'node:util'
import { CHECK_OPTIONS, DEFAULT_SPEC, PROXY_OPTIONS, SERVE_OPTIONS } from './cli-options.js'
import {
  curlCommands,
  documentNotes,
  groupNotes,
  inspectSpec,
  mintClientCertificate,
  tlsCaFile,
  SetupError,
  signToken,
  startServer,
  summarizeNotes,
  type LogMode,
  type Note,
  type ReloadEvent,
  type DoormanServer,
  type ProxyOptions,
  formatProxySummary,
} from './index.js'
import { VERSION } from './version.js'

const USAGE = `usage:
  doorman --version | --help
  doorman serve [SPEC] [--port 4010] [--host 127.0.0.1] [--config FILE] [--log pretty|json|silent] [--watch] [--strict] [--verbose]
                [--tls] [--tls-modes MODE,MODE…|all] [--tls-dir DIR] [--cors | --no-cors]
  doorman proxy [SPEC] --upstream URL [serve's options] [--upstream-timeout MS] [--upstream-ca FILE] [--upstream-insecure]
                [--forward-invalid] [--fail-on-violation] [--violations-header] [--record FILE.yaml]
  doorman tls ca [--tls-dir DIR]
  doorman tls client-cert [--tls-dir DIR] [--cn NAME] [--out DIR]
  doorman check [SPEC] [--config FILE] [--strict] [--verbose]
  doorman curl [OPERATION] [SPEC] [--config FILE] [--url http://127.0.0.1:4010] [--tls-dir DIR]
  doorman token [--config FILE] [--sub ID] [--scope "a b"] [--aud X] [--expires-in 1h] [--not-before 10m] [--claim k=v ...]

SPEC defaults to ./openapi.yaml: OpenAPI 3.0, 3.1 or Swagger 2.0, YAML or JSON.
A mistake in it (a $ref that does not resolve, a missing 'info', …) is a note on
stderr, and doorman serves the rest; check lists the same notes, grouped by kind
(--verbose: all of them). --strict makes any note about the description fail:
exit 1, and serve does not start. --port 0 takes a free port. --watch reloads the
spec and config when they change, keeping the port (a broken edit keeps the last
good version). --cors answers CORS for pages on any origin, --no-cors for none
(default: the config's cors, else loopback origins; see docs/cors.md); the
inspector page is at /__doorman/ on the mock. curl prints a curl command per answer the operation can get.
token prints a JWT the mock accepts; durations are seconds or 30s, 15m, 1h, 2d
(--expires-in=-5m mints an expired one).
--tls serves HTTPS with a certificate from doorman's local CA (made on first use
in --tls-dir, default ~/.cache/doorman/tls); --tls-modes adds one HTTPS listener
per failure mode (expired, not-yet-valid, wrong-host, self-signed, untrusted-root,
incomplete-chain, legacy-tls, client-cert-required, client-cert-optional).
tls ca prints the CA's path; tls client-cert mints client.crt and client.key.
proxy puts the same checks in front of a real API: a request that breaks the
spec is refused and never forwarded (--forward-invalid forwards it, recorded),
the others go to --upstream (the spec's base path mapped onto the URL's), and
each answer comes back unchanged, checked against the documented responses
(violations in the journal, the log and GET /__doorman/report). HTTPS_PROXY and
NO_PROXY are honoured. --fail-on-violation exits 1 at shutdown if any answer
broke the contract; --record writes the spec with the answers seen as examples.`

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command !== undefined && (rest.includes('--help') || rest.includes('-h'))) return main(['--help'])
  switch (command) {
    case 'serve':
      return serve(rest)
    case 'proxy':
      return serve(rest, true)
    case 'check':
      return check(rest)
    case 'curl':
      return curl(rest)
    case 'token':
      return token(rest)
    case 'tls':
      return tlsCommand(rest)
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      // Asked for, the usage is the output; missing a command, it is an error message.
      ;(command === undefined ? process.stderr : process.stdout).write(USAGE + '\n')
      return command === undefined ? 2 : 0
    case '-v':
    case '--version':
    case 'version':
      process.stdout.write(`doorman ${VERSION}\n`)
      return 0
    default:
      throw new UsageError(`unknown command '${command}'`)
  }
}

/** parseArgs' own messages are good ("Unknown option '--prot'"); they just need the usage after them. */
function parse<T>(thunk: () => T): T {
  try {
    return thunk()
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

/** `serve`, and `proxy` (the same server, forwarding instead of answering from the spec). */
async function serve(args: string[], proxying = false): Promise<number> {
  const command = proxying ? 'proxy' : 'serve'
  const { values, positionals } = parse(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: { ...(proxying ? PROXY_OPTIONS : {}), ...SERVE_OPTIONS },
    }),
  )
  if (positionals.length > 1) throw new UsageError(`${command} takes one SPEC, got ${positionals.length}`)
  const upstream = proxying ? proxyOptions(values as ProxyValues) : undefined
  if (values.cors && values['no-cors']) throw new UsageError('give --cors or --no-cors, not both')
  const port = Number(values.port)
  if (!/^\d+$/.test(String(values.port)) || port > 65535) {
    throw new UsageError(`--port must be a number from 0 to 65535, got '${values.port}'`)
  }
  const log = String(values.log)
  if (!['pretty', 'json', 'silent'].includes(log)) {
    throw new UsageError(`--log must be pretty, json or silent, got '${log}'`)
  }
  const server = await startServer({
    spec: positionals[0] ?? DEFAULT_SPEC,
    config: values.config,
    port,
    host: values.host,
    log: log as LogMode,
    cors: values.cors ? true : values['no-cors'] ? false : undefined,
    watch: values.watch ? (event) => reportReload(event, log) : undefined,
    // --strict fails on any note: every schema must have been compiled to know them all.
    compileFirst: values.strict,
    // --tls-modes and --tls-dir imply --tls: the mode listeners' certificates come from the same CA.
    tls:
      values.tls || values['tls-modes'] !== undefined || values['tls-dir'] !== undefined ? { modes: values['tls-modes'], dir: values['tls-dir'] } : undefined,
    upstream,
  })
  // Notes go to stderr: stdout's first line is the ready line.
  printNotes(server.startupNotes, values.verbose)
  const failing = documentNotes(server.startupNotes)
  if (values.strict && failing.length > 0) {
    await server.close()
    process.stderr.write(`doorman: --strict: ${strictReason(failing)}; not serving\n`)
    return 1
  }
  for (const warning of server.warnings) process.stderr.write(`doorman: warning: ${warning}\n`)
  // The ready line: wrappers in other languages wait for it and read the URL from it.
  const tls = server.tls && { ca: server.tls.caFile, modes: server.tls.urls }
  const upstreamUrl = server.proxy?.upstream
  if (log === 'json')
    process.stdout.write(JSON.stringify({ event: 'listening', url: server.url, ...(tls && { tls }), ...(upstreamUrl && { upstream: upstreamUrl }) }) + '\n')
  else process.stdout.write(`doorman listening on ${server.url}${upstreamUrl ? ` (proxy to ${upstreamUrl})` : ''}\n`)
  if (server.tls) printTls(server.tls, log)

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      server.close().then(resolve, resolve)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  if (server.proxy === undefined) return 0
  // After close: every answer is in, and --record has been written.
  const summary = server.proxy.summary()
  process.stderr.write(`${formatProxySummary(summary)}\n`)
  if (upstream?.record !== undefined) process.stderr.write(`doorman: --record: wrote ${upstream.record}\n`)
  if (values['fail-on-violation'] === true && summary.answersWithViolations > 0) {
    process.stderr.write(`doorman: --fail-on-violation: ${summary.answersWithViolations} answer(s) broke the contract; exit 1\n`)
    return 1
  }
  return 0
}

type ProxyValues = { [K in keyof typeof PROXY_OPTIONS]?: (typeof PROXY_OPTIONS)[K]['type'] extends 'string' ? string : boolean }

function proxyOptions(values: ProxyValues): ProxyOptions {
  const url = values.upstream
  if (url === undefined) throw new UsageError('proxy needs --upstream URL: the real API, like https://api.example.com/v1')
  if (!/^https?:\/\/[^/]+/.test(url)) throw new UsageError(`--upstream must be an http:// or https:// URL, got '${url}'`)
  const timeout = values['upstream-timeout']
  if (timeout !== undefined && !/^[1-9]\d*$/.test(timeout))
    throw new UsageError(`--upstream-timeout is in milliseconds (a whole number above 0), got '${timeout}'`)
  return {
    upstream: url,
    timeoutMs: timeout === undefined ? undefined : Number(timeout),
    ca: values['upstream-ca'],
    insecure: values['upstream-insecure'],
    forwardInvalid: values['forward-invalid'],
    violationsHeader: values['violations-header'],
    record: values.record,
  }
}

/** One line per mode after the ready line (stdout, for wrappers); how to trust the CA on stderr. */
function printTls(tls: NonNullable<DoormanServer['tls']>, log: string): void {
  for (const [mode, url] of Object.entries(tls.urls)) {
    if (log === 'json') process.stdout.write(JSON.stringify({ event: 'tls', mode, url }) + '\n')
    else process.stdout.write(`doorman tls ${mode} on ${url}\n`)
  }
  const ca = tls.caFile
  process.stderr.write(`doorman: TLS: trust doorman's CA once: REQUESTS_CA_BUNDLE=${ca}  NODE_EXTRA_CA_CERTS=${ca}  curl --cacert ${ca}\n`)
}

/** `doorman tls ca` prints the CA's path; `doorman tls client-cert` mints a client certificate and key. */
async function tlsCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args
  if (sub === 'ca') {
    const { values } = parse(() => parseArgs({ args: rest, options: { 'tls-dir': { type: 'string' } } }))
    process.stdout.write((await tlsCaFile(values['tls-dir'])) + '\n')
    return 0
  }
  if (sub === 'client-cert') {
    const { values } = parse(() => parseArgs({ args: rest, options: { 'tls-dir': { type: 'string' }, cn: { type: 'string' }, out: { type: 'string' } } }))
    const minted = await mintClientCertificate({ dir: values['tls-dir'], commonName: values.cn, out: values.out })
    process.stdout.write(`${minted.certFile}\n${minted.keyFile}\n`)
    process.stderr.write(`doorman: use them with: curl --cert ${minted.certFile} --key ${minted.keyFile}, or requests' cert=(crt, key)\n`)
    return 0
  }
  throw new UsageError(sub === undefined ? 'tls takes a command: ca or client-cert' : `unknown tls command '${sub}' (ca or client-cert)`)
}

/** `serve --watch`: one line per reload; a failed one goes to stderr, and the last good version keeps serving. */
function reportReload(event: ReloadEvent, log: string): void {
  if (event.kind === 'failed') {
    process.stderr.write(`doorman: reload failed, still serving the last good version: ${event.message}\n`)
    return
  }
  if (log === 'json') process.stdout.write(JSON.stringify({ event: 'reloaded', spec: event.spec, operations: event.operations }) + '\n')
  // Like the ready line, printed whatever the request log says: wrappers may wait for it.
  else process.stdout.write(`doorman reloaded ${event.spec} (${event.operations} operations)\n`)
  for (const note of event.notes) process.stderr.write(`doorman: note: ${note}\n`)
}

/** serve's notes on stderr, grouped by kind like check's; a count when some are left out. */
function printNotes(notes: Note[], verbose: boolean): void {
  const lines = groupNotes(notes, { verbose })
  for (const line of lines) process.stderr.write(`doorman: note: ${line}\n`)
  const hidden = notes.length - lines.filter((line) => !line.startsWith('… and ')).length
  if (hidden > 0) {
    process.stderr.write(`doorman: ${summarizeNotes(notes)} (--verbose or doorman check --verbose lists them all)\n`)
  }
}

function strictReason(notes: Note[]): string {
  return `${summarizeNotes(notes).replace(/^(\d+) notes?/, (all) => `${all} about the description`)}`
}

async function check(args: string[]): Promise<number> {
  const { values, positionals } = parse(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: CHECK_OPTIONS,
    }),
  )
  if (positionals.length > 1) throw new UsageError(`check takes one SPEC, got ${positionals.length}`)
  const result = await inspectSpec({ spec: positionals[0] ?? DEFAULT_SPEC, config: values.config, verbose: values.verbose })
  process.stdout.write(result.report)
  if (values.strict && result.documentNotes.length > 0) {
    process.stderr.write(`doorman: --strict: ${strictReason(result.documentNotes)}\n`)
    return 1
  }
  return 0
}

async function curl(args: string[]): Promise<number> {
  const { values, positionals } = parse(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: { config: { type: 'string' }, url: { type: 'string', default: 'http://127.0.0.1:4010' }, 'tls-dir': { type: 'string' } },
    }),
  )
  if (positionals.length > 2) throw new UsageError(`curl takes an OPERATION and a SPEC, got ${positionals.length} arguments`)
  // One argument is the SPEC when it names a YAML/JSON file, else the OPERATION.
  const specLike = (arg: string) => /\.(ya?ml|json)$/i.test(arg)
  const spec = positionals.find(specLike) ?? (positionals.length === 2 ? positionals[1] : undefined)
  const operation = positionals.find((arg) => arg !== spec)
  if (!/^https?:\/\/[^/]+/.test(String(values.url))) throw new UsageError(`--url must be the mock's base URL, like http://127.0.0.1:4010; got '${values.url}'`)
  process.stdout.write(await curlCommands({ spec: spec ?? DEFAULT_SPEC, config: values.config, url: values.url, operation, tlsDir: values['tls-dir'] }))
  return 0
}

async function token(args: string[]): Promise<number> {
  const { values } = parse(() =>
    parseArgs({
      args,
      options: {
        config: { type: 'string' },
        sub: { type: 'string' },
        scope: { type: 'string' },
        aud: { type: 'string', multiple: true },
        'expires-in': { type: 'string' },
        'not-before': { type: 'string' },
        claim: { type: 'string', multiple: true },
      },
    }),
  )
  const claims: Record<string, unknown> = {}
  for (const pair of values.claim ?? []) {
    const eq = pair.indexOf('=')
    if (eq < 1) throw new UsageError(`--claim takes name=value, got '${pair}'`)
    claims[pair.slice(0, eq)] = claimValue(pair.slice(eq + 1))
  }
  if (values.sub !== undefined) claims.sub = values.sub
  if (values.scope !== undefined) claims.scope = values.scope
  if (values.aud?.length) claims.aud = values.aud.length === 1 ? values.aud[0] : values.aud
  const jwt = await signToken(claims, { config: values.config, expiresIn: values['expires-in'], notBefore: values['not-before'] })
  process.stdout.write(jwt + '\n')
  return 0
}

/** `--claim admin=true`, `--claim level=3` and `--claim 'roles=["a"]'` keep their JSON types; anything else is a string. */
function claimValue(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    if (error instanceof SetupError) {
      process.stderr.write(`doorman: ${error.message}\n`)
      process.exitCode = 2
    } else if (error instanceof UsageError) {
      process.stderr.write(`doorman: ${error.message}\n\n${USAGE}\n`)
      process.exitCode = 2
    } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`doorman: ${(error as Error).message}: the port is taken; pick another with --port (0 = any free port)\n`)
      process.exitCode = 2
    } else {
      process.stderr.write(`doorman: unexpected error (a bug in doorman):\n${(error as Error).stack ?? String(error)}\n`)
      process.exitCode = 1
    }
  },
)
