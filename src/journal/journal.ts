import { buildHar, type Har } from './har.js'
import type { JournalEntry, JournalFilter, WaitForOptions } from './entry.js'
import { PendingEntry } from './pending-entry.js'

export type { JournalBody, JournalEntry, JournalFilter, WaitForOptions } from './entry.js'

interface Waiter {
  filter: JournalFilter
  count: number
  resolve: (entries: JournalEntry[]) => void
}

/** Told of every change: `GET /__doorman/events` streams them (src/admin/events.ts). */
export interface JournalSubscriber {
  /** An entry arrived; `read()` builds it (the subscriber may wait and read it later, in a batch). */
  added(read: () => JournalEntry): void
  cleared(): void
}

/** What the ring holds: the server's entries are built on first read (src/journal/pending-entry.ts). */
type Slot = JournalEntry | PendingEntry

const entryOf = (slot: Slot): JournalEntry => (slot instanceof PendingEntry ? slot.entry() : slot)

/** A bounded ring buffer: the oldest entry goes when a new one arrives at the cap. */
export class Journal {
  readonly #capacity: number
  #ring: Array<Slot | undefined>
  #next = 0
  #size = 0
  #waiters = new Set<Waiter>()
  #subscribers = new Set<JournalSubscriber>()

  constructor(capacity: number) {
    this.#capacity = capacity
    this.#ring = new Array<Slot | undefined>(capacity)
  }

  get size(): number {
    return this.#size
  }

  get capacity(): number {
    return this.#capacity
  }

  /** How many `waitFor`s are pending (the admin API's long polls among them). */
  get waiting(): number {
    return this.#waiters.size
  }

  add(entry: JournalEntry | PendingEntry): void {
    if (this.#capacity === 0) return
    this.#ring[this.#next] = entry
    this.#next = (this.#next + 1) % this.#capacity
    this.#size = Math.min(this.#size + 1, this.#capacity)
    for (const waiter of this.#waiters) {
      // Only a matching entry can complete a wait: the others cost one comparison, not a scan of the ring.
      if (!matches(entry, waiter.filter)) continue
      const found = this.entries(waiter.filter)
      if (found.length >= waiter.count) {
        this.#waiters.delete(waiter)
        waiter.resolve(found)
      }
    }
    if (this.#subscribers.size > 0) for (const subscriber of this.#subscribers) subscriber.added(() => entryOf(entry))
  }

  /** Follows the journal until the returned function is called. */
  subscribe(subscriber: JournalSubscriber): () => void {
    this.#subscribers.add(subscriber)
    return () => this.#subscribers.delete(subscriber)
  }

  /** Oldest first. */
  entries(filter: JournalFilter = {}): JournalEntry[] {
    const out: JournalEntry[] = []
    const start = (this.#next - this.#size + this.#capacity) % Math.max(this.#capacity, 1)
    for (let i = 0; i < this.#size; i++) {
      const slot = this.#ring[(start + i) % this.#capacity]
      // The #size slots from start are all filled.
      if (slot !== undefined && matches(slot, filter)) out.push(entryOf(slot))
    }
    return out
  }

  /** The same as `entries(filter)`, under the name undici's MockCallHistory uses. */
  filter(filter: JournalFilter): JournalEntry[] {
    return this.entries(filter)
  }

  last(filter: JournalFilter = {}): JournalEntry | undefined {
    return this.entries(filter).at(-1)
  }

  /** The entries (filtered) as a HAR 1.2 log, for a browser's network panel or any HAR viewer. */
  har(filter: JournalFilter = {}): Har {
    return buildHar(this.entries(filter))
  }

  clear(): void {
    this.#ring = new Array<Slot | undefined>(this.#capacity)
    this.#next = 0
    this.#size = 0
    for (const subscriber of this.#subscribers) subscriber.cleared()
  }

  /**
   * Resolves with the matching entries once there are at least `count` (default 1)
   * of them; rejects after `timeoutMs` saying how many it saw, or when
   * `signal` aborts. Tests use this instead of sleeping.
   */
  waitFor(filter: JournalFilter & { count?: number } = {}, options: WaitForOptions = {}): Promise<JournalEntry[]> {
    const { count = 1, ...rest } = filter
    const timeoutMs = options.timeoutMs ?? 5000
    const { signal } = options
    // Like fetch(), an abort rejects with the signal's own reason (an AbortError unless the caller gave one).
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the caller's reason, as it gave it
    if (signal?.aborted) return Promise.reject(signal.reason)
    const found = this.entries(rest)
    if (found.length >= count) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        this.#waiters.delete(waiter)
      }
      const onAbort = () => {
        settle()
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the caller's reason, as above
        reject(signal?.reason)
      }
      const waiter: Waiter = {
        filter: rest,
        count,
        resolve: (entries) => {
          settle()
          resolve(entries)
        },
      }
      const timer = setTimeout(() => {
        settle()
        const seen = this.entries(rest).length
        reject(new Error(`journal.waitFor timed out after ${timeoutMs} ms: wanted ${count} request(s) matching ${JSON.stringify(rest)}, saw ${seen}`))
      }, timeoutMs)
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#waiters.add(waiter)
    })
  }
}

/** Whether an entry passes a filter (as `entries(filter)` reads it). */
export function matches(entry: Slot, filter: JournalFilter): boolean {
  if (filter.requestId !== undefined && entry.requestId !== filter.requestId) return false
  if (filter.operation !== undefined && entry.operation !== filter.operation) return false
  if (filter.method !== undefined && entry.method !== filter.method.toUpperCase()) return false
  if (filter.path !== undefined && entry.path !== filter.path) return false
  if (filter.status !== undefined && entry.status !== Number(filter.status)) return false
  if (filter.code !== undefined && entry.code !== filter.code) return false
  if (filter.step !== undefined && entry.step !== filter.step) return false
  if (filter.since !== undefined && timeOf(entry) < new Date(filter.since).getTime()) return false
  return true
}

function timeOf(slot: Slot): number {
  return slot instanceof PendingEntry ? slot.receivedAt : Date.parse(slot.time)
}
