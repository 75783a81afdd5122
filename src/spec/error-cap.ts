import type { ErrorObject, ValidateFunction } from 'ajv'

/**
 * ajv with `allErrors` collects every error, and its ajv docs warn against
 * that on untrusted data: 30,000 bad items in an 870 KB body made 60,001
 * errors and held the event loop for 25 s (joining each item's errors to the
 * list copies the list: quadratic). A problem lists 100 errors; collecting
 * stops at MAX_COLLECTED_ERRORS.
 *
 * ajv has no option for it, so its generated code is adjusted through its
 * documented `code.process` hook: errors from a called validator are appended
 * in place (not copied), and every place that adds an error throws once the
 * count passes the cap. Valid data never reaches that code: validating it
 * costs exactly what it did.
 */
export const MAX_COLLECTED_ERRORS = 1000

const CAP_MARK = 'doormanCollectedErrors'

const JOIN = /vErrors = vErrors === null \? ([\w$.[\]]+) : vErrors\.concat\(\1\);errors = vErrors\.length;/g
const STOP = `if(errors > ${MAX_COLLECTED_ERRORS}){throw Object.assign(new Error("schema errors capped"), {${CAP_MARK}: vErrors});}`

/** For ajv's `code.process`. */
export function capErrors(code: string): string {
  return code
    .replace(
      JOIN,
      (_all, from: string) =>
        `if(vErrors === null){vErrors = ${from};}else{for(const capped of ${from}){vErrors.push(capped);}}errors = vErrors.length;${STOP}`,
    )
    .replaceAll('errors++;', `errors++;${STOP}`)
}

/** Whether a validator's errors are the first ones of a run that stopped collecting (more than MAX_COLLECTED_ERRORS of them). */
export function stoppedCollecting(errors: readonly unknown[]): boolean {
  return errors.length > MAX_COLLECTED_ERRORS
}

/**
 * The validator, made to answer after a capped run: errors collected inside a branch of
 * anyOf/oneOf may belong to a branch another one overrules, so whether the data is valid is
 * then asked of `exact` (the same schema without allErrors: it stops at the first error).
 */
export function stopAtCap(validate: ValidateFunction, exact: () => ValidateFunction): ValidateFunction {
  let check: ValidateFunction | undefined
  const wrapper = ((data: unknown, context?: unknown) => {
    try {
      const valid = (validate as (data: unknown, context?: unknown) => boolean)(data, context)
      wrapper.errors = validate.errors
      return valid
    } catch (error) {
      const collected = cappedErrors(error)
      if (collected === undefined) throw error
      check ??= exact()
      if (check(data)) {
        wrapper.errors = null
        return true
      }
      wrapper.errors = collected.length > 0 ? collected : check.errors
      return false
    }
  }) as ValidateFunction
  return Object.assign(wrapper, { schema: validate.schema, schemaEnv: validate.schemaEnv })
}

function cappedErrors(error: unknown): ErrorObject[] | undefined {
  if (!(error instanceof Error) || !(CAP_MARK in error)) return undefined
  return ((error as unknown as Record<string, ErrorObject[] | null>)[CAP_MARK] ?? []).slice(0, MAX_COLLECTED_ERRORS + 1)
}
