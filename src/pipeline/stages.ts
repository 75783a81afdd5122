import type { Stage } from './context.js'
import { matchRoute } from './match-route.js'

/**
 * The pipeline, in order: the first stage that refuses answers, and the
 * journal records which one it was. Reordering the pipeline means editing
 * this list. Header-only stages run before a byte of the body is read.
 */
export const STAGES: readonly Stage[] = [matchRoute]

export const HEADER_STAGES = STAGES.filter((stage) => !stage.needsBody)
export const BODY_STAGES = STAGES.filter((stage) => stage.needsBody)
