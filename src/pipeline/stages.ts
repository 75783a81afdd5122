import { checkAuth } from './check-auth.js'
import { checkBodySize } from './check-body-size.js'
import { checkContentType } from './check-content-type.js'
import type { Stage } from './context.js'
import { decideFault } from './decide-fault.js'
import { matchRoute } from './match-route.js'
import { parseBody } from './parse-body.js'
import { validateSchema } from './validate-schema.js'

/**
 * The pipeline, in order: the first stage that refuses answers, and the
 * journal records which one it was. Reordering the pipeline means editing
 * this list. Header-only stages run before a byte of the body is read.
 */
export const STAGES: readonly Stage[] = [matchRoute, decideFault, checkAuth, checkContentType, checkBodySize, parseBody, validateSchema]

export const HEADER_STAGES = STAGES.filter((stage) => !stage.needsBody)
export const BODY_STAGES = STAGES.filter((stage) => stage.needsBody)
