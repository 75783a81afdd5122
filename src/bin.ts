#!/usr/bin/env node
// The `doorman` command. Before the rest of doorman loads (~150 ms of modules on a 2-core VM), a large SPEC starts
// being read on another thread (src/spec/read-ahead.ts); then src/cli.ts takes the command line.
import { specArgument } from './cli-options.js'
import { readAhead } from './spec/read-ahead.js'

const spec = specArgument(process.argv.slice(2))
if (spec !== undefined) readAhead(spec)
await import('./cli.js')
