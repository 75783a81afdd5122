import v8 from 'node:v8'
import vm from 'node:vm'

type Gc = (options: { type: 'minor' }) => void
let gc: Gc | undefined | false

/**
 * Discarding a large body allocates one Buffer per socket read. Their memory
 * lives outside the V8 heap, and V8 only collects them once ~32 MiB of it has
 * piled up, so a 1 GiB discard would swing RSS by that much. A scavenge
 * (≈0.1 ms) every few MiB keeps it flat. `gc` is taken once from a fresh
 * context with --expose-gc set just for that moment; if the runtime refuses,
 * this does nothing and memory merely swings more.
 *
 * Why flipping the flag at run time is safe: V8 reads --expose-gc only when a
 * context is created, so turning it on, creating one context and turning it
 * off again exposes `gc` in that throwaway context alone; the user's global
 * scope never sees a `gc`, and one already exposed (node --expose-gc) stays.
 * Only minor collections are asked for: they never pause for long.
 */
export function reclaimYoungGarbage(): void {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc')
      gc = vm.runInNewContext('gc') as Gc
    } catch {
      gc = false
    } finally {
      v8.setFlagsFromString('--no-expose-gc')
    }
  }
  if (gc) gc({ type: 'minor' })
}
