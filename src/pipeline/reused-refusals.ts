import type { Problem } from '../problems/problem.js'
import type { Operation } from '../spec/route-table.js'

/**
 * Refusals a step makes once per operation and what the request brought (the scheme it used, its token's scopes,
 * its Content-Type), then reuses: a client that is refused sends the same request again and again, and describing
 * the refusal was most of its cost. A few per operation, so that varied requests cannot grow it without bound.
 */
export class ReusedRefusals {
  readonly #byOperation = new WeakMap<Operation, Map<string, Problem>>()

  constructor(private readonly perOperation = 16) {}

  /** The refusal made for `key` on `operation`, or `make()`'s, kept while the operation has room. */
  get(operation: Operation, key: string, make: () => Problem): Problem {
    let known = this.#byOperation.get(operation)
    if (known === undefined) this.#byOperation.set(operation, (known = new Map<string, Problem>()))
    const cached = known.get(key)
    if (cached !== undefined) return cached
    const problem = make()
    if (known.size < this.perOperation) known.set(key, problem)
    return problem
  }
}
