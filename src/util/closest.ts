/** Levenshtein distance, for "did you mean …?" suggestions. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
    }
    previous = current
  }
  return previous[b.length]!
}

/**
 * The candidate nearest to `input`, if it is near enough to be a plausible typo:
 * at most a third of the input's length away (and never more than `maxDistance`).
 */
export function closest(input: string, candidates: Iterable<string>, maxDistance = 8): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  const needle = input.toLowerCase()
  for (const candidate of candidates) {
    const distance = editDistance(needle, candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  const allowed = Math.min(maxDistance, Math.max(2, Math.ceil(input.length / 3)))
  return bestDistance <= allowed ? best : undefined
}
