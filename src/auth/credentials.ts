import { parseCookie } from 'cookie'
import type { FastifyRequest } from 'fastify'

export interface Authorization {
  /** As sent; compare case-insensitively (RFC 9110 §11.1). */
  scheme: string
  /** Everything after the scheme and its spaces; '' when nothing follows. */
  value: string
}

/** The places a request can carry credentials, read lazily and once. */
export class Credentials {
  readonly #request: FastifyRequest
  #authorization: Authorization | undefined | null = null
  #cookies: Record<string, string | undefined> | undefined

  constructor(request: FastifyRequest) {
    this.#request = request
  }

  /** The Authorization header split into scheme and credentials, or undefined without one. */
  get authorization(): Authorization | undefined {
    if (this.#authorization === null) {
      const header = this.#request.headers.authorization
      if (header === undefined || header === '') this.#authorization = undefined
      else {
        const match = /^([^\s]+)(?:\s+([\s\S]*))?$/.exec(header)
        this.#authorization = match ? { scheme: match[1], value: match[2] ?? '' } : { scheme: '', value: header }
      }
    }
    return this.#authorization
  }

  /** Whether the Authorization header uses this scheme (`bearer`, `basic`), case-insensitively. */
  hasScheme(scheme: string): boolean {
    return this.authorization?.scheme.toLowerCase() === scheme
  }

  header(name: string): string | string[] | undefined {
    return this.#request.headers[name.toLowerCase()]
  }

  /** A repeated parameter comes back as an array. */
  query(name: string): string | string[] | undefined {
    const query = this.#request.query as Record<string, string | string[] | undefined> | undefined
    return query && Object.hasOwn(query, name) ? query[name] : undefined
  }

  cookie(name: string): string | undefined {
    this.#cookies ??= this.#request.headers.cookie ? parseCookie(this.#request.headers.cookie) : {}
    return this.#cookies[name]
  }
}
