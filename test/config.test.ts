import t from 'tap'
import { CONFIG_SCHEMA, SetupError } from '../src/index.js'
import { loadConfigFile, parseSize, resolveConfig } from '../src/config.js'
import { fixture } from './helpers.js'

function configError(thunk: () => unknown): SetupError {
  try {
    thunk()
  } catch (error) {
    if (error instanceof SetupError) return error
    throw error
  }
  throw new Error('the config was accepted')
}

async function fileError(file: string): Promise<SetupError> {
  try {
    await loadConfigFile(file)
  } catch (error) {
    if (error instanceof SetupError) return error
    throw error
  }
  throw new Error(`${file} was accepted`)
}

const topLevelKeys = Object.keys(CONFIG_SCHEMA.properties)

t.test('no config: the defaults', async (t) => {
  for (const input of [undefined, null, {}]) {
    const config = resolveConfig(input)
    t.equal(config.limits.bodySizeBytes, 1024 * 1024, 'limits.bodySize 1mb')
    t.same(config.journal, { size: 1000, redact: [], redactDefaults: true, redactBodyFields: true, bodyBytes: 4096 })
  }
})

t.test('sizes', async (t) => {
  t.equal(parseSize(2048), 2048)
  t.equal(parseSize('512kb'), 512 * 1024)
  t.equal(parseSize('1mb'), 1024 * 1024)
  t.equal(parseSize('1.5 MiB'), 1.5 * 1024 * 1024)
  t.equal(parseSize('1GB'), 1024 ** 3)
  t.equal(parseSize('10b'), 10)
  t.equal(parseSize(' 7 '), 7)
  t.throws(() => parseSize('12 parsecs'))
  t.equal(resolveConfig({ limits: { bodySize: '64kb' }, journal: { bodyBytes: 16 } }).limits.bodySizeBytes, 65536)
  t.equal(resolveConfig({ journal: { bodyBytes: '1kb' } }).journal.bodyBytes, 1024)
})

t.test('redact names are lower-cased', async (t) => {
  t.same(resolveConfig({ journal: { redact: ['X-Session', 'Cookie'] } }).journal.redact, ['x-session', 'cookie'])
  t.same(resolveConfig({ journal: { redact: [] } }).journal.redact, [])
})

t.test('an unknown key names its path and the keys allowed there', async (t) => {
  const top = configError(() => resolveConfig({ jornal: { size: 3 } }))
  t.equal(top.file, '<config>')
  t.match(top.message, /^<config>: \/jornal: unknown key 'jornal' \(allowed here: (.*)\)$/)
  for (const key of topLevelKeys) t.match(top.message, new RegExp(`\\b${key}\\b`), `names '${key}'`)

  const nested = configError(() => resolveConfig({ journal: { sise: 3 } }))
  t.equal(nested.message, "<config>: /journal/sise: unknown key 'sise' (allowed here: size, redact, redactDefaults, redactBodyFields, bodyBytes)")
})

t.test('a wrong type names the key path', async (t) => {
  t.equal(configError(() => resolveConfig({ journal: { size: 'lots' } })).message, '<config>: /journal/size: must be integer')
  t.equal(configError(() => resolveConfig({ journal: { size: -1 } })).message, '<config>: /journal/size: must be >= 0')
  t.equal(configError(() => resolveConfig({ journal: { redact: 'cookie' } })).message, '<config>: /journal/redact: must be array')
  t.equal(configError(() => resolveConfig({ journal: 3 })).message, '<config>: /journal: must be object')
  t.equal(configError(() => resolveConfig([])).message, '<config>: /: must be object')
})

t.test('a bad size says what a size looks like', async (t) => {
  for (const bodySize of ['12 parsecs', -5, true, 'mb', '1 kilobyte']) {
    const error = configError(() => resolveConfig({ limits: { bodySize } }))
    t.equal(error.message, "<config>: /limits/bodySize: must be a size: a number of bytes or a string like '512kb' or '1mb'", JSON.stringify(bodySize))
  }
})

t.test('config files', async (t) => {
  t.test('YAML', async (t) => {
    const config = await loadConfigFile(fixture('configs', 'small-journal.yaml'))
    t.same(config.journal, { size: 3, redact: [], redactDefaults: false, redactBodyFields: false, bodyBytes: 16 })
    t.equal(config.limits.bodySizeBytes, 65536)
  })
  t.test('JSON', async (t) => {
    const config = await loadConfigFile(fixture('configs', 'small-journal.json'))
    t.same(config.journal, { size: 3, redact: [], redactDefaults: false, redactBodyFields: false, bodyBytes: 16 })
  })
  t.test('errors name the file (relative to the working directory) and the key path', async (t) => {
    t.equal(
      (await fileError(fixture('configs', 'broken', 'unknown-key.yaml'))).message,
      "fixtures/configs/broken/unknown-key.yaml: /journal/sise: unknown key 'sise' (allowed here: size, redact, redactDefaults, redactBodyFields, bodyBytes)",
    )
    t.equal(
      (await fileError(fixture('configs', 'broken', 'wrong-type.yaml'))).message,
      'fixtures/configs/broken/wrong-type.yaml: /journal/size: must be integer',
    )
    t.equal(
      (await fileError(fixture('configs', 'broken', 'bad-size.yaml'))).message,
      "fixtures/configs/broken/bad-size.yaml: /limits/bodySize: must be a size: a number of bytes or a string like '512kb' or '1mb'",
    )
  })
  t.test('a YAML syntax error names the line', async (t) => {
    const error = await fileError(fixture('configs', 'broken', 'yaml-syntax.yaml'))
    t.equal(error.file, 'fixtures/configs/broken/yaml-syntax.yaml')
    t.match(error.location, /^3:\d+$/)
    t.match(error.message, /^fixtures\/configs\/broken\/yaml-syntax\.yaml: 3:\d+: YAML syntax error: /)
  })
  t.test('a missing file', async (t) => {
    t.equal(
      (await fileError(fixture('configs', 'no-such-config.yaml'))).message,
      'fixtures/configs/no-such-config.yaml: cannot read the config file: no such file',
    )
  })
})
