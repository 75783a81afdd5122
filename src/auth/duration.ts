import { parse } from '@lukeed/ms'

/**
 * A duration for token lifetimes and clock tolerance: a number of seconds
 * (as JWT claims count time), or a string such as `15m`, `1h`, `30s`, `2d`.
 * Negative values are allowed (`-5m` mints an already expired token).
 * Returns milliseconds, or undefined when the text is not a duration.
 */
export function parseDuration(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value * 1000 : undefined
  const text = value.trim()
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text) * 1000
  // @lukeed/ms reads a bare number as milliseconds and `0m` as nothing; both are handled above or here.
  const zero = /^-?0+(?:\.0+)?\s*([a-z]+)$/i.exec(text)
  if (zero) return parse(`1${zero[1]}`) === undefined ? undefined : 0
  const ms = parse(text)
  return ms === undefined || !Number.isFinite(ms) ? undefined : ms
}

export const DURATION_HINT = "a number of seconds or a duration like '30s', '15m', '1h', '2d'"
