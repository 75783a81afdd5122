import type { ErrorObject, ValidateFunction } from 'ajv'
import { PARAMETER_VALUES } from './ajv-keywords.js'

/**
 * Parameters and form fields are strings on the wire, and a string is valid
 * when some reading of it is. The coercing validator reads each as its
 * schema's type says; where a schema has no single type that fails:
 * `oneOf: [integer, string]` (GitHub's `workflow_id`: coercion makes "42"
 * match both branches) or `enum: [true, false, 0, 1]` without a type (no
 * string is in it). The typed reading takes each string as the JSON literal
 * it spells ("42" → 42, "true" → true) and validates without coercion. Each
 * parameter (each top-level property) passes when either reading does; the
 * errors listed are the coercing reading's.
 */
export function eitherReading(coercing: ValidateFunction, compileTyped: () => ValidateFunction, parameters: boolean): ValidateFunction {
  // Compiled when first needed: most values pass the coercing reading, and start-up need not pay for both.
  let typed: ValidateFunction | undefined
  const validate = ((data: unknown) => {
    // Before coercion, which changes `data` in place.
    const reading = typedReading(data)
    if (parameters && data !== null && typeof data === 'object') {
      PARAMETER_VALUES.add(data)
      PARAMETER_VALUES.add(reading as object)
    }
    if (coercing(data)) {
      validate.errors = null
      return true
    }
    typed ??= compileTyped()
    if (typed(reading)) {
      validate.errors = null
      return true
    }
    // ajv sets `errors` whenever it answers false.
    const failedBoth = new Set((typed.errors ?? []).map(memberOf))
    const errors = (coercing.errors ?? []).filter((e) => failedBoth.has(memberOf(e)))
    validate.errors = errors.length > 0 ? errors : null
    return errors.length === 0
  }) as ValidateFunction
  return validate
}

const JSON_LITERAL = /^(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?|true|false|null)$/

function typedReading(value: unknown): unknown {
  if (typeof value === 'string') return JSON_LITERAL.test(value) ? (JSON.parse(value) as unknown) : value
  if (Array.isArray(value)) return value.map(typedReading)
  if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value) as object | null)) {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) out[key] = typedReading(item)
    return out
  }
  return value
}

/** The parameter (top-level property) an error is about; '' for the object as a whole. */
export function memberOf(e: ErrorObject): string {
  if (e.instancePath === '') {
    // ajv's required, additionalProperties and unevaluatedProperties errors name the property as a string.
    const p = e.params as { missingProperty?: string; additionalProperty?: string; unevaluatedProperty?: string }
    return p.missingProperty ?? p.additionalProperty ?? p.unevaluatedProperty ?? ''
  }
  return e.instancePath.split('/')[1].replaceAll('~1', '/').replaceAll('~0', '~')
}
