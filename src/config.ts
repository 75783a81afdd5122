import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { Ajv, type ErrorObject } from 'ajv'
import { SetupError } from './setup-error.js'
import { parseYaml } from './spec/load-spec.js'

/** A size: a number of bytes, or a string such as `512kb`, `1mb`, `1.5 MiB` (k = 1024). */
export type Size = number | string

/** The config file's shape (YAML or JSON); every key is optional. See docs/config.md. */
export interface DoormanConfig {
  limits?: {
    /** Largest request body accepted, per server; `x-doorman.bodySize` overrides it per operation. Default `1mb`. */
    bodySize?: Size
  }
  journal?: {
    /** How many requests the journal keeps (oldest dropped first). Default 1000. */
    size?: number
    /** Header names whose values are replaced by `[redacted]`. Default: authorization, proxy-authorization, cookie, and every API-key header the spec declares. */
    redact?: string[]
    /** How much of each request body the journal keeps. Default `4kb`. */
    bodyBytes?: Size
  }
}

export interface ResolvedConfig {
  limits: { bodySizeBytes: number }
  journal: { size: number; redact: string[] | undefined; bodyBytes: number }
}

const SIZE_PATTERN = '^\\s*[0-9]+(\\.[0-9]+)?\\s*([kKmMgG]i?[bB]|[bB])?\\s*$'
const sizeSchema = {
  anyOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', pattern: SIZE_PATTERN },
  ],
}

/** The published JSON Schema of the config file. */
export const CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'doorman config',
  type: 'object',
  additionalProperties: false,
  properties: {
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: { bodySize: sizeSchema },
    },
    journal: {
      type: 'object',
      additionalProperties: false,
      properties: {
        size: { type: 'integer', minimum: 0, maximum: 1_000_000 },
        redact: { type: 'array', items: { type: 'string', minLength: 1 } },
        bodyBytes: sizeSchema,
      },
    },
  },
} as const

export const DEFAULT_REDACT = ['authorization', 'proxy-authorization', 'cookie']

const validate = new Ajv({ allErrors: true, strict: true }).compile(CONFIG_SCHEMA)

export function parseSize(size: Size): number {
  if (typeof size === 'number') return size
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmg]?)i?b?\s*$/i.exec(size)
  if (!match) throw new Error(`not a size: ${size}`)
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g']
  return Math.floor(Number(match[1]) * unit)
}

/** Validates a config object (from a file or the library) and fills in the defaults. */
export function resolveConfig(input: unknown, file = '<config>'): ResolvedConfig {
  const config = input ?? {}
  if (!validate(config)) throw new SetupError(describeConfigError(validate.errors ?? []), { file })
  const c = config as DoormanConfig
  return {
    limits: { bodySizeBytes: parseSize(c.limits?.bodySize ?? '1mb') },
    journal: {
      size: c.journal?.size ?? 1000,
      redact: c.journal?.redact?.map((h) => h.toLowerCase()),
      bodyBytes: parseSize(c.journal?.bodyBytes ?? '4kb'),
    },
  }
}

export async function loadConfigFile(file: string): Promise<ResolvedConfig> {
  const shown = path.relative(process.cwd(), path.resolve(file)) || file
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message
    throw new SetupError(`cannot read the config file: ${reason}`, { file: shown })
  }
  return resolveConfig(parseYaml(text, shown) ?? {}, shown)
}

/** One line: the key path and what is wrong with it, naming the allowed keys for a typo. */
function describeConfigError(errors: ErrorObject[]): string {
  // anyOf reports every branch; the most specific error is the one deepest in the document.
  const error = [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length)[0]!
  const at = error.instancePath || '/'
  if (error.keyword === 'additionalProperties') {
    const key = (error.params as { additionalProperty: string }).additionalProperty
    const allowed = Object.keys(propertiesAt(error.schemaPath))
    return `${at === '/' ? '' : at}/${key}: unknown key '${key}'${allowed.length ? ` (allowed here: ${allowed.join(', ')})` : ''}`
  }
  if (errors.some((e) => e.instancePath === error.instancePath && e.keyword === 'anyOf')) {
    return `${at}: must be a size: a number of bytes or a string like '512kb' or '1mb'`
  }
  return `${at}: ${error.message}`
}

function propertiesAt(schemaPath: string): Record<string, unknown> {
  let node: unknown = CONFIG_SCHEMA
  for (const token of schemaPath.replace(/^#\//, '').split('/').slice(0, -1)) {
    node = (node as Record<string, unknown>)?.[token]
  }
  return ((node as { properties?: Record<string, unknown> })?.properties ?? {}) as Record<string, unknown>
}
