import type { Busboy } from 'busboy'
import { Problem } from '../problems/problem.js'
import { lazyRequire } from '../util/lazy-require.js'
import type { MediaRule } from '../spec/compile-rules.js'
import { formatBytes } from './check-body-size.js'

// Loaded by the first multipart body, not at start-up.
const busboy = lazyRequire<typeof import('busboy')>('busboy')

type Fields = Record<string, string | string[]>

/**
 * multipart/form-data, parsed with busboy from the body already read (and
 * so already within its limit). File parts become latin1 strings so that
 * `format: binary` and `maxLength` (in bytes) apply to them; each part's
 * Content-Type is checked against the spec's `encoding.contentType`.
 */
export function parseMultipart(bytes: Buffer, contentType: string, rule: MediaRule, limit: number): Promise<Fields | Problem> {
  return new Promise((resolve) => {
    let parser: Busboy
    try {
      parser = busboy()({ headers: { 'content-type': contentType }, limits: { fileSize: limit, fieldSize: limit } })
    } catch (error) {
      resolve(
        new Problem('BODY_MALFORMED', {
          detail: `The multipart body cannot be read: ${(error as Error).message}; send Content-Type: multipart/form-data; boundary=… with the boundary the body uses.`,
        }),
      )
      return
    }
    // No prototype, kept to the validator: a part named constructor, toString or __proto__ is a name like any
    // other (with `{}`, `constructor=x` would find Object and become [Object, 'x'], `__proto__=x` would vanish,
    // and the validator would find Object.prototype's toString where no part came).
    const fields: Fields = Object.create(null) as Fields
    let problem: Problem | undefined
    const add = (name: string, value: string) => {
      const existing = fields[name]
      fields[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value]
    }
    // The Encoding Object's contentType holds for every part, a file or a plain field (RFC 7578 §4.4: a part
    // without Content-Type is text/plain, which is what busboy reports for it).
    const checkType = (name: string, mimeType: string) => {
      // Own keys only: a part named constructor must not find Object.prototype's.
      const allowed = Object.hasOwn(rule.partTypes, name) ? rule.partTypes[name] : undefined
      const type = mimeType.toLowerCase()
      if (allowed && !problem && !allowed.some((a) => a === type || a === '*/*' || (a.endsWith('/*') && type.startsWith(a.slice(0, -1))))) {
        problem = new Problem('CONTENT_TYPE_UNSUPPORTED', {
          detail: `The multipart part '${name}' is ${type}, but the spec's encoding allows ${allowed.join(', ')}; send the part with one of those types.`,
          extra: { expected: allowed, received: type, part: name },
        })
      }
    }
    parser.on('field', (name, value, info) => {
      checkType(name, info.mimeType)
      add(name, value)
    })
    parser.on('file', (name, stream, info) => {
      checkType(name, info.mimeType)
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('limit', () => {
        problem ??= new Problem('BODY_TOO_LARGE', {
          detail: `The multipart part '${name}' is larger than ${formatBytes(limit)}; send a smaller file.`,
          extra: { limit, part: name },
        })
      })
      stream.on('end', () => add(name, Buffer.concat(chunks).toString('latin1')))
      // A body cut off inside a file part fails the part too ('Unexpected end of form'); unheard, that error
      // would crash the process. The parser's own 'error' below answers for both.
      stream.on('error', () => {})
    })
    parser.on('error', (error: Error) => {
      resolve(
        problem ??
          new Problem('BODY_MALFORMED', {
            detail: `The multipart body is broken: ${error.message}; check the boundary and that the body ends with --boundary--.`,
          }),
      )
    })
    parser.on('close', () => resolve(problem ?? fields))
    parser.end(bytes)
  })
}
