import { Readable, pipeline } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import replyFrom from '@fastify/reply-from'
import type { Dispatcher } from 'undici'
import type { RequestContext } from '../pipeline/context.js'
import { Problem } from '../problems/problem.js'
import type { LoadedSpec } from '../spec/load-spec.js'
import type { Operation } from '../spec/route-table.js'
import { kindOf } from '../spec/compile-rules.js'
import { upstreamDispatcher } from './agent.js'
import { BodyTap } from './body-tap.js'
import { checkBody, checkHead, checkHeaderValues, type HeadVerdict } from './check-response.js'
import { forwardedRequestHeaders, returnedResponseHeaders } from './headers.js'
import type { ResolvedProxyOptions } from './options.js'
import { ResponseSchemas } from './response-schemas.js'
import { upstreamProblem } from './upstream-errors.js'
import { newProxyFacts, type ProxyFacts } from './violations.js'
import { writeRecording } from './record.js'

/** A documented answer the upstream gave, for --record. */
export interface ObservedAnswer {
  operationPointer: string
  responsePointer: string
  status: number
  mediaKey: string
  value: unknown
}

type UpstreamResponse = { statusCode: number; headers: Record<string, string | string[] | undefined>; stream: Readable }

export const VIOLATIONS_HEADER = 'doorman-violations'

/** An answer that says it is at most this long is read whole, checked, then sent (no stream to pipe through). */
const SMALL_BODY_BYTES = 64 * 1024

/**
 * Step 8 in `doorman proxy`: a request that passed the pipeline goes to the
 * upstream through @fastify/reply-from (undici underneath), streamed; the
 * answer comes back as sent, and is checked against the documented
 * responses on its way through (src/proxy/check-response.ts).
 */
export class UpstreamForwarder {
  readonly #dispatcher: Dispatcher
  readonly #schemas = new WeakMap<LoadedSpec, ResponseSchemas>()
  readonly #basePath: string
  /** What --fail-on-violation and the summary count: answers and violations over the proxy's life (the journal forgets). */
  readonly totals = { forwarded: 0, checked: 0, withViolations: 0, violations: 0, byOperation: new Map<string, number>() }
  readonly observed: ObservedAnswer[] = []

  constructor(readonly options: ResolvedProxyOptions) {
    this.#dispatcher = upstreamDispatcher(options)
    this.#basePath = options.upstream.pathname.replace(/\/+$/, '')
  }

  /** Registers @fastify/reply-from on the app; the dispatcher closes with it. */
  install(app: FastifyInstance): void {
    const dispatcher = this.#dispatcher
    void app.register(replyFrom, {
      base: this.options.upstream.origin,
      // Our undici dispatcher (keep-alive, TLS trust, HTTPS_PROXY), given as reply-from's `request`.
      undici: { request: ((opts: Dispatcher.RequestOptions, cb: never) => dispatcher.request(opts, cb)) as never },
      disableRequestLogging: true,
      // Bodies go as the bytes that came: never re-encoded as JSON.
      contentTypesToEncode: [],
    })
    app.addHook('onClose', async () => {
      await dispatcher.close().catch(() => undefined)
    })
  }

  /** Forwards the request (the pipeline let it through): its method, path, query, headers and body, to the upstream's base path. */
  forward(request: FastifyRequest, reply: FastifyReply, ctx: RequestContext): FastifyReply {
    const operation = ctx.operation
    // The route step found it: an unrouted request is refused, even with --forward-invalid.
    if (operation === undefined) throw new Error(`doorman proxy: ${ctx.method} ${ctx.path} reached forwarding without an operation`)
    const facts = (ctx.proxy ??= newProxyFacts())
    facts.forwarded = true
    this.totals.forwarded++
    if (ctx.body !== undefined) {
      // A body read for checking goes on as the bytes that came (still compressed, if it came so).
      ;(request as { body: unknown }).body = Readable.from([ctx.proxyWireBody ?? ctx.body], { objectMode: false })
    }
    const target = this.#basePath + this.#pathAfterBase(ctx)
    try {
      return reply.from(target, {
        rewriteRequestHeaders: (_req, headers) => forwardedRequestHeaders(request, headers),
        rewriteHeaders: (headers) => returnedResponseHeaders(headers, request.raw.httpVersion),
        // The upstream's 503 is the client's to retry, not ours: no retries.
        retryDelay: () => null,
        onResponse: (_req, _rep, res) => this.#answer(reply, ctx, operation, facts, res as unknown as UpstreamResponse),
        // A refusal of ours (a streamed upload over its limit) under reply-from's wrappers, else the upstream's failure.
        onError: (_rep, { error }) => {
          reply.problem(ownProblem(error) ?? upstreamProblem(error, this.options.upstream, this.options.timeoutMs))
        },
      })
    } catch (error) {
      // reply-from refuses a path that climbs out of the base ('..' segments).
      return reply.problem(
        new Problem('REQUEST_MALFORMED', {
          detail: `The path ${ctx.path} cannot be forwarded (${(error as Error).message}); send a path without '..' segments.`,
          extra: { received: ctx.path },
        }),
      )
    }
  }

