import { shellQuote } from '../curl/shell.js'
import type { JournalEntry } from '../journal/journal.js'

/** Set by curl itself, or about the connection rather than the request (RFC 9110 §7.6.1), or a browser's own. */
const LEFT_OUT = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'upgrade',
  'expect',
  'proxy-connection',
  'accept-encoding',
  'user-agent',
  'referer',
  'priority',
])

const REDACTED = '[redacted]'

/**
 * A curl command that sends a journaled request again: its method, URL,
 * headers and body, so that the mock answers it the same way. The journal
 * never keeps credentials: a redacted header becomes a shell variable the
 * first comment names (`DOORMAN_AUTHORIZATION`), and a body the journal cut
 * at `journal.bodyBytes` is said to be cut.
 */
export function curlForEntry(entry: JournalEntry, origin: string): string {
  // A failed TLS handshake (src/tls/handshake.ts) never became a request.
  if (entry.method === '')
    return `# A TLS handshake that failed (${entry.tls?.alert ?? entry.detail ?? 'no alert'}): no HTTP request came, so there is none to send again.`
  const comments: string[] = []
  const args: string[] = []
  const variables: string[] = []
  const hasBody = entry.body !== undefined && entry.body.bytes > 0
  // Refused from its headers (401, 413, 415 …), a request's body was never read: bytes of the same size stand in, so the answer is the same.
  const standIn =
    hasBody || entry.method === 'HEAD' ? 0 : Number(headerValue(entry, 'content-length') ?? (headerValue(entry, 'transfer-encoding') ? 1 : 0)) || 0
  if (entry.method === 'HEAD') args.push('--head')
  else if (entry.method !== (hasBody || standIn > 0 ? 'POST' : 'GET')) args.push(`-X ${entry.method}`)

  for (const [name, value] of Object.entries(entry.headers)) {
    if (LEFT_OUT.has(name) || name.startsWith('sec-')) continue
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one === REDACTED) {
        const variable = `DOORMAN_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`
        variables.push(`${variable} (${name})`)
        // Double quotes, so that the shell puts the variable in (what it would read in the name itself is escaped).
        args.push(`-H "${headerName(name).replace(/[\\$`"]/g, '\\$&')}: $${variable}"`)
      } else {
        args.push(`-H ${shellQuote(`${headerName(name)}: ${one}`)}`)
      }
    }
  }
  if (variables.length > 0) {
    comments.push(`# The journal keeps no credentials: set ${variables.join(', ')} first (doorman token mints a bearer token; send it as 'Bearer <token>').`)
  }
  if (entry.query.includes(`=${REDACTED}`)) comments.push('# The journal keeps no credentials: put the real values in place of [redacted] in the query.')
  let pipe = ''
  const body = entry.body
  if (body !== undefined && hasBody) {
    if (body.truncated)
      comments.push(
        `# The journal kept ${Buffer.byteLength(body.text)} of the body's ${body.bytes} bytes (journal.bodyBytes): this body is cut, and the answer will differ.`,
      )
    args.push(`--data-binary ${shellQuote(body.text)}`)
  } else if (standIn > 0) {
    comments.push(`# The mock refused this request before reading its body, so the journal has none: ${standIn} zero bytes stand in for it.`)
    pipe = `head -c ${standIn} /dev/zero | `
    args.push('--data-binary @-')
  }
  const url = `${entry.tls ? origin.replace(/^http:/, 'https:') : origin}${entry.path}${entry.query ? `?${entry.query}` : ''}`
  // Over HTTPS, the certificate comes from doorman's local CA (docs/tls.md); a mode listener's is broken on purpose.
  if (entry.tls) args.unshift('--cacert "$(doorman tls ca)"')
  return [...comments, [`${pipe}curl -i ${shellQuote(url)}`, ...args].join(' \\\n  ')].join('\n')
}

function headerValue(entry: JournalEntry, name: string): string | undefined {
  const value = entry.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** `content-type` → `Content-Type`: as people write them (HTTP/1.1 does not care). */
function headerName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_all, dash: string, letter: string) => dash + letter.toUpperCase())
}
