import { redactPairs } from './redact.js'
/**
 * Request body fields whose names look like credentials (password, secret,
 * token, client_secret, api_key, refresh_token, …) are replaced by
 * `[redacted]` in the journal and the HAR, in JSON, urlencoded and multipart
 * bodies: a login form or an OAuth token request must not leave its secret
 * in a file a test suite uploads as an artifact. `journal.redact` names are
 * redacted here too; `journal.redactBodyFields: false` keeps the others.
 *
 * The journal keeps a body's first `journal.bodyBytes` only, often cut in
 * the middle of a value: the text is rewritten where the names occur rather
 * than parsed, so a cut body is redacted as well as a whole one.
 */
export interface BodyRedaction {
  /** `journal.redact` and the defaults, lower-cased. */
  names: ReadonlySet<string>
  /** `journal.redactBodyFields`: also every credential-like name. */
  credentialLike: boolean
}

// Separators dropped and lower-cased first: `client_secret`, `clientSecret` and `Client-Secret` are one name.
const CREDENTIAL_PARTS = /password|passwd|passphrase|secret|token|apikey|accesskey|privatekey|credential|signature|authorization/
const CREDENTIAL_NAMES = new Set(['pass', 'pwd', 'auth', 'cookie', 'sessionid', 'codeverifier'])
// A cheap look before any rewriting: most bodies hold none of these.
const SUSPECT = /pass|pwd|secret|token|key|credential|signature|auth|cookie|session|verifier/i

export function isCredentialName(name: string): boolean {
  const plain = name.toLowerCase().replace(/[^a-z0-9]/g, '')
  return CREDENTIAL_NAMES.has(plain) || CREDENTIAL_PARTS.test(plain)
}

const REDACTED = '[redacted]'

/** The body text as the journal keeps it: credential fields' values replaced, the rest as sent. */
export function redactBody(text: string, contentType: string | undefined, redaction: BodyRedaction): string {
  if (!redaction.credentialLike && redaction.names.size === 0) return text
  if (!SUSPECT.test(text)) {
    const lower = text.toLowerCase()
    let named = false
    for (const name of redaction.names) if (lower.includes(name)) named = true
    if (!named) return text
  }
  const named = (name: string) => redaction.names.has(name.toLowerCase()) || (redaction.credentialLike && isCredentialName(name))
  const essence = (contentType ?? '').split(';')[0].trim().toLowerCase()
  if (essence === 'application/x-www-form-urlencoded') return redactForm(text, named)
  if (essence.startsWith('multipart/')) return redactMultipart(text, named)
  // JSON, +json, and anything else that looks like it.
  return redactJson(text, named)
}

// "name" : value — a string (escapes included, possibly cut at the end), or a number, true, false or null.
const JSON_MEMBER = /"((?:[^"\\]|\\.)*)"(\s*:\s*)("(?:[^"\\]|\\.)*(?:"|$)|-?[0-9][0-9.eE+-]*|true|false|null)/g

function redactJson(text: string, named: (name: string) => boolean): string {
  return text.replace(JSON_MEMBER, (member: string, key: string, colon: string) => {
    let name = key
    try {
      name = JSON.parse(`"${key}"`) as string
    } catch {
      // an escape cut short: compare the key as written
    }
    return named(name) ? `"${key}"${colon}"${REDACTED}"` : member
  })
}

function redactForm(text: string, named: (name: string) => boolean): string {
  return redactPairs(text, named, REDACTED)
}

// A part's headers, then its value up to the next boundary line (or the end of a cut body).
const MULTIPART_FIELD = /(content-disposition:[^\r\n]*?\bname="([^"]*)"[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n)([\s\S]*?)(?=\r?\n--|$)/gi

function redactMultipart(text: string, named: (name: string) => boolean): string {
  return text.replace(MULTIPART_FIELD, (part: string, head: string, name: string) => (named(name) ? `${head}${REDACTED}` : part))
}
