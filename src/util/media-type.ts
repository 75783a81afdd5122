/** Media types per RFC 9110 §8.3.1: `type/subtype *( ";" name=value )`, names case-insensitive. */
export interface MediaType {
  type: string
  subtype: string
  /** `type/subtype`, lower-cased. */
  essence: string
  /** Parameter names lower-cased; values unquoted, as sent. */
  params: Record<string, string>
}

/** `application/json; charset=utf-8` → `application/json` (lower-cased); what is compared when parameters do not matter. */
export function essence(mediaType: string): string {
  const semicolon = mediaType.indexOf(';')
  return (semicolon === -1 ? mediaType : mediaType.slice(0, semicolon)).trim().toLowerCase()
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

export function parseMediaType(header: string): MediaType | undefined {
  const [head, ...rest] = header.split(';')
  const slash = head.indexOf('/')
  if (slash === -1) return undefined
  const type = head.slice(0, slash).trim().toLowerCase()
  const subtype = head
    .slice(slash + 1)
    .trim()
    .toLowerCase()
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return undefined
  const params: Record<string, string> = {}
  for (const part of rest) {
    if (part.trim() === '') continue
    const eq = part.indexOf('=')
    if (eq === -1) return undefined
    const name = part.slice(0, eq).trim().toLowerCase()
    let value = part.slice(eq + 1).trim()
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1).replace(/\\(.)/g, '$1')
    if (!TOKEN.test(name)) return undefined
    params[name] = value
  }
  return { type, subtype, essence: `${type}/${subtype}`, params }
}
