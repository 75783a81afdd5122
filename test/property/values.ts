/**
 * Values from an independent generator (json-schema-faker), each checked by
 * the ajv oracle before it is used. A value the generator cannot make valid
 * in a few tries is a counted skip with its reason, never sent.
 */
import { generateSync } from 'json-schema-faker'
import type { Random } from 'json-schema-faker'
import { isObject, resolvePointer, type Json } from './openapi-document.js'
import type { Oracle } from './request-schemas.js'

const ATTEMPTS = 6

// OpenAPI formats json-schema-faker has no generator for (it would make '' for each).
const FORMATS: Record<string, (random: Random) => string> = {
  byte: (random) => Buffer.from(Array.from({ length: random.int(1, 12) }, () => random.int(0, 255))).toString('base64'),
  binary: (random) => word(random),
  password: (random) => `pw-${word(random)}`,
  url: (random) => `https://example.com/${word(random)}`,
  'uri-template': (random) => `https://example.com/{${word(random)}}`,
  'iso-time': () => '12:34:56Z',
  'iso-date-time': () => '2024-05-06T12:34:56Z',
}

function word(random: Random): string {
  return Array.from({ length: random.int(3, 10) }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[random.int(0, 35)]).join('')
}

export type Generated = { ok: true; value: unknown } | { ok: false; reason: string }

/**
 * A value valid for the schema at `pointer` of the request view (anything, for
 * no pointer). `narrow` may tighten the schema's top level for the wire
 * (a path segment cannot be empty); `acceptable` refuses values with no wire
 * form, and is asked again with another seed.
 */
export function generateValid(
  oracle: Oracle,
  pointer: string | undefined,
  seed: number,
  options: { narrow?: (schema: Json) => Json; acceptable?: (value: unknown) => string | undefined } = {},
): Generated {
  if (pointer === undefined) return { ok: true, value: word(seedRandom(seed)) }
  let validate
  try {
    validate = oracle.at(pointer)
  } catch (error) {
    // Counted by kind: the reference or pattern that failed is left out of the reason.
    return {
      ok: false,
      reason: `the oracle cannot compile the schema (${firstLine(error).replace(/(reference|pattern|Invalid regular expression:) .*/, '$1 …')})`,
    }
  }
  const target = topSchema(oracle.view, pointer)
  const schema = { ...(options.narrow ? options.narrow(target) : target), components: oracle.view.components, paths: oracle.view.paths }
  let reason = 'json-schema-faker made no value'
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let value: unknown
    try {
      const options = { seed: seed + attempt * 7919, optionalsProbability: 0.5, maxItems: 3, refDepthMax: 3, formats: FORMATS }
      value = generateSync(schema, { ...options, outputTransform: (v, s, path) => spice(v, s, `${seed} ${attempt} ${path}`) })
    } catch (error) {
      return { ok: false, reason: `json-schema-faker cannot generate it (${firstLine(error)})` }
    }
    if (!validate(value)) {
      const e = validate.errors![0]
      const detail = e.keyword === 'format' ? ` '${String(e.params.format)}'` : ''
      reason = `json-schema-faker's values break the schema (${e.keyword}${detail})`
      continue
    }
    const refused = options.acceptable?.(value)
    if (refused === undefined) return { ok: true, value }
    reason = refused
  }
  return { ok: false, reason }
}

// json-schema-faker's free strings are letters and digits; clients send commas, slashes, spaces, '%' and
// accents too, and those are where wire handling goes wrong ('a,b' in a comma-separated array, '%2F' in a segment).
// The comma is listed thrice: it is the separator of most array and object serializations.
const SPICE = [',', ',', ',', ' ', '/', '%', '&', '=', '+', '?', '#', ';', '.', ':', '|', '[', ']', 'é', '"']

/**
 * Now and then (a third of free strings, seeded) one character of a free-form string becomes one of
 * SPICE. A multiple of a decimal step is written as that decimal (75.3, not 75.30000000000001: the
 * generator's floating point is not the client's).
 */
function spice(value: unknown, schema: unknown, where: string): unknown {
  if (typeof value === 'number' && isObject(schema) && typeof schema.multipleOf === 'number' && !Number.isInteger(schema.multipleOf)) {
    const decimals = String(schema.multipleOf).split('.')[1]?.length ?? 0
    return Number((Math.round(value / schema.multipleOf) * schema.multipleOf).toFixed(decimals))
  }
  if (typeof value !== 'string' || value.length === 0 || !isObject(schema)) return value
  if ((schema.type !== undefined && schema.type !== 'string') || ['pattern', 'format', 'enum', 'const'].some((k) => k in schema)) return value
  const h = hashSeed(where, value)
  if (h % 3 !== 0) return value
  const at = (h >>> 8) % value.length
  return value.slice(0, at) + SPICE[(h >>> 16) % SPICE.length] + value.slice(at + 1)
}

/** The schema at `pointer`, its top-level `$ref`s followed (so narrowing sees the real keywords). */
function topSchema(view: Json, pointer: string): Json {
  let schema = resolvePointer(view, pointer)
  for (let hops = 0; hops < 8 && isObject(schema) && typeof schema.$ref === 'string' && schema.$ref.startsWith('#/'); hops++) {
    const { $ref, ...siblings } = schema
    const target = resolvePointer(view, decodeURIComponent($ref.slice(1)))
    if (!isObject(target)) break
    schema = { ...target, ...siblings }
  }
  return isObject(schema) ? schema : {}
}

/** A small seeded PRNG (mulberry32) for the suite's own choices: which optional parameter, which alternative. */
export function seedRandom(seed: number): Random {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const random: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    bool: (probability = 0.5) => next() < probability,
    pick: (items) => items[Math.floor(next() * items.length)],
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1))
        ;[items[i], items[j]] = [items[j], items[i]]
      }
      return items
    },
    fork: () => seedRandom(Math.floor(next() * 2 ** 32)),
  }
  return random
}

/** A stable 32-bit hash of strings, to seed each value from what it is (not from the order of the run). */
export function hashSeed(...parts: Array<string | number>): number {
  let h = 2166136261
  for (const char of parts.join('\u0000')) {
    h ^= char.codePointAt(0)!
    h = Math.imul(h, 16777619)
  }
  return h >>> 0
}

export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.split('\n')[0].slice(0, 160)
}
