/** Choosing a media type by `Accept` (RFC 9110 §12.5.1). */
import { essence } from '../util/media-type.js'

export interface MediaRange {
  type: string
  subtype: string
  q: number
}

export function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = []
  for (const part of header.split(',')) {
    const [range, ...params] = part.split(';')
    const [type, subtype] = range.trim().toLowerCase().split('/')
    if (!type || !subtype) continue
    let q = 1
    for (const param of params) {
      const [name, value] = param.split('=').map((s) => s.trim())
      if (name?.toLowerCase() === 'q') q = Number.isFinite(Number(value)) ? Number(value) : 0
    }
    ranges.push({ type, subtype, q })
  }
  return ranges
}

function matches(range: MediaRange, type: string, subtype: string): number {
  if (range.type === '*' && range.subtype === '*') return 1
  // An offer of `*/*` or `text/*` (the spec says "any") satisfies every range it overlaps.
  if (type === '*') return 1
  if (range.type !== type) return 0
  if (range.subtype === '*' || subtype === '*') return 2
  return range.subtype === subtype ? 3 : 0
}

/**
 * Picks the offered media type the client prefers most: each offer gets the
 * q of the most specific range that matches it; ties keep the document's order,
 * except that an offer `faithful` says the mock can really send beats one it
 * cannot. Without an Accept header, every offer ties. Undefined when nothing is acceptable.
 */
export function negotiate(accept: string | undefined, offers: string[], faithful?: (offer: string) => boolean): string | undefined {
  if (offers.length === 0) return undefined
  const firstFaithful = (candidates: string[]) => (faithful && candidates.find(faithful)) ?? candidates[0]
  if (accept === undefined || accept.trim() === '') return firstFaithful(offers)
  const ranges = parseAccept(accept)
  if (ranges.length === 0) return firstFaithful(offers)
  let best: string | undefined
  let bestQ = 0
  for (const offer of offers) {
    const [type, subtype] = essence(offer).split('/')
    let specificity = 0
    let q = 0
    for (const range of ranges) {
      const s = matches(range, type, subtype ?? '')
      if (s > specificity) {
        specificity = s
        q = range.q
      }
    }
    if (q > bestQ) {
      best = offer
      bestQ = q
    } else if (q > 0 && q === bestQ && faithful && best !== undefined && !faithful(best) && faithful(offer)) {
      best = offer
    }
  }
  return best
}

export function isJsonMediaType(mediaType: string): boolean {
  const e = essence(mediaType)
  return e === 'application/json' || e.endsWith('+json') || e === '*/*' || e === 'application/*'
}
