import type { ErrorObject } from 'ajv'
import { Problem } from '../problems/problem.js'
import { MAX_COLLECTED_ERRORS, stoppedCollecting } from '../spec/error-cap.js'
import { memberOf } from '../spec/string-readings.js'
import { closest } from '../util/closest.js'
import { matchedOperation, matchedRules, type Stage } from './context.js'
import { readRequestParameters } from './parameters.js'

export interface SchemaError {
  location: 'path' | 'query' | 'header' | 'cookie' | 'body'
  pointer: string
  keyword: string
  message: string
  expected?: unknown
  received?: unknown
}

/** Step 7: parameters (coerced by their style) and the body (as sent), every error at once. */
export const validateSchema: Stage = {
  name: 'schema',
  needsBody: true,
  run(ctx, request) {
    const rules = matchedRules(ctx)
    const paramErrors: SchemaError[] = []
    const bodyErrors: SchemaError[] = []
    let total = 0
    let stopped = false
    // Errors are collected up to MAX_COLLECTED_ERRORS (src/spec/error-cap.ts), counted, and the first
    // MAX_LISTED_ERRORS described: a 1 MB array of bad items would otherwise come back as a 12 MB problem.
    const describe = (errors: ErrorObject[], location: SchemaError['location'], into: SchemaError[]) => {
      const room = Math.max(0, MAX_LISTED_ERRORS - paramErrors.length - bodyErrors.length)
      if (stoppedCollecting(errors)) {
        stopped = true
        errors = errors.slice(0, MAX_COLLECTED_ERRORS)
      }
      const distinct = withoutRepeats(rules.narrow ? rules.narrow(errors) : errors)
      total += distinct.length
      for (const e of distinct.slice(0, room)) into.push(toSchemaError(e, location))
    }
    try {
      for (const { location, rules: paramRules, validate } of rules.params) {
        const { values, alternates } = readRequestParameters(location, paramRules, ctx, request)
        if (validate(values)) continue
        // ajv sets `errors` whenever it answers false.
        const errors = validate.errors ?? []
        // A parameter that reads two ways is valid either way: the ones refused are read the other way, and checked again.
        const retry = alternates && otherReadings(values, alternates, errors)
        if (retry === undefined || !validate(retry)) describe(errors, location, paramErrors)
      }
    } catch (error) {
      return tooDeepToCheck(error, 'a JSON parameter')
    }
    const validate = ctx.media?.rule.validate
    try {
      if (validate && ctx.parsedBody !== undefined && !validate(ctx.parsedBody)) describe(validate.errors ?? [], 'body', bodyErrors)
    } catch (error) {
      return tooDeepToCheck(error, 'the body')
    }
    const op = matchedOperation(ctx).label
    const errors = [...paramErrors, ...bodyErrors]
    const counted = stopped ? { errorCount: total, errorsStopped: true } : total > errors.length ? { errorCount: total } : {}
    if (paramErrors.length > 0) {
      return new Problem('PARAMETER_INVALID', {
        status: rules.parameterStatus,
        detail: `${op}: ${summarize(errors, total, stopped)}`,
        extra: { errors, ...counted },
      })
    }
    if (bodyErrors.length > 0) {
      return new Problem('BODY_INVALID', {
        status: rules.bodyStatus,
        detail: `${op}: ${summarize(bodyErrors, total, stopped)}`,
        extra: { errors: bodyErrors, ...counted },
      })
    }
    return undefined
  },
}

/**
 * The parameters with the other reading of each one the errors are about (parameters are checked one by one, so the
 * others stay as they were read), or undefined where none of those has another reading.
 */
function otherReadings(values: Record<string, unknown>, alternates: Record<string, unknown>, errors: ErrorObject[]): Record<string, unknown> | undefined {
  let retry: Record<string, unknown> | undefined
  for (const error of errors) {
    const name = memberOf(error)
    if (Object.hasOwn(alternates, name)) (retry ??= { ...values })[name] = alternates[name]
  }
  return retry
}

/**
 * A recursive schema is checked by a validator that recurses once (or more)
 * per level of the value: nesting within limits.jsonDepth can still exhaust
 * the stack when each level passes through several schemas. That is a value
 * too deep to check, not a doorman failure.
 */
function tooDeepToCheck(error: unknown, what: string): Problem {
  if (!(error instanceof RangeError) || !/call stack/i.test(error.message)) throw error
  return new Problem('BODY_TOO_DEEP', {
    detail: `${what[0].toUpperCase()}${what.slice(1)} nests too deep for its recursive schema to be checked (the validator ran out of stack); send a shallower structure, or lower limits.jsonDepth to refuse such bodies before validation.`,
  })
}

const MAX_LISTED_ERRORS = 100
// Written once: toLocaleString's first call loads ICU data, in the middle of a request.
const COLLECTED_CAP_TEXT = String(MAX_COLLECTED_ERRORS).replace(/\B(?=(\d{3})+$)/g, ',')

