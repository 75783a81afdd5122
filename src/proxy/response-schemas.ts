import { Ajv, type ValidateFunction } from 'ajv'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { DataValidationCxt } from 'ajv/dist/types/index.js'
import { addExactMultipleOf } from '../spec/ajv-keywords.js'
import type { LoadedSpec } from '../spec/load-spec.js'
import { addOpenApiFormats } from '../spec/schemas.js'

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => void

const RESPONSE_ID = 'doorman:responses'

/**
 * Validators for the upstream's answers, on the document as written (the
 * request validators read a copy adjusted for requests: readOnly refused,
 * writeOnly allowed; answers are the other way round). Compiled on first use,
 * one per schema; a schema ajv cannot compile checks nothing, and says so
 * once as a note on the answers it could not check.
 */
export class ResponseSchemas {
  readonly #ajv: Ajv
  readonly #compiled = new Map<string, ValidateFunction | string>()

  constructor(spec: LoadedSpec) {
    const options = { allErrors: true, strict: false, validateSchema: false, verbose: true, logger: false as const, inlineRefs: false }
    const ajv = spec.version === '3.1' ? new Ajv2020(options) : new Ajv(options)
    addFormats(ajv)
    addOpenApiFormats(ajv)
    addResponseKeywords(ajv)
    // The document may not load whole (two schemas with one $id): then each schema is compiled on its own.
    try {
      ajv.addSchema(spec.document, RESPONSE_ID)
    } catch {
      // below, per schema
    }
    this.#ajv = ajv
  }

  /** The validator for the schema at `pointer` (`/paths/~1orders/get/responses/200/content/application~1json/schema`), or why there is none. */
  validator(pointer: string): ValidateFunction | string {
    const known = this.#compiled.get(pointer)
    if (known !== undefined) return known
    let compiled: ValidateFunction | string
    try {
      compiled = this.#ajv.compile({ $ref: `${RESPONSE_ID}#${pointer}` })
    } catch (error) {
      compiled = `the response schema at ${pointer} cannot be compiled (${String((error as Error).message).split('\n')[0]}): its bodies are not checked`
    }
    this.#compiled.set(pointer, compiled)
    return compiled
  }
}

/** OAS: a writeOnly property "SHOULD NOT be sent as part of the response"; readOnly stays an annotation. */
function addResponseKeywords(ajv: Ajv): void {
  ajv.removeKeyword('writeOnly')
  ajv.addKeyword({
    keyword: 'writeOnly',
    schemaType: 'boolean',
    errors: true,
    validate: function writeOnly(isWriteOnly: boolean, _data: unknown, _parent?: object, dataCxt?: DataValidationCxt) {
      if (!isWriteOnly || dataCxt === undefined || typeof dataCxt.parentDataProperty !== 'string') return true
      ;(writeOnly as unknown as { errors: unknown[] }).errors = [
        { keyword: 'writeOnly', message: 'is write-only and must not be sent in a response', params: {} },
      ]
      return false
    },
  })
  // Exact in decimal, as for requests.
  addExactMultipleOf(ajv)
}
