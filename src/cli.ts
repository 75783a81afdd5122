#!/usr/bin/env node
// Arguments → options, nothing else: everything the CLI does goes through src/index.ts.
import { parseArgs } from 'node:util'
import { checkSpec, SetupError, startServer, type LogMode } from './index.js'

const USAGE = `usage:
  doorman serve [SPEC] [--port 4010] [--host 127.0.0.1] [--config FILE] [--log pretty|json|silent]
  doorman check [SPEC] [--config FILE]

SPEC defaults to ./openapi.yaml. --port 0 takes a free port.`

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'serve':
      return serve(rest)
    case 'check':
      return check(rest)
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE + '\n')
      return command === undefined ? 2 : 0
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

async function serve(args: string[]): Promise<number> {
  const { values, positionals } = parse(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        port: { type: 'string', default: '4010' },
        host: { type: 'string', default: '127.0.0.1' },
        config: { type: 'string' },
        log: { type: 'string', default: 'pretty' },
      },
    }),
  )
  if (positionals.length > 1) throw new UsageError(`serve takes one SPEC, got ${positionals.length}`)
  const port = Number(values.port)
  if (!/^\d+$/.test(String(values.port)) || port > 65535) {
    throw new UsageError(`--port must be a number from 0 to 65535, got '${values.port}'`)
  }
  const log = String(values.log)
  if (!['pretty', 'json', 'silent'].includes(log)) {
    throw new UsageError(`--log must be pretty, json or silent, got '${log}'`)
  }
  const server = await startServer({
    spec: positionals[0] ?? 'openapi.yaml',
    config: values.config,
    port,
    host: values.host,
    log: log as LogMode,
  })
  // The ready line: wrappers in other languages wait for it and read the URL from it.
  if (log === 'json') process.stdout.write(JSON.stringify({ event: 'listening', url: server.url }) + '\n')
  else process.stdout.write(`doorman listening on ${server.url}\n`)

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      server.close().then(resolve, resolve)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  return 0
}

async function check(args: string[]): Promise<number> {
  const { values, positionals } = parse(() =>
    parseArgs({ args, allowPositionals: true, options: { config: { type: 'string' } } }),
  )
  if (positionals.length > 1) throw new UsageError(`check takes one SPEC, got ${positionals.length}`)
  const report = await checkSpec({ spec: positionals[0] ?? 'openapi.yaml', config: values.config })
  process.stdout.write(report)
  return 0
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
