/** `limits.jsonDepth` by default (src/config.ts): Jackson's default too, and far below where a recursive validator runs out of stack. */
export const DEFAULT_JSON_DEPTH = 1000

/**
 * Whether a value (already parsed: JSON.parse builds 20,000 levels without
 * complaint) nests arrays and objects deeper than `max`. Iterative, so that
 * asking does not itself run out of stack; JSON.stringify, ajv and every
 * other recursive walk would.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]]
  let next: [unknown, number] | undefined
  while ((next = pending.pop()) !== undefined) {
    const [item, depth] = next
    if (item === null || typeof item !== 'object') continue
    if (depth >= max) return true
    for (const child of Object.values(item)) pending.push([child, depth + 1])
  }
  return false
}