/**
 * The same failure reached along two paths is one error: a `oneOf` of Cat and Dog that both
 * `allOf` a Base with a read-only `id` reports `/id is read-only` once per branch.
 */
function withoutRepeats(errors: ErrorObject[]): ErrorObject[] {
  if (errors.length < 2) return errors
  const seen = new Set<string>()
  return errors.filter((e) => {
    // What tells two errors at one place apart is in the message, or (for property names) in these params;
    // no JSON.stringify per error: a 1 MB array of bad items makes a hundred thousand of them.
    // ajv's additionalProperties, unevaluatedProperties and required errors name the property as a string.
    const { additionalProperty, unevaluatedProperty, missingProperty } = e.params as {
      additionalProperty?: string
      unevaluatedProperty?: string
      missingProperty?: string
    }
    const key = `${e.instancePath}\u0000${e.keyword}\u0000${e.message}\u0000${additionalProperty ?? unevaluatedProperty ?? missingProperty ?? ''}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

function summarize(errors: SchemaError[], total: number, stopped: boolean): string {
  const [first] = errors
  const e = first
  const subject =
    e.location === 'body'
      ? e.pointer === ''
        ? 'the body'
        : `body ${shorten(e.pointer)}`
      : `${e.location} parameter ${e.pointer.slice(1).split('/')[0]}${e.pointer.split('/').length > 2 ? ` (${shorten(e.pointer)})` : ''}`
  const got = e.received === undefined || e.keyword.endsWith('Properties') ? '' : `, got ${show(e.received)}`
  const listed = total > errors.length ? `; the first ${errors.length} are listed in errors` : ', listed in errors'
  const more = stopped
    ? ` (and at least ${total - 1} more errors: doorman stopped collecting at ${COLLECTED_CAP_TEXT}${listed})`
    : total > 1
      ? ` (and ${total - 1} more error${total > 2 ? 's' : ''}${listed})`
      : ''
  return `${subject} ${e.message}${got}${more}.`
}

/** A pointer deep in a deep body stays whole in `errors`; the one-sentence detail keeps its end. */
function shorten(pointer: string): string {
  return pointer.length > 120 ? `…${pointer.slice(-100)}` : pointer
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

export function toSchemaError(error: ErrorObject, location: SchemaError['location']): SchemaError {
  const params = error.params as Record<string, unknown>
  const base = error.instancePath
  switch (error.keyword) {
    case 'required': {
      const name = String(params.missingProperty)
      return { location, pointer: `${base}/${escape(name)}`, keyword: 'required', message: 'is required', expected: 'present' }
    }
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const name = String(params.additionalProperty ?? params.unevaluatedProperty)
      const declared = Object.keys((error.parentSchema as { properties?: object })?.properties ?? {})
      const guess = closest(name, declared)
      return {
        location,
        pointer: `${base}/${escape(name)}`,
        keyword: error.keyword,
        message: `is not a declared property${guess ? ` (did you mean '${guess}'?)` : declared.length ? ` (declared: ${declared.join(', ')})` : ''}`,
        expected: declared,
        received: name,
      }
    }
    default:
      return {
        location,
        pointer: base,
        keyword: error.keyword,
        message: messageOf(error),
        expected: expectedOf(error.keyword, params),
        received: trim(error.data),
      }
  }
}

/** ajv's messages, except where they hide the one thing a person needs (the allowed values). */
function messageOf(error: ErrorObject): string {
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues
    return `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`
  }
  return error.message ?? `fails ${error.keyword}`
}

function expectedOf(keyword: string, params: Record<string, unknown>): unknown {
  switch (keyword) {
    case 'type':
      return params.type
    case 'enum':
      return params.allowedValues
    case 'const':
      return params.allowedValue
    case 'pattern':
      return params.pattern
    case 'format':
      return params.format
    case 'multipleOf':
      return params.multipleOf
    default:
      return params.limit ?? params.comparison ?? undefined
  }
}

function trim(value: unknown): unknown {
  if (typeof value === 'string' && value.length > 200) return `${value.slice(0, 200)}...`
  if (value !== null && typeof value === 'object' && !fitsIn(value, 200)) return '(a large value)'
  return value
}

/**
 * Whether `value` prints in about `budget` characters. Stops as soon as it
 * does not: a failing root of a 1 MB body, or of one nested a thousand
 * levels deep, is not serialized once per error (nor overflows the stack).
 */
function fitsIn(value: unknown, budget: number): boolean {
  let left = budget
  const visit = (v: unknown): boolean => {
    if (v === null || typeof v !== 'object') {
      left -= typeof v === 'string' ? v.length + 2 : String(v).length
      return left >= 0
    }
    left -= 2
    // Not `for…in` on an array: it lists all 30,000 indexes as strings before the first is looked at.
    if (Array.isArray(v)) {
      for (const item of v) if (!visit(item) || --left < 0) return false
      return left >= 0
    }
    for (const key in v) {
      left -= key.length + 1
      if (left < 0 || !visit((v as Record<string, unknown>)[key])) return false
    }
    return left >= 0
  }
  return visit(value)
}

function escape(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1')
}
