import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { Ajv, type ErrorObject } from 'ajv'
import { AUTH_CONFIG_SCHEMA, resolveAuth, type AuthConfig, type ResolvedAuth } from './auth/config.js'
import { resolveFaults, type FaultsConfig, type ResolvedFaults } from './faults/config.js'
import { describeFaultErrors, FAULTS_CONFIG_SCHEMA } from './faults/plan.js'
import { SetupError } from './setup-error.js'
import { parseYaml } from './spec/load-spec.js'

/** A size: a number of bytes, or a string such as `512kb`, `1mb`, `1.5 MiB` (k = 1024). */
export type Size = number | string

/** The config file's shape (YAML or JSON); every key is optional. See docs/config.md. */
export interface DoormanConfig {
  limits?: {
    /** Largest request body accepted, per server; `x-doorman.bodySize` overrides it per operation. Default `1mb`. */
    bodySize?: Size
    /** Answer 411 to a body sent without Content-Length (chunked). Default false. */
    requireContentLength?: boolean
    /** How long a body may pause mid-transfer before it is refused as incomplete. Default 5000. */
    bodyIdleTimeoutMs?: number
    /** After an early refusal (413 …), how long to keep reading and discarding the body so the client can read the answer. Default 30000. */
    lingerMs?: number
  }
  validation?: {
    /** Status for a request body that breaks its schema. Default 422. */
    bodyStatus?: 400 | 422
    /** Status for invalid path/query/header/cookie parameters. Default 400. */
    parameterStatus?: 400 | 422
    /** Refuse properties a schema does not declare, even where additionalProperties allows them. Default false. */
    rejectUnknownProperties?: boolean
  }
  /** Per-operation overrides by operationId, like `x-doorman` on the operation in the spec. */
  operations?: Record<string, { bodySize?: Size }>
  /** Credentials the mock accepts (bearer JWTs, opaque tokens, API keys, basic). See docs/auth.md. */
  auth?: AuthConfig
  /** Fault plans: a list, or `{ preferHeader: false, plans: [...] }` to turn `Prefer: fault=…` off. See docs/faults.md. */
  faults?: FaultsConfig
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
  limits: { bodySizeBytes: number; requireContentLength: boolean; bodyIdleTimeoutMs: number; lingerMs: number }
  validation: { bodyStatus: number; parameterStatus: number; rejectUnknownProperties: boolean }
  operations: Record<string, { bodySize?: number }>
  auth: ResolvedAuth
  faults: ResolvedFaults
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
      properties: {
        bodySize: sizeSchema,
        requireContentLength: { type: 'boolean' },
        bodyIdleTimeoutMs: { type: 'integer', minimum: 1 },
        lingerMs: { type: 'integer', minimum: 0 },
      },
    },
    validation: {
      type: 'object',
      additionalProperties: false,
      properties: {
        bodyStatus: { enum: [400, 422] },
        parameterStatus: { enum: [400, 422] },
        rejectUnknownProperties: { type: 'boolean' },
      },
    },
    operations: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: { bodySize: sizeSchema },
      },
    },
    auth: AUTH_CONFIG_SCHEMA,
    faults: FAULTS_CONFIG_SCHEMA,
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

const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, discriminator: true }).compile(CONFIG_SCHEMA)

export function parseSize(size: Size): number {
  if (typeof size === 'number') return size
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmg]?)i?b?\s*$/i.exec(size)
  if (!match) throw new Error(`not a size: ${size}`)
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g']
  return Math.floor(Number(match[1]) * unit)
}

/** Validates a config object (from a file or the library) and fills in the defaults. */
export function resolveConfig(input: unknown, file = '<config>', baseDir = process.cwd()): ResolvedConfig {
  const config = input ?? {}
  if (!validate(config)) throw new SetupError(describeConfigError(validate.errors ?? [], config), { file })
  const c = config as DoormanConfig
  return {
    limits: {
      bodySizeBytes: parseSize(c.limits?.bodySize ?? '1mb'),
      requireContentLength: c.limits?.requireContentLength ?? false,
      bodyIdleTimeoutMs: c.limits?.bodyIdleTimeoutMs ?? 5000,
      lingerMs: c.limits?.lingerMs ?? 30_000,
    },
    validation: {
      bodyStatus: c.validation?.bodyStatus ?? 422,
      parameterStatus: c.validation?.parameterStatus ?? 400,
      rejectUnknownProperties: c.validation?.rejectUnknownProperties ?? false,
    },
    operations: Object.fromEntries(
      Object.entries(c.operations ?? {}).map(([id, o]) => [id, { bodySize: o.bodySize === undefined ? undefined : parseSize(o.bodySize) }]),
    ),
    auth: resolveAuth(c.auth, { file: file === '<config>' ? undefined : file, baseDir }),
    faults: resolveFaults(c.faults, file === '<config>' ? undefined : file),
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
  return resolveConfig(parseYaml(text, shown) ?? {}, shown, path.dirname(path.resolve(file)))
}

/** One line: the key path and what is wrong with it, naming the allowed keys for a typo. */
function describeConfigError(errors: ErrorObject[], data: unknown): string {
  const faultErrors = errors.filter((e) => /^\/faults(\/|$)/.test(e.instancePath))
  if (faultErrors.length > 0) return describeFaultErrors(faultErrors, data).message
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
