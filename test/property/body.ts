/**
 * Request bodies: which documented media type the suite sends (JSON first),
 * and the bytes of a value in it. Media types it cannot build a valid body
 * for (XML, images…) are a reason, not a guess.
 */
import type { MediaType } from './openapi-document.js'

export type BodyKind = 'json' | 'form' | 'multipart' | 'text' | 'binary'

export interface BodyChoice {
  media: MediaType
  kind: BodyKind
  /** What the request says in Content-Type (multipart: left to fetch, for the boundary). */
  contentType: string | undefined
}

const PREFERENCE: BodyKind[] = ['json', 'form', 'multipart', 'text', 'binary']
export const MAX_BODY_BYTES = 1024 * 1024

export function kindOf(type: string): BodyKind | undefined {
  const essence = type.split(';')[0].trim().toLowerCase()
  if (essence === '*/*' || essence === 'application/*' || /^application\/([\w.-]+\+)?json$/.test(essence) || essence === 'text/json') return 'json'
  if (essence === 'application/x-www-form-urlencoded') return 'form'
  if (essence === 'multipart/form-data') return 'multipart'
  if (essence.startsWith('text/')) return 'text'
  if (essence === 'application/octet-stream') return 'binary'
  return undefined
}

export function chooseBody(media: MediaType[]): BodyChoice | string {
  const candidates = media.map((m) => ({ media: m, kind: kindOf(m.type) })).filter((c) => c.kind !== undefined)
  candidates.sort((a, b) => PREFERENCE.indexOf(a.kind!) - PREFERENCE.indexOf(b.kind!))
  const best = candidates[0]
  if (!best) return `no body the suite can build (${media.map((m) => m.type).join(', ') || 'no media type'})`
  const essence = best.media.type.split(';')[0].trim()
  const contentType =
    best.kind === 'multipart' ? undefined : essence.includes('*') ? (best.kind === 'json' ? 'application/json' : 'text/plain') : best.media.type
  return { media: best.media, kind: best.kind!, contentType }
}

/** Why a generated value cannot be sent as this kind of body, or undefined. */
export function bodyProblem(kind: BodyKind, value: unknown): string | undefined {
  // The mock's body limit is configured (propertyConfig), the document's schema may ask for more (minLength: 10⁷).
  if (JSON.stringify(value ?? null).length > MAX_BODY_BYTES) return 'a body larger than the suite sends (1 MiB)'
  if ((kind === 'text' || kind === 'binary') && value === '') return `an empty ${kind} body (no body on the wire)`
  if (kind === 'form' || kind === 'multipart') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return `a ${kind} body that is not an object`
    const flat = Object.values(value).every((v) => isScalar(v) || (Array.isArray(v) && v.every(isScalar)))
    if (!flat) return `a nested value in a ${kind} body`
    // An empty array is no field at all in a form: a required one would be missing.
    if (Object.values(value).some((v) => Array.isArray(v) && v.length === 0)) return `an empty array in a ${kind} body (no field on the wire)`
    if (Object.keys(value).length === 0) return `an empty ${kind} body (no body on the wire)`
    return undefined
  }
  if ((kind === 'text' || kind === 'binary') && typeof value !== 'string') return `a ${kind} body whose schema is not a string`
  return undefined
}

export function encodeBody(kind: BodyKind, value: unknown, partTypes: Record<string, string> = {}): string | FormData {
  switch (kind) {
    case 'json':
      return JSON.stringify(value)
    case 'form': {
      const form = new URLSearchParams()
      for (const [name, v] of Object.entries(value as object)) for (const item of [v].flat()) form.append(name, String(item))
      return form.toString()
    }
    case 'multipart': {
      const form = new FormData()
      for (const [name, v] of Object.entries(value as object)) {
        // A part the Encoding Object types goes with that Content-Type (as JSON text where the type is JSON).
        const type = partTypes[name]
        for (const item of [v].flat()) {
          if (type === undefined) form.append(name, String(item))
          else form.append(name, new Blob([kindOf(type) === 'json' ? JSON.stringify(item) : String(item)], { type }))
        }
      }
      return form
    }
    default:
      return String(value)
  }
}

/** Whether a documented media type (a range like `*\/*` included) takes this Content-Type. */
export function mediaTakes(documented: string, sent: string): boolean {
  const [type, subtype] = documented.split(';')[0].trim().toLowerCase().split('/')
  const [sentType, sentSubtype] = sent.toLowerCase().split('/')
  return (type === '*' || type === sentType) && (subtype === '*' || subtype === sentSubtype)
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
}
