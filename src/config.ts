import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { ErrorObject } from 'ajv'
import { AUTH_CONFIG_SCHEMA, resolveAuth, type AuthConfig, type ResolvedAuth } from './auth/config.js'
import { CORS_CONFIG_HINT, CORS_CONFIG_SCHEMA, resolveCors, type CorsConfig, type ResolvedCors } from './cors/config.js'
import { resolveFaults, type FaultsConfig, type ResolvedFaults } from './faults/config.js'
import { describeFaultErrors, FAULTS_CONFIG_SCHEMA } from './faults/plan.js'
import { SetupError } from './setup-error.js'
import { inputValidator } from './util/input-validator.js'
import { DEFAULT_JSON_DEPTH } from './util/json-depth.js'
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
    /** Deepest nesting of arrays and objects a JSON body may have (400 BODY_TOO_DEEP beyond). Default 1000. */
    jsonDepth?: number
    /** Open connections the server accepts at once; more are closed as soon as they arrive. Default 1024. */
    connections?: number
    /** Requests faults may hold at once (hang, drip, delays); past it a request gets 503 HELD_REQUESTS_LIMIT with Retry-After. Default 256. */
    heldRequests?: number
  }
  /** Connection timeouts of the HTTP server: a slowloris client is cut off, idle keep-alive sockets are closed. */
  server?: {
    /** Time a client has to send the complete request headers (408 after it). Default 10000. */
    headersTimeoutMs?: number
    /** Time a client has to send the whole request, body included (408 after it); at least headersTimeoutMs. Default 120000. */
    requestTimeoutMs?: number
    /** How long an idle keep-alive connection stays open after a response. Default 5000. */
    keepAliveTimeoutMs?: number
  }
  /** The admin API (`/__doorman/*`). */
  admin?: {
    /** Require this token (`Authorization: Bearer <token>` or `X-Doorman-Admin-Token`) on every admin request; it also opens the admin API to non-loopback clients. */
    token?: string
    /** Host names (besides loopback and the address the mock is reached on) the admin API answers to; `.example.test` also takes its subdomains. */
    allowedHosts?: string[]
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
  /** CORS for pages on other origins (WHATWG Fetch): `true`, `false`, or `{ origins, credentials, maxAge, exposeHeaders, allowHeaders }`. Default: loopback origins. See docs/cors.md. */
  cors?: CorsConfig
  journal?: {
    /** How many requests the journal keeps (oldest dropped first). Default 1000. */
    size?: number
    /** More header, query parameter and body field names whose values are replaced by `[redacted]`, added to the defaults. */
    redact?: string[]
    /** Redact the default names (authorization, proxy-authorization, cookie, the spec's API keys). Default true; the admin token header is redacted regardless. */
    redactDefaults?: boolean
    /** Redact request body fields whose names look like credentials (password, secret, token, api_key, …) in JSON, form and multipart bodies. Default true. */
    redactBodyFields?: boolean
    /** How much of each request body the journal keeps. Default `4kb`. */
    bodyBytes?: Size
  }
}

export interface ResolvedConfig {
  limits: {
    bodySizeBytes: number
    requireContentLength: boolean
    bodyIdleTimeoutMs: number
    lingerMs: number
    jsonDepth: number
    connections: number
    heldRequests: number
  }
  server: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number }
  admin: { token: string | undefined; allowedHosts: string[] }
  validation: { bodyStatus: number; parameterStatus: number; rejectUnknownProperties: boolean }
  operations: Record<string, { bodySize?: number }>
  auth: ResolvedAuth
  faults: ResolvedFaults
  /** Undefined when CORS is off. */
  cors: ResolvedCors | undefined
  journal: { size: number; redact: string[]; redactDefaults: boolean; redactBodyFields: boolean; bodyBytes: number }
}

// A DNS name (letters, digits, hyphens, dots; a leading dot takes the subdomains too), an IPv4 address or a bracketed IPv6 one.
const HOST_NAME_PATTERN = '^(\\.?[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\\.?|\\[[0-9A-Fa-f:.]+\\])$'

