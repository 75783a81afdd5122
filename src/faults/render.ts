import type { FastifyRequest } from 'fastify'
import type { RequestContext } from '../pipeline/context.js'
import { PROBLEM_MEDIA_TYPE, Problem } from '../problems/problem.js'
import { originOf } from '../problems/reply.js'
import { Answer } from '../response/answer.js'
import { respond } from '../response/respond.js'
import type { RenderedResponse } from './action.js'
import type { StatusPlan } from './plan.js'

/**
 * The answer of a status fault: the plan's own body if it has one, else the
 * operation's documented response for that status (the mock behaves like the
 * API it stands in for), else a problem+json FAULT_STATUS saying it is on purpose.
 */
export function renderStatusFault(ctx: RequestContext, request: FastifyRequest, doc: object, plan: StatusPlan, explain: string): Answer | Problem {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(plan.headers ?? {})) headers[name.toLowerCase()] = value
  if (plan.retryAfter !== undefined) headers['retry-after'] = String(plan.retryAfter)
  const retry =
    plan.retryAfter === undefined ? '' : typeof plan.retryAfter === 'number' ? ` Retry after ${plan.retryAfter} s.` : ` Retry after ${plan.retryAfter}.`
  const detail = `doorman answered ${plan.status} on purpose, whatever the request (${explain}).${retry}`
  ctx.verdict = { step: 'fault', code: 'FAULT_STATUS', detail }

  if (plan.body !== undefined) {
    const text = typeof plan.body === 'string'
    headers['content-type'] ??= text ? 'text/plain; charset=utf-8' : 'application/json'
    return new Answer(plan.status, madeUpBodyHeaders(headers), text ? (plan.body as string) : JSON.stringify(plan.body))
  }
  // A CORS preflight has no operation of its own (ctx.operation is unset): it gets the problem.
  const documented = ctx.operation === undefined ? undefined : respond(ctx, request, doc, plan.status)
  if (documented instanceof Answer) return new Answer(documented.status, { ...documented.headers, ...headers }, documented.body)
  return new Problem('FAULT_STATUS', {
    status: plan.status,
    detail,
    headers,
    extra: {
      fault: { source: ctx.fault?.source, plan: ctx.fault?.plans[0]?.id, attempt: ctx.fault?.plans[0]?.attempt },
      ...(plan.retryAfter === undefined ? {} : { retryAfter: plan.retryAfter }),
    },
  })
}

/**
 * A body a plan made up is served from the mock's own origin: it must not become a page there. It is
 * never sniffed as another type, and one of a type a browser runs (HTML, SVG, XML, JavaScript) is
 * sandboxed (CSP `sandbox`: no script, an opaque origin), whatever headers the plan adds.
 */
export function madeUpBodyHeaders(headers: Record<string, string>): Record<string, string> {
  headers['x-content-type-options'] = 'nosniff'
  if (isActiveMediaType(headers['content-type'] ?? '')) {
    const own = headers['content-security-policy']
    // Two policies are both enforced (CSP3 §8.1): the plan's own, and the sandbox.
    headers['content-security-policy'] = own === undefined ? 'sandbox' : `${own}, sandbox`
  }
  return headers
}

/** HTML, XHTML, SVG, any XML, JavaScript/ECMAScript: what a browser renders as a document or runs. */
export function isActiveMediaType(contentType: string): boolean {
  const essence = contentType.split(';')[0].trim().toLowerCase()
  return (
    essence === '' ||
    /^text\/(html|xml|xsl|javascript|ecmascript|jscript|livescript|x-javascript|x-ecmascript)$/.test(essence) ||
    /^application\/(xhtml\+xml|xml|xslt\+xml|javascript|ecmascript|x-javascript|x-ecmascript)$/.test(essence) ||
    essence === 'image/svg+xml' ||
    essence.endsWith('+xml')
  )
}

/** The would-be answer, as bytes, for the kinds that send part of it (partial, drip). */
export function renderForSocket(ctx: RequestContext, request: FastifyRequest, doc: object): RenderedResponse {
  // A CORS preflight's answer has no body: the stand-in below breaks off or trickles instead.
  const outcome = ctx.operation === undefined ? new Answer(204, {}, undefined) : respond(ctx, request, doc)
  if (outcome instanceof Problem) {
    const body = Buffer.from(JSON.stringify(outcome.toJSON(originOf(request), ctx.path, ctx.id)))
    return { status: outcome.status, headers: { ...outcome.headers, 'content-type': PROBLEM_MEDIA_TYPE }, body }
  }
  const body = outcome.body === undefined ? Buffer.alloc(0) : Buffer.from(outcome.body)
  if (body.length > 0 && outcome.status !== 204 && outcome.status !== 304) {
    return { status: outcome.status, headers: outcome.headers, body }
  }
  // A body-less answer cannot break off or trickle: stand in a small JSON body (and 200, since 204 forbids one).
  const standIn = Buffer.from(
    JSON.stringify({ doorman: `The documented ${outcome.status} answer has no body; this one stands in for it so that it can break off or trickle.` }),
  )
  return {
    status: outcome.status === 204 || outcome.status === 304 ? 200 : outcome.status,
    headers: { ...outcome.headers, 'content-type': 'application/json' },
    body: standIn,
  }
}
