import type { IncomingMessage } from 'node:http'
import { pipeline } from 'node:stream'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ResolvedConfig } from '../config.js'
import type { Stage } from '../pipeline/context.js'
import { tooLarge } from '../pipeline/check-body-size.js'
import { readBody } from '../pipeline/read-body.js'
import { BODY_STAGES, HEADER_STAGES } from '../pipeline/stages.js'
import { ProblemError } from '../problems/problem.js'
import { CountedBody } from './body-tap.js'
import { UpstreamForwarder } from './forward.js'
import { lenientStages } from './lenient-stages.js'
import { resolveProxyOptions, type ProxyOptions } from './options.js'

type BodyDone = (error: Error | null, body?: unknown) => void

export interface ProxySetup {
  forwarder: UpstreamForwarder
  /** Registers @fastify/reply-from on the app. */
  install: (app: FastifyInstance) => void
  /** The content-type parser: binary bodies stream on, the others are read (and checked) first. */
  readBody: (request: FastifyRequest, payload: IncomingMessage, config: ResolvedConfig, done: BodyDone) => void
  stages: { header: readonly Stage[]; body: readonly Stage[] } | undefined
  /** Start-up warnings (--upstream-insecure). */
  warnings: string[]
}

/** What `serve` does differently as `doorman proxy` (docs/proxy.md): everything else is the same pipeline. */
export function setUpProxy(input: string | ProxyOptions): ProxySetup {
  const options = resolveProxyOptions(input)
  const forwarder = new UpstreamForwarder(options)
  const warnings = options.insecure
    ? [
        `--upstream-insecure: the certificate of ${options.upstream.origin} is NOT checked; anyone on the path can read and change the traffic. For test servers only.`,
      ]
    : []
  const stages = options.forwardInvalid ? { header: lenientStages(HEADER_STAGES), body: lenientStages(BODY_STAGES) } : undefined
  return { forwarder, install: (app) => forwarder.install(app), readBody: proxiedBody, stages, warnings }
}

/**
 * A body that is only checked for its type and size (binary, XML…) streams
 * straight on, counted against the limit (memory stays flat for a 1 GiB
 * upload). Any other is read whole within its limit, checked, then
 * forwarded; a compressed one keeps its wire bytes to forward as they came.
 */
function proxiedBody(request: FastifyRequest, payload: IncomingMessage, config: ResolvedConfig, done: BodyDone): void {
  const ctx = request.doorman
  if (ctx && ctx.rules !== undefined && ctx.media?.kind === 'binary' && ctx.encodings.length === 0) {
    ctx.streamed = true
    const limit = ctx.rules.bodyLimitBytes
    const counted = new CountedBody(limit, (bytes) => new ProblemError(tooLarge(limit, bytes, 'sent')))
    pipeline(payload, counted, () => {
      // An error reaches the upstream request (and from there the client's answer) through `counted`.
    })
    done(null, counted)
    return
  }
  if (ctx && ctx.encodings.length > 0) {
    const wire: Buffer[] = []
    payload.on('data', (chunk: Buffer) => wire.push(chunk))
    payload.once('end', () => (ctx.proxyWireBody = Buffer.concat(wire)))
  }
  readBody(request, payload, config, done)
}
