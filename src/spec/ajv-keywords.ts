import type { Ajv } from 'ajv'
import type { DataValidationCxt } from 'ajv/dist/types/index.js'

/**
 * The keywords doorman checks differently from ajv: `readOnly` (an
 * annotation for ajv, a refusal in requests for OpenAPI) and `multipleOf`
 * (exact in decimal, as authors and clients write numbers).
 */
export function addRequestKeywords(ajv: Ajv): void {
  // OpenAPI's own schema keywords: annotations a validator reads without a word (not "unknown keyword").
  for (const keyword of ['example', 'xml', 'externalDocs', 'discriminator']) if (!ajv.getKeyword(keyword)) ajv.addKeyword(keyword)
  ajv.removeKeyword('readOnly')
  ajv.addKeyword({
    keyword: 'readOnly',
    schemaType: 'boolean',
    errors: true,
    validate: function readOnly(isReadOnly: boolean, _data: unknown, parentSchema?: object, dataCxt?: DataValidationCxt) {
      if (!isReadOnly || !sentAsProperty(dataCxt)) return true
      // parentSchema, which ajv leaves out of a custom keyword's errors, tells narrowByDiscriminator whose error it is.
      ;(readOnly as unknown as { errors: unknown[] }).errors = [
        { keyword: 'readOnly', message: 'is read-only and must not be sent in a request', params: {}, parentSchema },
      ]
      return false
    },
  })
  addExactMultipleOf(ajv)
}

/** Objects that hold an operation's parameters (by name) while they are validated: see `sentAsProperty`. */
export const PARAMETER_VALUES = new WeakSet<object>()

/**
 * OAS: a readOnly property "SHOULD NOT be sent as part of the request". It
 * is about properties of objects in a body: the same readOnly component as
 * a whole body, an array item or a parameter (GitHub's `alert_number`) is
 * not a property anyone could leave out.
 */
function sentAsProperty(dataCxt: DataValidationCxt | undefined): boolean {
  if (dataCxt === undefined || typeof dataCxt.parentDataProperty !== 'string') return false
  const parent = dataCxt.parentData as unknown
  if (parent === null || typeof parent !== 'object' || Array.isArray(parent)) return false
  return !PARAMETER_VALUES.has(dataCxt.rootData as object)
}

/**
 * Whether `value` is an integer multiple of `step`, in decimal: 75.3 is a
 * multiple of 0.1 although 75.3 / 0.1 is 752.9999999999999 in binary
 * floating point. Both are read as the shortest decimal that round-trips
 * (what JSON carried), then compared as integers.
 */
export function isMultipleOf(value: number, step: number): boolean {
  if (!Number.isFinite(value) || !(step > 0) || !Number.isFinite(step)) return false
  if (Number.isSafeInteger(value) && Number.isSafeInteger(step)) return value % step === 0
  const a = decimal(value)
  const b = decimal(step)
  const scale = Math.max(a.scale, b.scale)
  const scaledA = a.digits * 10n ** BigInt(scale - a.scale)
  const scaledB = b.digits * 10n ** BigInt(scale - b.scale)
  return scaledA % scaledB === 0n
}

/** `n` as `digits × 10^-scale`, from its shortest round-tripping decimal form (`1.5e-7`, `75.3`, `1e+21`). */
function decimal(n: number): { digits: bigint; scale: number } {
  const [mantissa = '0', exponent = '0'] = String(n).split('e')
  const [whole = '0', fraction = ''] = mantissa.split('.')
  const scale = fraction.length - Number(exponent)
  const digits = BigInt(whole + fraction)
  return scale >= 0 ? { digits, scale } : { digits: digits * 10n ** BigInt(-scale), scale: 0 }
}

/** `multipleOf` decided in decimal, as the document writes it (75.3 is a multiple of 0.1): for requests and responses alike. */
export function addExactMultipleOf(ajv: Ajv): void {
  ajv.removeKeyword('multipleOf')
  ajv.addKeyword({
    keyword: 'multipleOf',
    type: 'number',
    schemaType: 'number',
    errors: true,
    validate: function multipleOf(step: number, data: number) {
      if (isMultipleOf(data, step)) return true
      ;(multipleOf as unknown as { errors: unknown[] }).errors = [
        { keyword: 'multipleOf', message: `must be multiple of ${step}`, params: { multipleOf: step } },
      ]
      return false
    },
  })
}
