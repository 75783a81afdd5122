import { Problem } from '../problems/problem.js'
import type { FormEncoding } from '../spec/compile-rules.js'

type Fields = Record<string, unknown>

/**
 * RFC 3986 reserved characters a field must percent-encode unless its
 * encoding says `allowReserved: true` (OAS 3 Encoding Object). Two are left
 * out, on purpose: `+`, which application/x-www-form-urlencoded uses for a
 * space, and `*`, which the WHATWG urlencoded serializer (every browser form,
 * URLSearchParams) never encodes: refusing it would refuse clients that
 * cannot do otherwise. `&` cannot appear raw inside a value (it ends it).
 */
const RESERVED = /[:/?#[\]@!$'(),;=]/g

/**
 * An application/x-www-form-urlencoded body, read field by field the way
 * OpenAPI's Encoding Object says: raw reserved characters refused unless
 * allowed, and array and object fields split by their style and explode
 * exactly as query parameters are (form, spaceDelimited, pipeDelimited,
 * deepObject). Values stay strings; the coercing validator applies the
 * schema's types. The object has no prototype: a field named toString or
 * __proto__ is a field like any other.
 */
export function parseForm(text: string, encoding: FormEncoding | undefined): Fields | Problem {
  const pairs: Array<[name: string, raw: string]> = []
  for (const part of text.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    pairs.push(eq === -1 ? [decode(part), ''] : [decode(part.slice(0, eq)), part.slice(eq + 1)])
  }
  if (encoding) {
    const refused = reservedIn(pairs, encoding)
    if (refused.length) {
      const list = refused.map((r) => `'${r.field}' (${r.chars.join(' ')})`).join(', ')
      return new Problem('FORM_FIELD_RESERVED_CHARACTERS', {
        detail: `The form field${refused.length > 1 ? 's' : ''} ${list} carr${refused.length > 1 ? 'y' : 'ies'} reserved characters unencoded; percent-encode them (curl --data-urlencode does), or mark the field allowReserved: true in the spec's encoding.`,
        extra: {
          fields: refused.map((r) => r.field),
          errors: refused.map((r) => ({
            location: 'body',
            pointer: `/${r.field}`,
            keyword: 'allowReserved',
            message: `holds ${r.chars.join(' ')} unencoded`,
            received: r.chars,
          })),
        },
      })
    }
  }
  const out = Object.create(null) as Fields
  const add = (key: string, value: unknown) => {
    const existing = out[key]
    out[key] = existing === undefined ? value : Array.isArray(existing) ? [...(existing as unknown[]), value] : [existing, value]
  }
  for (const [name, raw] of pairs) {
    const deep = /^([^[\]]+)\[([^[\]]*)\]$/.exec(name)
    const deepRule = deep ? encoding?.shaped.get(deep[1]) : undefined
    if (deep && deepRule?.style === 'deepObject') {
      const object = (out[deep[1]] ??= Object.create(null)) as Fields
      const existing = object[deep[2]]
      const value = decode(raw)
      object[deep[2]] = existing === undefined ? value : Array.isArray(existing) ? [...(existing as unknown[]), value] : [existing, value]
      continue
    }
    const rule = encoding?.shaped.get(name)
    if (rule === undefined || rule.style === 'deepObject') {
      add(name, decode(raw))
      continue
    }
    if (rule.shape === 'array') {
      if (rule.explode) add(name, decode(raw))
      else {
        const items = raw === '' ? [] : split(raw, rule.style).map(decode)
        const existing = out[name]
        out[name] = Array.isArray(existing) ? [...(existing as unknown[]), ...items] : items
      }
      continue
    }
    // An object, form style: `color=R,100,G,200` (explode false). Exploded objects spread their properties over
    // the body's own fields, which then read as fields; the validator sees them there.
    if (!rule.explode) {
      const parts = split(raw, rule.style).map(decode)
      const object = Object.create(null) as Fields
      for (let i = 0; i + 1 < parts.length; i += 2) object[parts[i]] = parts[i + 1]
      out[name] = object
    } else add(name, decode(raw))
  }
  return out
}

/** Which fields hold raw reserved characters, other than the delimiter their own style splits on. */
function reservedIn(pairs: Array<[string, string]>, encoding: FormEncoding): Array<{ field: string; chars: string[] }> {
  const found = new Map<string, Set<string>>()
  for (const [name, raw] of pairs) {
    const field = /^([^[\]]+)\[[^[\]]*\]$/.exec(name)?.[1] ?? name
    if (encoding.allowReserved.has(field) || encoding.allowReserved.has(name)) continue
    const rule = encoding.shaped.get(field)
    // RFC 6570: the comma that joins a non-exploded form value's items is a delimiter, sent as it is.
    const delimiter = rule && !rule.explode && rule.style === 'form' ? ',' : undefined
    for (const [char] of raw.matchAll(RESERVED)) {
      if (char === delimiter) continue
      let chars = found.get(name)
      if (!chars) found.set(name, (chars = new Set()))
      chars.add(char)
    }
  }
  return [...found].map(([field, chars]) => ({ field, chars: [...chars] }))
}

/** spaceDelimited: a space, which a form body carries as `%20` or `+`; pipeDelimited: `|` (raw or `%7C`); form: `,`. */
function split(raw: string, style: string): string[] {
  if (style === 'spaceDelimited') return raw.split(/%20|\+/i)
  if (style === 'pipeDelimited') return raw.split(/\||%7C/i)
  return raw.split(',')
}

/** application/x-www-form-urlencoded decoding: `+` is a space; a malformed `%` sequence stays as it came (as URLSearchParams does). */
function decode(text: string): string {
  const spaced = text.includes('+') ? text.replaceAll('+', ' ') : text
  if (!spaced.includes('%')) return spaced
  try {
    return decodeURIComponent(spaced)
  } catch {
    return new URLSearchParams(`x=${spaced.replaceAll('&', '%26').replaceAll('=', '%3D')}`).get('x') ?? spaced
  }
}
