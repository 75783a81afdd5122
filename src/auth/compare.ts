import { createHash, timingSafeEqual } from 'node:crypto'

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

/**
 * Constant time whatever the lengths: timingSafeEqual needs equal-length
 * buffers, and comparing raw lengths first would leak the secret's length.
 */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b))
}

/** Compares against every candidate, with no early exit, so the time says nothing about which one matched. */
export function matchesAny(value: string, candidates: readonly string[]): boolean {
  let found = false
  for (const candidate of candidates) found = safeEqual(value, candidate) || found
  return found
}
