/**
 * Levenshtein distance, for "did you mean …?" suggestions. With a `limit`,
 * only the diagonal band that can stay within it is computed and anything
 * farther is `limit + 1`: comparing a 1000-character path with a template
 * costs O(length × limit), not O(length²) (a request could otherwise buy
 * 100+ ms of CPU per 404).
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (a === b) return 0
  if (Math.abs(a.length - b.length) > limit) return limit + 1
  const band = Math.min(limit, Math.max(a.length, b.length))
  let previous = new Array<number>(b.length + 2).fill(Infinity)
  let current = new Array<number>(b.length + 2).fill(Infinity)
  for (let j = 0; j <= Math.min(b.length, band); j++) previous[j] = j
  for (let i = 1; i <= a.length; i++) {
    const from = Math.max(1, i - band)
    const to = Math.min(b.length, i + band)
    current[from - 1] = from === 1 ? i : Infinity
    let rowMin = current[from - 1]
    for (let j = from; j <= to; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      if (current[j] < rowMin) rowMin = current[j]
    }
    current[to + 1] = Infinity
    if (rowMin > limit) return limit + 1
    ;[previous, current] = [current, previous]
  }
  return Math.min(previous[b.length], limit + 1)
}

/**
 * The candidate nearest to `input`, if it is near enough to be a plausible typo:
 * at most a third of the input's length away (and never more than `maxDistance`).
 */
export function closest(input: string, candidates: Iterable<string>, maxDistance = 8): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  const needle = input.toLowerCase()
  const allowed = Math.min(maxDistance, Math.max(2, Math.ceil(input.length / 3)))
  for (const candidate of candidates) {
    // The distance is at least the difference in length: a candidate that cannot win is not measured (422s name typos per request).
    const lower = candidate.toLowerCase()
    if (Math.abs(lower.length - needle.length) > Math.min(allowed, bestDistance - 1)) continue
    const distance = editDistance(needle, lower, Math.min(allowed, bestDistance - 1))
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return bestDistance <= allowed ? best : undefined
}
