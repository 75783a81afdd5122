// src/bin.ts finds the SPEC before the CLI has loaded, to read a large one ahead: it must find the file the CLI reads.
import t from 'tap'
import { specArgument } from '../src/cli-options.js'

t.test('the SPEC of serve, proxy and check, past options and their values', async (t) => {
  t.equal(specArgument(['serve', '--port', '0', '--config', 'doorman.yaml', 'api.json', '--log', 'silent']), 'api.json')
  t.equal(specArgument(['serve', '--port=0', '--watch', 'api.json']), 'api.json')
  t.equal(specArgument(['proxy', 'api.json', '--upstream', 'http://127.0.0.1:9', '--record', 'seen.yaml']), 'api.json')
  t.equal(specArgument(['check', '--strict', 'api.yaml']), 'api.yaml')
  t.equal(specArgument(['serve', '--port', '0']), 'openapi.yaml', 'none named: the default')
})

t.test('nothing for other commands, or for a command line the CLI refuses', async (t) => {
  for (const argv of [
    [],
    ['token', '--sub', 'a'],
    ['curl', 'createOrder', 'api.yaml'],
    ['--version'],
    ['serve', 'a.yaml', 'b.yaml'],
    ['serve', '--prot', '0'],
  ]) {
    t.equal(specArgument(argv), undefined, argv.join(' '))
  }
})
