/**
 * A deep copy. A parsed document is a tree, copied by plain recursion (3x faster than structuredClone, which writes
 * and reads a serialized copy); one that shares objects (an inline document, YAML aliases), is circular or nests
 * deeper than the stack allows is copied as a graph, without recursion, each shared object once.
 */
export function copyDocument(document: unknown): unknown {
  let budget = TREE_BUDGET
  const tree = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value
    if (--budget < 0) throw new RangeError('not a tree')
    if (Array.isArray(value)) {
      const out = new Array<unknown>(value.length)
      for (let i = 0; i < value.length; i++) out[i] = tree(value[i])
      return out
    }
    const out: Record<string, unknown> = {}
    // Indexed: at start-up this code is not optimized yet, and for…of made an iterator result per key.
    const keys = Object.keys(value)
    for (let i = 0; i < keys.length; i++) setOwn(out, keys[i], tree((value as Record<string, unknown>)[keys[i]]))
    return out
  }
  try {
    return tree(document)
  } catch (error) {
    if (!(error instanceof RangeError)) throw error
  }
  return copyGraph(document)
}

/** A deep copy that keeps shared objects shared and circles circular, without recursion (any depth). */
export function copyGraph(document: unknown): unknown {
  const copies = new Map<object, unknown>()
  const clone = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value
    let out = copies.get(value)
    if (out === undefined) {
      out = Array.isArray(value) ? [] : {}
      copies.set(value, out)
      pending.push([value, out as Record<string, unknown>])
    }
    return out
  }
  const pending: Array<[object, Record<string, unknown>]> = []
  const root = clone(document)
  let next: [object, Record<string, unknown>] | undefined
  while ((next = pending.pop()) !== undefined) {
    const [from, to] = next
    for (const [key, value] of Object.entries(from)) setOwn(to, key, clone(value))
  }
  return root
}

/** `object[key] = value`, also where the key is `__proto__` (JSON.parse makes it an own property; plain assignment would set the prototype). */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true })
  else object[key] = value
}

/**
 * Objects a walk or a copy meets before it takes the document to share some, or to go round a circle, and starts again
 * the graph-safe way (a tree of GitHub's whole description holds ~90,000).
 */
export const TREE_BUDGET = 5_000_000
