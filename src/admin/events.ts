import type { FastifyReply, FastifyRequest } from 'fastify'
import { matches, type Journal, type JournalEntry, type JournalFilter } from '../journal/journal.js'

/** How long entries gather before they go out together: a load test with the inspector open writes ~20 times a second, not 20,000. */
const FLUSH_MS = 50
/** A comment line now and then, so that a proxy or a client's idle timeout does not end a quiet stream. */
const HEARTBEAT_MS = 15_000

/**
 * `GET /__doorman/events`: the journal as Server-Sent Events (HTML Living
 * Standard, "Server-sent events"). Each entry is an `entry` event whose `id`
 * is its requestId and whose data is the entry as `GET /__doorman/journal`
 * gives it; `clear` says the journal was emptied (DELETE journal, reset).
 * First come the entries already there (after `Last-Event-ID` when the
 * client reconnects and the journal still has that one; else a `clear`,
 * then all of them), then each new one. The journal's filters apply.
 */
export class EventStreams {
  readonly #open = new Set<FastifyReply>()

  constructor(private readonly journal: Journal) {}

  open(request: FastifyRequest, reply: FastifyReply, filter: JournalFilter): void {
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // Nothing between here and the client may hold events back (a buffering proxy would).
      'x-accel-buffering': 'no',
    })
    res.write('retry: 1000\n\n')
    this.#open.add(reply)

    let pending: Array<() => JournalEntry> = []
    let timer: NodeJS.Timeout | undefined
    const flush = () => {
      timer = undefined
      const batch = pending
      pending = []
      const text = batch
        .map((read) => read())
        .filter((entry) => matches(entry, filter))
        .map(entryEvent)
        .join('')
      if (text) res.write(text)
    }
    const unsubscribe = this.journal.subscribe({
      added: (read) => {
        pending.push(read)
        timer ??= setTimeout(flush, FLUSH_MS)
      },
      cleared: () => {
        // Entries waiting to go out were cleared too.
        pending = []
        res.write('event: clear\ndata: {}\n\n')
      },
    })
    const heartbeat = setInterval(() => res.write(': still here\n\n'), HEARTBEAT_MS)
    res.once('close', () => {
      this.#open.delete(reply)
      unsubscribe()
      clearInterval(heartbeat)
      clearTimeout(timer)
    })

    const entries = this.journal.entries(filter)
    const lastId = request.headers['last-event-id']
    const after = typeof lastId === 'string' ? entries.findIndex((entry) => entry.requestId === lastId) : -1
    if (typeof lastId === 'string' && after === -1) res.write('event: clear\ndata: {}\n\n')
    const backlog = entries.slice(after + 1)
    if (backlog.length > 0) res.write(backlog.map(entryEvent).join(''))
  }

  /** The mock is closing: a stream never ends by itself, and close() must not wait for it. */
  closeAll(): void {
    for (const reply of this.#open) reply.raw.end()
    this.#open.clear()
  }
}

function entryEvent(entry: JournalEntry): string {
  // JSON has no raw newlines (they are escaped in strings), so the data is one line.
  return `event: entry\nid: ${entry.requestId}\ndata: ${JSON.stringify(entry)}\n\n`
}
