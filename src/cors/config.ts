import { SetupError } from '../setup-error.js'

/**
 * `cors` in the config file: `true` (any origin), `false` (no CORS at all:
 * OPTIONS is an ordinary request), or the object form. Absent, doorman
 * answers CORS for loopback origins only (a page on http://localhost:3000).
 * See docs/cors.md.
 */
export type CorsConfig =
  | boolean
  | {
      /** Origins whose pages may call the mock: `https://app.example:8443`, `loopback` (every localhost, 127.x and [::1] origin), `null`, or `*` (any). Default `[loopback]`. */
      origins?: string[]
      /** Let pages send cookies and HTTP auth (`fetch(…, { credentials: 'include' })`): Access-Control-Allow-Credentials. Default true. */
      credentials?: boolean
      /** How long a browser may cache a preflight's answer, in seconds (Access-Control-Max-Age). Default 600. */
      maxAge?: number
      /** Response headers a page may read, added to doorman's own list and the documented ones. */
      exposeHeaders?: string[]
      /** Request headers every operation accepts in a preflight, added to the documented ones (e.g. traceparent). */
      allowHeaders?: string[]
    }

export interface ResolvedCors {
  /** Any origin (`*`, or `cors: true`). */
  anyOrigin: boolean
  /** Loopback origins (`loopback`, the default). */
  loopback: boolean
  /** Exact origins, as the browser sends them (lower-case scheme and host). */
  origins: Set<string>
  credentials: boolean
  maxAgeSeconds: number
  /** Lower-case header names. */
  exposeHeaders: string[]
  allowHeaders: string[]
}

/** RFC 9110 §5.1: a field name is a token. */
const TOKEN = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"
const headerList = { type: 'array', items: { type: 'string', pattern: TOKEN } } as const

/**
 * `oneOf` (not `anyOf`): the object form's keys are keys of the config, and
 * docs/config.md documents each of them.
 */
export const CORS_CONFIG_SCHEMA = {
  oneOf: [
    { type: 'boolean' },
    {
      type: 'object',
      additionalProperties: false,
      properties: {
        origins: { type: 'array', items: { type: 'string', minLength: 1 } },
        credentials: { type: 'boolean' },
        // Browsers cap it anyway (Chromium at 7200 s, Firefox at 86400 s).
        maxAge: { type: 'integer', minimum: 0, maximum: 86_400 },
        exposeHeaders: headerList,
        allowHeaders: headerList,
      },
    },
  ],
} as const

export const CORS_CONFIG_HINT = 'must be true, false, or { origins, credentials, maxAge, exposeHeaders, allowHeaders }'

const DEFAULT_MAX_AGE_SECONDS = 600

/** Called after the config schema passed: checks each origin, which a pattern would explain badly. Undefined: CORS off. */
export function resolveCors(input: CorsConfig | undefined, file: string | undefined): ResolvedCors | undefined {
  if (input === false) return undefined
  const object = typeof input === 'object' ? input : {}
  const listed = input === true ? ['*'] : (object.origins ?? ['loopback'])
  const origins = new Set<string>()
  listed.forEach((origin, i) => {
    if (origin === '*' || origin === 'loopback' || origin === 'null') return
    origins.add(checkOrigin(origin, `/cors/origins/${i}`, file))
  })
  return {
    anyOrigin: listed.includes('*'),
    loopback: listed.includes('loopback'),
    origins,
    credentials: object.credentials ?? true,
    maxAgeSeconds: object.maxAge ?? DEFAULT_MAX_AGE_SECONDS,
    exposeHeaders: (object.exposeHeaders ?? []).map((h) => h.toLowerCase()),
    allowHeaders: (object.allowHeaders ?? []).map((h) => h.toLowerCase()),
  }
}

/** An origin is scheme://host[:port], nothing after it: what a browser puts in the Origin header (RFC 6454 §7). */
function checkOrigin(origin: string, at: string, file: string | undefined): string {
  let url: URL | undefined
  try {
    url = new URL(origin)
  } catch {
    url = undefined
  }
  const serialized = url && url.origin !== 'null' ? url.origin : undefined
  if (serialized !== undefined && serialized === origin.toLowerCase()) return serialized
  const hint = serialized ? ` (did you mean '${serialized}'?)` : ''
  throw new SetupError(
    `${at}: '${origin}' is not an origin: write scheme://host[:port] as the browser sends it, with no path or trailing slash${hint}; or 'loopback', 'null' or '*'`,
    { file },
  )
}
