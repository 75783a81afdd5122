import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http'

/** Header values as the journal shows them: strings, credentials replaced by '[redacted]'. */
export function redactHeaders(headers: IncomingHttpHeaders | OutgoingHttpHeaders, redact: Set<string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  // for…in, not Object.entries: this runs when every request with a credential is recorded, and the pairs were garbage.
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined) continue
    out[name] = redact.has(name) ? '[redacted]' : Array.isArray(value) ? value.map(String) : String(value)
  }
  return out
}

/**
 * The request's headers object itself, unless it holds a credential: the
 * journal keeps no credential the client sent alive, not even until the
 * entry is read. Then a redacted copy. (Asked on every request: the common
 * case copies nothing.)
 */
export function withoutSecrets(headers: IncomingHttpHeaders, redact: Set<string>): IncomingHttpHeaders {
  for (const name of redact) if (headers[name] !== undefined) return redactHeaders(headers, redact)
  return headers
}

/** `api_key=[redacted]&limit=5`: credentials in the query string (API keys, access_token) are redacted like headers. */
export function redactQuery(query: string, redact: Set<string>): string {
  if (query === '') return query
  // The common case: nothing escaped, and no redacted name anywhere in the text.
  if (!query.includes('%') && !query.includes('+')) {
    const lower = query.toLowerCase()
    let suspect = false
    for (const name of redact) if (lower.includes(name)) suspect = true
    if (!suspect) return query
  }
  return redactPairs(query, (name) => redact.has(name.toLowerCase()), '[redacted]')
}

/** `a=1&b=2` with the value of each pair whose (decoded) name is `named` replaced: query strings and urlencoded bodies. */
export function redactPairs(text: string, named: (name: string) => boolean, replacement: string): string {
  return text
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      if (eq === -1) return pair
      let name = pair.slice(0, eq)
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '))
      } catch {
        // a malformed escape: compare the name as sent
      }
      return named(name) ? `${pair.slice(0, eq)}=${replacement}` : pair
    })
    .join('&')
}
