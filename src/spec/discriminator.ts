import type { ErrorObject } from 'ajv'
import { resolvePointer } from './refs.js'

/** Past this many errors a body's errors are counted, not read: narrowing is for messages a person reads. */
const MAX_NARROWED_ERRORS = 1000

/** Narrows ajv's errors by OpenAPI discriminators, for one document (the request document ajv validates against). */
export class DiscriminatorNarrowing {
  constructor(private readonly doc: unknown) {}

  /**
   * ajv reports a failed `oneOf` with every branch's errors: a Cat with `lives: 30` also hears that
   * `petType` must be "dog". Where the `oneOf` has an OpenAPI `discriminator`, the value of its
   * property names the branch the client meant: only that branch's errors are kept (and the
   * `oneOf` summary goes), or, for a value that names no branch, one error listing those that do.
   */
  narrow(errors: ErrorObject[]): ErrorObject[] {
    // A body of a hundred thousand bad items is counted, not read: narrowing is for messages a person reads.
    if (errors.length > MAX_NARROWED_ERRORS) return errors
    type Verdict = { keep: Set<object>; drop: Set<object>; replacement?: ErrorObject; chosenFailed: boolean }
    const verdicts = new Map<ErrorObject, Verdict>()
    const byPath = new Map<string, Verdict[]>()
    for (const e of errors) {
      if (e.keyword !== 'oneOf' && e.keyword !== 'anyOf') continue
      const verdict = this.#verdict(e)
      if (verdict === undefined) continue
      verdicts.set(e, verdict)
      const list = byPath.get(e.instancePath)
      if (list) list.push(verdict)
      else byPath.set(e.instancePath, [verdict])
    }
    if (verdicts.size === 0) return errors
    // The verdicts on an error's own value and on the values that hold it (/10 is not inside /1).
    const around = (path: string): Verdict[] => {
      const out: Verdict[] = []
      for (let at = path; ; at = at.slice(0, at.lastIndexOf('/'))) {
        out.push(...(byPath.get(at) ?? []))
        if (at === '') return out
      }
    }
    const dropped = new Set<ErrorObject>()
    for (const e of errors) {
      if (verdicts.has(e)) continue
      const parent = e.parentSchema as object
      for (const verdict of around(e.instancePath)) {
        if (verdict.keep.has(parent)) verdict.chosenFailed = true
        else if (verdict.drop.has(parent)) dropped.add(e)
      }
    }
    const out: ErrorObject[] = []
    for (const e of errors) {
      const verdict = verdicts.get(e)
      if (verdict?.replacement) out.push(verdict.replacement)
      // the oneOf summary stays only when the chosen branch itself passed (the value matched two branches)
      else if (verdict) {
        if (!verdict.chosenFailed) out.push(e)
      } else if (!dropped.has(e)) out.push(e)
    }
    return out
  }

  /** What a discriminated oneOf/anyOf error says about its branches: the chosen one's schemas, the others', or a replacement error. */
  #verdict(e: ErrorObject): { keep: Set<object>; drop: Set<object>; replacement?: ErrorObject; chosenFailed: boolean } | undefined {
    const parent = e.parentSchema as { discriminator?: { propertyName?: unknown; mapping?: Record<string, unknown> } } | undefined
    const property = parent?.discriminator?.propertyName
    const branches = e.schema as unknown[]
    const value = (e.data as Record<string, unknown> | null)?.[String(property)]
    if (typeof property !== 'string' || typeof value !== 'string' || !Array.isArray(branches)) return undefined
    const refs = branches.map((b) =>
      b !== null && typeof b === 'object' && typeof (b as { $ref?: unknown }).$ref === 'string' ? (b as { $ref: string }).$ref : undefined,
    )
    // OAS: a discriminator picks among $ref'd branches; inline ones have no name to be picked by.
    if (!refs.every((ref): ref is string => ref !== undefined)) return undefined
    // Mapping values are $refs or bare schema names.
    const mapping = Object.fromEntries(
      Object.entries(parent?.discriminator?.mapping ?? {}).map(([name, target]) => [
        name,
        String(target).startsWith('#') ? String(target) : `#/components/schemas/${String(target)}`,
      ]),
    )
    const wanted = mapping[value] ?? refs.find((ref) => ref.slice(ref.lastIndexOf('/') + 1) === value)
    const chosen = refs.findIndex((ref) => ref === wanted)
    const reach = branches.map((b) => this.#reachable(b))
    if (chosen === -1) {
      const names = refs.map((ref) => Object.keys(mapping).find((name) => mapping[name] === ref) ?? ref.slice(ref.lastIndexOf('/') + 1))
      return {
        keep: new Set(),
        drop: new Set(reach.flatMap((r) => [...r])),
        chosenFailed: false,
        replacement: {
          ...e,
          instancePath: `${e.instancePath}/${property.replaceAll('~', '~0').replaceAll('/', '~1')}`,
          keyword: 'enum',
          message: `must be one of ${names.map((n) => JSON.stringify(n)).join(', ')} (the ${property} of a ${e.keyword} with a discriminator)`,
          params: { allowedValues: names },
          data: value,
        },
      }
    }
    const keep = reach[chosen]
    return { keep, drop: new Set(reach.flatMap((r) => [...r]).filter((s) => !keep.has(s))), chosenFailed: false }
  }

  readonly #reach = new WeakMap<object, Set<object>>()

  /** Every schema object inside `schema`, `$ref`s followed: the objects its errors can name as parentSchema. */
  #reachable(schema: unknown): Set<object> {
    if (schema === null || typeof schema !== 'object') return new Set()
    const known = this.#reach.get(schema)
    if (known) return known
    const out = new Set<object>()
    const stack: unknown[] = [schema]
    while (stack.length > 0) {
      const node = stack.pop()
      if (node === null || typeof node !== 'object' || out.has(node)) continue
      out.add(node)
      const ref = (node as { $ref?: unknown }).$ref
      if (typeof ref === 'string' && ref.startsWith('#/')) stack.push(resolvePointer(this.doc, ref))
      for (const value of Object.values(node)) if (value !== null && typeof value === 'object') stack.push(value)
    }
    this.#reach.set(schema, out)
    return out
  }
}
