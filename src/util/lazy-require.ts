import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/**
 * A CommonJS module loaded on first use. Start-up then pays nothing for
 * modules only some requests need: the multipart parser, the JSON error
 * locator, the JWT library when the config has no keys to load.
 */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined
  return () => (loaded ??= require(id) as T)
}
