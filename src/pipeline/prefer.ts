/**
 * The `Prefer` request header (RFC 7240): `Prefer: code=404, example=notFound`.
 * Several headers and comma-separated lists combine; names are case-insensitive;
 * values may be quoted. Parameters after `;` are ignored.
 */
export type Preferences = ReadonlyMap<string, string>

// Most requests send no Prefer: they share one empty map instead of each allocating its own.
const NONE: Preferences = new Map()

export function parsePrefer(header: string | string[] | undefined): Preferences {
  if (header === undefined) return NONE
  const prefs = new Map<string, string>()
  const text = Array.isArray(header) ? header.join(',') : header
  for (const part of text.split(',')) {
    const [token] = part.split(';')
    const eq = token.indexOf('=')
    const name = (eq === -1 ? token : token.slice(0, eq)).trim().toLowerCase()
    if (!name) continue
    let value = eq === -1 ? '' : token.slice(eq + 1).trim()
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
    // RFC 7240 §2: the first occurrence of a preference wins.
    if (!prefs.has(name)) prefs.set(name, value)
  }
  return prefs
}
