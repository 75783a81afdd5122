import { SetupError } from '../setup-error.js'

/** Resolves a local JSON pointer (`#/components/schemas/Order`) inside `root`. */
export function resolvePointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) throw new Error(`not a local $ref: ${ref}`)
  // Token by token without split(): start-up resolves tens of thousands of pointers (GitHub's), and the arrays were garbage.
  let node: unknown = root
  let start = ref.indexOf('/', 1)
  while (start !== -1) {
    const end = ref.indexOf('/', start + 1)
    const token = decodePointerToken(end === -1 ? ref.slice(start + 1) : ref.slice(start + 1, end))
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, token)) return undefined
    node = (node as Record<string, unknown>)[token]
    start = end
  }
  return node
}

export function decodePointerToken(token: string): string {
  // Most tokens (`components`, `schemas`, `owner`) have nothing to decode: GitHub's description resolves ~10,000 of them at start.
  if (!token.includes('%') && !token.includes('~')) return token
  // A `$ref` is a URI fragment (percent-encoded), but a hand-written one may hold a bare '%'.
  let decoded = token
  try {
    decoded = decodeURIComponent(token)
  } catch {
    // not percent-encoded: take it as it is
  }
  return decoded.replaceAll('~1', '/').replaceAll('~0', '~')
}

export function encodePointerToken(token: string): string {
  if (!token.includes('~') && !token.includes('/')) return token
  return token.replaceAll('~', '~0').replaceAll('/', '~1')
}

/**
 * Follows `$ref` chains on non-schema objects (parameters, request bodies,
 * responses, headers, path items). Schemas keep their `$ref`s: ajv resolves
 * those, and circular schemas must stay possible.
 */
export function deref<T>(root: unknown, value: T, where: string, file: string): T {
  let current: unknown = value
  for (let hops = 0; hops < 32; hops++) {
    if (current === null || typeof current !== 'object' || typeof (current as { $ref?: unknown }).$ref !== 'string') {
      return current as T
    }
    const ref = (current as { $ref: string }).$ref
    const target = resolvePointer(root, ref)
    if (target === undefined) {
      throw new SetupError(`cannot resolve $ref '${ref}'`, { file, location: where })
    }
    current = target
  }
  throw new SetupError('$ref chain is circular', { file, location: where })
}
