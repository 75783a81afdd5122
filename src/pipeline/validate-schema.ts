import type { ErrorObject } from 'ajv'
import { Problem } from '../problems/problem.js'
import { closest } from '../util/closest.js'
import type { Stage } from './context.js'
import { readParameters } from './parameters.js'

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
    const rules = ctx.rules!
    const paramErrors: SchemaError[] = []
    for (const { location, rules: paramRules, validate } of rules.params) {
      const values = readParameters(location, paramRules, ctx, request)
      if (!validate(values)) paramErrors.push(...validate.errors!.map((e) => toSchemaError(e, location)))
    }
    const bodyErrors: SchemaError[] = []
    const validate = ctx.media?.rule.validate
    if (validate && ctx.parsedBody !== undefined && !validate(ctx.parsedBody)) {
      bodyErrors.push(...validate.errors!.map((e) => toSchemaError(e, 'body')))
    }
    const op = `${ctx.operation!.method} ${ctx.operation!.path}`
    if (paramErrors.length > 0) {
      const errors = [...paramErrors, ...bodyErrors]
      return new Problem('PARAMETER_INVALID', {
        status: rules.parameterStatus,
        detail: `${op}: ${summarize(errors)}`,
        extra: { errors },
      })
    }
    if (bodyErrors.length > 0) {
      return new Problem('BODY_INVALID', {
        status: rules.bodyStatus,
        detail: `${op}: ${summarize(bodyErrors)}`,
        extra: { errors: bodyErrors },
      })
    }
    return undefined
  },
}

function summarize(errors: SchemaError[]): string {
  const [first] = errors
  const e = first!
  const subject =
    e.location === 'body'
      ? e.pointer === ''
        ? 'the body'
        : `body ${e.pointer}`
      : `${e.location} parameter ${e.pointer.slice(1).split('/')[0]}${e.pointer.split('/').length > 2 ? ` (${e.pointer})` : ''}`
  const got = e.received === undefined || e.keyword.endsWith('Properties') ? '' : `, got ${show(e.received)}`
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''}, listed in errors)` : ''
  return `${subject} ${e.message}${got}${more}.`
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

function toSchemaError(error: ErrorObject, location: SchemaError['location']): SchemaError {
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
      const declared = Object.keys(((error.parentSchema as { properties?: object })?.properties ?? {}) as object)
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
  if (value !== null && typeof value === 'object' && (JSON.stringify(value)?.length ?? 0) > 200) return '(a large value)'
  return value
}

function escape(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1')
}
