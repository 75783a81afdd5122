import { writeFile } from 'node:fs/promises'
import { stringify } from 'yaml'
import type { LoadedSpec } from '../spec/load-spec.js'
import { encodePointerToken, resolvePointer } from '../spec/refs.js'
import type { ObservedAnswer } from './forward.js'

/** Property names whose values are secrets wherever they appear in an answer (tokens, passwords, keys). */
const SECRET_NAME = /(pass(word|wd)?|secret|token|api[-_]?key|authori[sz]ation|credential|private[-_]?key|session|cookie)/i

/** Kept per status and media type: enough to show what the API says, not a dump of the traffic. */
const PER_RESPONSE = 3

/**
 * --record: a copy of the spec where each documented response the upstream
 * gave carries what it said, as named examples (`observed-1`, …) placed
 * first, so that `doorman serve` answers from them; the examples the spec
 * had stay after them. Secret-looking properties are redacted.
 */
export function recordedSpec(spec: LoadedSpec, observed: ObservedAnswer[], now = new Date()): object {
  const document = structuredClone(spec.document) as object
  const counts = new Map<string, number>()
  for (const answer of observed) {
    const at = `${answer.responsePointer}/content/${encodePointerToken(answer.mediaKey)}`
    const n = (counts.get(at) ?? 0) + 1
    if (n > PER_RESPONSE) continue
    const media = resolvePointer(document, `#${at}`) as Record<string, unknown> | undefined
    if (media === undefined || media === null || typeof media !== 'object') continue
    counts.set(at, n)
    const existing = (media.examples ?? {}) as Record<string, unknown>
    // OAS: `example` and `examples` are mutually exclusive; the spec's own example becomes a named one.
    if (media.example !== undefined) {
      existing.documented = { value: media.example }
      delete media.example
    }
    const named = { summary: `Observed from the upstream (status ${answer.status}), ${now.toISOString()}`, value: redact(answer.value) }
    // Observed ones first (the mock answers with the first named example), in the order they came.
    const observedOnes = Object.entries(existing).filter(([name]) => name.startsWith('observed-'))
    const others = Object.entries(existing).filter(([name]) => !name.startsWith('observed-'))
    media.examples = Object.fromEntries([...observedOnes, [`observed-${n}`, named], ...others])
  }
  return document
}

export async function writeRecording(file: string, spec: LoadedSpec, observed: ObservedAnswer[]): Promise<void> {
  const document = recordedSpec(spec, observed)
  const text = /\.json$/i.test(file) ? JSON.stringify(document, null, 2) + '\n' : stringify(document, { aliasDuplicateObjects: false })
  await writeFile(file, text)
}

function redact(value: unknown, depth = 0): unknown {
  if (depth > 64 || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) out[key] = SECRET_NAME.test(key) && typeof item !== 'object' ? '[redacted]' : redact(item, depth + 1)
  return out
}
