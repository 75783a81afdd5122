/** `doorman proxy`'s options (the library's `upstream`; the CLI's --upstream-* flags). docs/proxy.md. */
export interface ProxyOptions {
  /** The real API: `https://api.example.com/v2`. Its path is where the spec's base path is mapped to. */
  upstream: string
  /** No response headers from the upstream within this many ms → 504 UPSTREAM_TIMEOUT. Default 30000. */
  timeoutMs?: number
  /** A PEM file of the CA (or CAs) that signed the upstream's certificate, trusted besides the system's. */
  ca?: string
  /** Accept any upstream certificate (a test server's self-signed one). Loud at start-up. */
  insecure?: boolean
  /** Forward requests that break the contract too, their violations recorded, instead of refusing them. */
  forwardInvalid?: boolean
  /** Add `Doorman-Violations: <count>; </__doorman/journal?requestId=…>` to answers that broke the contract. */
  violationsHeader?: boolean
  /** At close, write a copy of the spec with the answers seen added as named examples (documented answers only, secrets redacted). */
  record?: string
  /** Bytes of an upstream answer kept (decoded) to check its body; a larger body is checked for content type and size only. Default 8 MiB. */
  checkBytes?: number
}

export interface ResolvedProxyOptions {
  upstream: URL
  timeoutMs: number
  ca: string | undefined
  insecure: boolean
  forwardInvalid: boolean
  violationsHeader: boolean
  record: string | undefined
  checkBytes: number
}

export const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000
export const DEFAULT_CHECK_BYTES = 8 * 1024 * 1024

export function resolveProxyOptions(input: string | ProxyOptions): ResolvedProxyOptions {
  const options = typeof input === 'string' ? { upstream: input } : input
  let upstream: URL
  try {
    upstream = new URL(options.upstream)
  } catch {
    throw new TypeError(`upstream must be an http:// or https:// URL, got '${options.upstream}'`)
  }
  if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') {
    throw new TypeError(`upstream must be an http:// or https:// URL, got '${options.upstream}'`)
  }
  return {
    upstream,
    timeoutMs: options.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
    ca: options.ca,
    insecure: options.insecure ?? false,
    forwardInvalid: options.forwardInvalid ?? false,
    violationsHeader: options.violationsHeader ?? false,
    record: options.record,
    checkBytes: options.checkBytes ?? DEFAULT_CHECK_BYTES,
  }
}
