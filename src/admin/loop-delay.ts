import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'

/**
 * How late the event loop ran timers, for GET /__doorman/health: a request
 * that blocks the loop (a huge body's errors, a backtracking pattern) shows
 * here as a large `maxMs`, and tests can assert it stays within doorman's
 * budget (~50 ms at the default limits; docs/security.md).
 */
export interface LoopDelay {
  /** Since the mock started or was last reset. */
  summary(): { meanMs: number; p99Ms: number; maxMs: number }
  reset(): void
  stop(): void
}

export function watchEventLoop(): LoopDelay {
  // 10 ms: fine enough to see a 50 ms stall, coarse enough to cost nothing.
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 })
  histogram.enable()
  const ms = (ns: number) => (Number.isFinite(ns) ? Math.round(ns / 1e4) / 100 : 0)
  return {
    summary: () => ({ meanMs: ms(histogram.mean), p99Ms: ms(histogram.percentile(99)), maxMs: ms(histogram.max) }),
    reset: () => histogram.reset(),
    stop: () => histogram.disable(),
  }
}