// Deeper, and a recursive schema's validator (which recurses once per level) could run out of stack.
const MAX_JSON_DEPTH = 5000

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
  // Sections alike in shape (`duplicates` pairs them): JSON Schema is data, one object per section is the readable form.
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
        jsonDepth: { type: 'integer', minimum: 1, maximum: MAX_JSON_DEPTH },
        connections: { type: 'integer', minimum: 1 },
        heldRequests: { type: 'integer', minimum: 0 },
      },
    },
    server: {
      type: 'object',
      additionalProperties: false,
      properties: {
        headersTimeoutMs: { type: 'integer', minimum: 1 },
        requestTimeoutMs: { type: 'integer', minimum: 1 },
        keepAliveTimeoutMs: { type: 'integer', minimum: 1 },
      },
    },
    admin: {
      type: 'object',
      additionalProperties: false,
      properties: {
        token: { type: 'string', minLength: 1 },
        allowedHosts: { type: 'array', maxItems: 100, items: { type: 'string', pattern: HOST_NAME_PATTERN } },
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
    cors: CORS_CONFIG_SCHEMA,
    journal: {
      type: 'object',
      additionalProperties: false,
      properties: {
        size: { type: 'integer', minimum: 0, maximum: 1_000_000 },
        redact: { type: 'array', items: { type: 'string', minLength: 1 } },
        redactDefaults: { type: 'boolean' },
        redactBodyFields: { type: 'boolean' },
        bodyBytes: sizeSchema,
      },
    },
  },
} as const

export const DEFAULT_REDACT = ['authorization', 'proxy-authorization', 'cookie']

/** The admin API's own credential (src/admin/guard.ts): a client that sends it to the API never sees it journaled. */
export const ADMIN_TOKEN_HEADER = 'x-doorman-admin-token'

// A start without a config (or with `{}`) never compiles it.
const configValidator = inputValidator(CONFIG_SCHEMA)

export function parseSize(size: Size): number {
  if (typeof size === 'number') return size
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmg]?)i?b?\s*$/i.exec(size)
  if (!match) throw new Error(`not a size: ${size}`)
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2].toLowerCase() as '' | 'k' | 'm' | 'g']
  return Math.floor(Number(match[1]) * unit)
}

/** Validates a config object (from a file or the library) and fills in the defaults. */
export function resolveConfig(input: unknown, file = '<config>', baseDir = process.cwd()): ResolvedConfig {
  const config = input ?? {}
  const empty = typeof config === 'object' && config !== null && !Array.isArray(config) && Object.keys(config).length === 0
  if (!empty) {
    const validate = configValidator()
    if (!validate(config)) throw new SetupError(describeConfigError(validate.errors ?? [], config), { file })
  }
  const c = config as DoormanConfig
  return {
    limits: {
      bodySizeBytes: parseSize(c.limits?.bodySize ?? '1mb'),
      requireContentLength: c.limits?.requireContentLength ?? false,
      bodyIdleTimeoutMs: c.limits?.bodyIdleTimeoutMs ?? 5000,
      lingerMs: c.limits?.lingerMs ?? 30_000,
      jsonDepth: c.limits?.jsonDepth ?? DEFAULT_JSON_DEPTH,
      connections: c.limits?.connections ?? 1024,
      heldRequests: c.limits?.heldRequests ?? 256,
    },
    server: resolveServer(c.server, file),
    admin: { token: c.admin?.token, allowedHosts: (c.admin?.allowedHosts ?? []).map((host) => host.toLowerCase().replace(/\.$/, '')) },
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
    cors: resolveCors(c.cors, file === '<config>' ? undefined : file),
    journal: {
      size: c.journal?.size ?? 1000,
      redact: (c.journal?.redact ?? []).map((h) => h.toLowerCase()),
      redactDefaults: c.journal?.redactDefaults ?? true,
      redactBodyFields: c.journal?.redactBodyFields ?? true,
      bodyBytes: parseSize(c.journal?.bodyBytes ?? '4kb'),
    },
  }
}

/** Node refuses a headers timeout longer than the request timeout; say so in the config's terms. */
function resolveServer(server: DoormanConfig['server'], file: string): ResolvedConfig['server'] {
  const headersTimeoutMs = server?.headersTimeoutMs ?? Math.min(10_000, server?.requestTimeoutMs ?? Infinity)
  const requestTimeoutMs = server?.requestTimeoutMs ?? Math.max(120_000, headersTimeoutMs)
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new SetupError(
      `/server/headersTimeoutMs: ${headersTimeoutMs} must not exceed server.requestTimeoutMs (${requestTimeoutMs}): the headers are part of the request`,
      { file },
    )
  }
  return { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs: server?.keepAliveTimeoutMs ?? 5000 }
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
  const deepest = [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length)[0]
  const at = deepest.instancePath || '/'
  // `cors` is true, false or the object form: when neither fits at all, say the three.
  if (at === '/cors' && errors.every((e) => e.instancePath !== '/cors' || e.keyword === 'type' || e.keyword === 'oneOf')) return `/cors: ${CORS_CONFIG_HINT}`
  // An unknown key says more than the other branch's "must be boolean" at the same place.
  const error = errors.find((e) => e.keyword === 'additionalProperties' && e.instancePath === deepest.instancePath) ?? deepest
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
  return (node as { properties?: Record<string, unknown> })?.properties ?? {}
}