  /** --record: writes the spec with the answers seen (once, at close). */
  async writeRecording(spec: LoadedSpec): Promise<void> {
    if (this.options.record === undefined) return
    await writeRecording(this.options.record, spec, this.observed)
  }

  /** The request path without the spec's base path (as many segments as the matched route's base path has). */
  #pathAfterBase(ctx: RequestContext): string {
    const base = ctx.route?.basePath ?? ''
    const depth = base.split('/').filter(Boolean).length
    const url = ctx.path
    if (depth === 0) return url
    const segments = url.split('/')
    // ['', 'v2', 'orders'] → '/orders'
    const rest = segments.slice(1 + depth).join('/')
    return `/${rest}`
  }

  #schemasFor(spec: LoadedSpec): ResponseSchemas {
    let schemas = this.#schemas.get(spec)
    if (schemas === undefined) this.#schemas.set(spec, (schemas = new ResponseSchemas(spec)))
    return schemas
  }

  /** The upstream answered: the headers went on (reply-from copied them); the head is checked now, the body as it passes. */
  #answer(reply: FastifyReply, ctx: RequestContext, operation: Operation, facts: ProxyFacts, res: UpstreamResponse): void {
    facts.upstreamStatus = res.statusCode
    facts.checked = true
    this.totals.checked++
    const head = checkHead(operation, res.statusCode, res.headers, ctx.method)
    facts.violations.push(...head.violations)
    if (head.response !== undefined) {
      const values = checkHeaderValues(this.#schemasFor(ctx.state.spec), ctx.state.spec.document, head.response, res.headers)
      facts.violations.push(...values.violations)
      facts.notes.push(...values.notes)
    }
    const kind = head.essence === undefined ? undefined : kindOf(head.essence)
    const checkable = head.media !== undefined && (kind === 'json' || kind === 'text' || kind === 'form')
    const declared = Number(first(res.headers['content-length']) ?? NaN)
    const keep = this.options.checkBytes
    if (!checkable || declared > keep) {
      if (head.media !== undefined && checkable)
        facts.notes.push(`the body (${declared} bytes) is larger than the ${keep} bytes doorman checks: its content type was checked, not its schema`)
      else if (head.media !== undefined) facts.notes.push(`${head.essence} bodies are checked for their content type and size only`)
      this.#send(reply, ctx, operation, facts, res, undefined)
      return
    }
    this.#send(reply, ctx, operation, facts, res, head)
  }

  #send(reply: FastifyReply, ctx: RequestContext, operation: Operation, facts: ProxyFacts, res: UpstreamResponse, head: HeadVerdict | undefined): void {
    // The header must go out before the body: with it on, a body to check is read first (up to checkBytes), so its count is whole.
    // A small answer is read first too: a Buffer is sent cheaper than a stream piped through (docs/performance.md, proxy).
    const declared = Number(first(res.headers['content-length']) ?? NaN)
    if (head !== undefined && (this.options.violationsHeader || declared <= SMALL_BODY_BYTES)) {
      void this.#sendRead(reply, ctx, operation, facts, res, head)
      return
    }
    this.#stream(reply, ctx, operation, facts, res, head)
  }

  #stream(
    reply: FastifyReply,
    ctx: RequestContext,
    operation: Operation,
    facts: ProxyFacts,
    res: UpstreamResponse,
    head: HeadVerdict | undefined,
    body: Readable = res.stream,
  ): void {
    const journalBytes = ctx.state.config.journal.bodyBytes
    const tap = new BodyTap(head === undefined ? journalBytes : Math.max(this.options.checkBytes, journalBytes), (done) => {
      const kept = done.overflowed ? undefined : done.kept()
      if (kept !== undefined && kept.length > 0) ctx.responsePayload = kept.length > journalBytes ? kept.subarray(0, journalBytes) : kept
      if (head !== undefined) this.#checkBody(ctx, operation, facts, head, res, done.bytes, kept)
      this.#count(operation, facts)
    })
    pipeline(body, tap, () => {
      // An upstream that dies mid-body: the client's answer is cut off too (destroyed with the tap), as it would be without doorman.
    })
    this.#violationsHeader(reply, ctx, facts)
    reply.send(tap)
  }

  /** --violations-header: the body read whole (within checkBytes) and checked, then sent with the header; a larger one streams on. */
  async #sendRead(reply: FastifyReply, ctx: RequestContext, operation: Operation, facts: ProxyFacts, res: UpstreamResponse, head: HeadVerdict): Promise<void> {
    let read: { whole: Buffer } | { prefix: Buffer[] }
    try {
      read = await readUpTo(res.stream, this.options.checkBytes)
    } catch {
      // The upstream died mid-body: so does the client's answer, as without doorman.
      reply.raw.destroy()
      return
    }
    if ('prefix' in read) {
      const { prefix } = read
      this.#stream(
        reply,
        ctx,
        operation,
        facts,
        res,
        undefined,
        Readable.from(
          (async function* () {
            yield* prefix
            yield* res.stream
          })(),
        ),
      )
      facts.notes.push(`the body is larger than the ${this.options.checkBytes} bytes doorman checks: its content type was checked, not its schema`)
      return
    }
    this.#checkBody(ctx, operation, facts, head, res, read.whole.length, read.whole)
    this.#count(operation, facts)
    this.#violationsHeader(reply, ctx, facts)
    reply.send(read.whole)
  }

  #violationsHeader(reply: FastifyReply, ctx: RequestContext, facts: ProxyFacts): void {
    if (!this.options.violationsHeader || facts.violations.length === 0) return
    // The count and where to read them, never the violations themselves: they would outgrow proxies' header limits.
    reply.header(VIOLATIONS_HEADER, `${facts.violations.length}; </__doorman/journal?requestId=${ctx.id}>`)
  }

  #checkBody(
    ctx: RequestContext,
    operation: Operation,
    facts: ProxyFacts,
    head: HeadVerdict,
    res: UpstreamResponse,
    bytes: number,
    kept: Buffer | undefined,
  ): void {
    if (kept === undefined) {
      facts.notes.push(
        `the body (${bytes} bytes) is larger than the ${this.options.checkBytes} bytes doorman checks: its content type was checked, not its schema`,
      )
      return
    }
    const checked = checkBody(this.#schemasFor(ctx.state.spec), head, kept, res.headers, this.options.checkBytes)
    facts.violations.push(...checked.violations)
    facts.notes.push(...checked.notes)
    if (this.options.record !== undefined && facts.violations.length === 0 && head.response && head.media && checked.value !== undefined) {
      this.observed.push({
        operationPointer: operation.pointer,
        responsePointer: head.response.pointer,
        status: res.statusCode,
        mediaKey: head.media.key,
        value: checked.value,
      })
    }
  }

  #count(operation: Operation, facts: ProxyFacts): void {
    if (facts.violations.length === 0) return
    this.totals.withViolations++
    this.totals.violations += facts.violations.length
    const id = operation.id
    this.totals.byOperation.set(id, (this.totals.byOperation.get(id) ?? 0) + facts.violations.length)
  }
}

/** Reads `stream` whole if it ends within `limit` bytes; else stops (paused) and gives what was read, the rest still in the stream. */
function readUpTo(stream: Readable, limit: number): Promise<{ whole: Buffer } | { prefix: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const stop = () => {
      stream.off('data', onData)
      stream.off('end', onEnd)
      stream.off('error', reject)
    }
    const onData = (chunk: Buffer) => {
      chunks.push(chunk)
      size += chunk.length
      if (size <= limit) return
      stream.pause()
      stop()
      resolve({ prefix: chunks })
    }
    const onEnd = () => {
      stop()
      resolve({ whole: Buffer.concat(chunks, size) })
    }
    stream.on('data', onData)
    stream.once('end', onEnd)
    stream.once('error', reject)
  })
}

function ownProblem(error: unknown): Problem | undefined {
  for (let at = error as { problem?: unknown; cause?: unknown } | undefined, depth = 0; at && depth < 5; at = at.cause as typeof at, depth++) {
    if (at.problem instanceof Problem) return at.problem
  }
  return undefined
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
