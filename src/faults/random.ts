import { MAX_DELAY_MS, type DelaySpec } from './plan.js'

/** A seeded PRNG in [0, 1): mulberry32, small and good enough to make fault runs repeat. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296)
}

/** Milliseconds for one request: fixed, uniform in [min, max], or lognormal (median · e^(sigma·N(0,1))). */
export function sampleDelay(delay: DelaySpec, random: () => number): number {
  if (typeof delay === 'number') return delay
  if ('min' in delay) return Math.round(delay.min + random() * (delay.max - delay.min))
  // Box–Muller; 1 - u keeps the logarithm finite.
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
  return Math.min(MAX_DELAY_MS, Math.round(delay.median * Math.exp(delay.sigma * normal)))
}
