/**
 * The check issue 11 asks for, on one running mock: valid requests must be
 * accepted, one-point mutations refused with the right status and a `code`.
 * Shared by the property suite (fixtures/specs) and `npm run corpus`.
 */
import { request as httpRequest } from 'node:http'
import type { Minter } from './credentials.js'
import { buildParts, mutations, render, type Context, type RequestPlan } from './generate.js'
import type { ApiDocument, Operation } from './openapi-document.js'
import { createOracle, requestView, type Oracle } from './request-schemas.js'
import { firstLine, hashSeed, seedRandom } from './values.js'

export interface CheckOptions {
  seed: number
  /** Valid requests per operation (the first also carries the optional body, and is the mutations' base). */
  validPerOperation: number
  mutations: boolean
  /** At most this many operations (a seeded sample), for large documents. */
  maxOperations?: number
  /** Stop sending at this time (Date.now()); what is left is counted as skipped. */
  deadline?: number
  timeoutMs?: number
  /** The document's oracle, when the caller has one already (a large document's request view is costly to build twice). */
  oracle?: Oracle
}

export interface Finding {
  operation: string
  kind: RequestPlan['kind']
  /** `POST /pets?x=1 content-type: application/json {"name":…}` */
  request: string
  status?: number
  code?: string
  detail?: string
  /** The client's error (a reset, a framing error, a timeout). */
  error?: string
  change?: string
}

export interface CheckReport {
  valid: { sent: number; accepted: number }
  mutations: { sent: number; refused: number; byKind: Record<string, { sent: number; refused: number }> }
  /** Requests that went wrong: a valid one refused, a mutation accepted or refused with another status. */
  failures: Finding[]
  /** Requests not sent, by reason. */
  skipped: Record<string, number>
}

export function emptyReport(): CheckReport {
  return { valid: { sent: 0, accepted: 0 }, mutations: { sent: 0, refused: 0, byKind: {} }, failures: [], skipped: {} }
}

export async function checkDocument(api: ApiDocument, baseUrl: string, mint: Minter, options: CheckOptions): Promise<CheckReport> {
  const report = emptyReport()
  const skip = (reason: string, count = 1) => (report.skipped[reason] = (report.skipped[reason] ?? 0) + count)
  const ctx: Context = { api, oracle: options.oracle ?? createOracle(requestView(api.doc, api.version)), mint, seed: options.seed }
  let operations = api.operations
  if (options.maxOperations !== undefined && operations.length > options.maxOperations) {
    operations = seedRandom(hashSeed(options.seed, 'sample'))
      .shuffle([...operations])
      .slice(0, options.maxOperations)
  }
  for (const op of operations) {
    if (options.deadline !== undefined && Date.now() > options.deadline) {
      skip('the document ran out of its time budget', options.validPerOperation)
      continue
    }
    if (op.shadowedBy) {
      skip('an operation whose template differs from an earlier one only in parameter names (the first is served)', options.validPerOperation)
      continue
    }
    for (let i = 0; i < options.validPerOperation; i++) {
      const parts = safely(() => buildParts(ctx, op, i, i === 0))
      if (typeof parts === 'string') {
        skip(parts)
        continue
      }
      const accepted = await sendValid(render(op, parts), op, baseUrl, report, options)
      if (i === 0 && options.mutations && !accepted) skip('mutations of a valid request that was refused')
      if (i === 0 && options.mutations && accepted) {
        const plans = safely(() => mutations(ctx, op, parts))
        if (typeof plans === 'string') skip(`mutations: ${plans}`)
        else for (const plan of plans) await sendMutation(plan, baseUrl, report, options)
      }
    }
  }
  return report
}

/** Whether the mock accepted it (a refusal is a failure: the request is valid). */
async function sendValid(plan: RequestPlan, op: Operation, baseUrl: string, report: CheckReport, options: CheckOptions): Promise<boolean> {
  report.valid.sent++
  const answer = await send(baseUrl, plan, options.timeoutMs ?? 10_000)
  let failure: Partial<Finding> | undefined
  if ('error' in answer) failure = { error: answer.error }
  else if (answer.problem) failure = { status: answer.status, code: answer.problem.code, detail: answer.problem.detail }
  else if (!documents(op, answer.status)) failure = { status: answer.status, detail: `answered ${answer.status}, which the operation does not document` }
  if (failure) {
    report.failures.push({ ...describe(plan), ...failure })
    return false
  }
  report.valid.accepted++
  return true
}

async function sendMutation(plan: RequestPlan, baseUrl: string, report: CheckReport, options: CheckOptions) {
  const tally = (report.mutations.byKind[plan.kind] ??= { sent: 0, refused: 0 })
  report.mutations.sent++
  tally.sent++
  const answer = await send(baseUrl, plan, options.timeoutMs ?? 10_000)
  if ('error' in answer) return report.failures.push({ ...describe(plan), error: answer.error })
  const { status, problem } = answer
  if (problem && plan.expect!.includes(status) && (typeof problem.code === 'string' || plan.method === 'HEAD')) {
    report.mutations.refused++
    tally.refused++
    return
  }
  const detail = problem
    ? `refused with ${status}, expected ${plan.expect!.join(' or ')}`
    : `accepted (${status}): the mutation should be refused with ${plan.expect!.join(' or ')}`
  report.failures.push({ ...describe(plan), status, code: problem?.code, detail: problem?.detail ? `${detail}: ${problem.detail}` : detail })
}

function documents(op: Operation, status: number): boolean {
  // A 1xx is never a final answer: where it is the only success documented (no 2xx, 3xx or default), a mock can
  // only say 204.
  const success = op.responses.filter((key) => /^[123]/.test(key) || key === 'default')
  if (status === 204 && success.length > 0 && success.every((key) => key.startsWith('1'))) return true
  return op.responses.some((key) => key === 'default' || key === String(status) || key.toUpperCase() === `${String(status)[0]}XX`)
}

interface Problem {
  code?: string
  detail?: string
}

type Answer = { status: number; problem: Problem | undefined } | { error: string }

/**
 * Over a real socket: fetch, or node:http for what fetch will not send (a body
 * on GET or HEAD, TRACE). A refusal is doorman's problem+json, whose `type`
 * points at its own problem pages.
 */
export async function send(baseUrl: string, plan: RequestPlan, timeoutMs: number): Promise<Answer> {
  const answer = await sendOnce(baseUrl, plan, timeoutMs)
  // A kept-alive socket the server closed as the request went out (its idle timeout, on a loaded machine)
  // is the client's to retry, as every HTTP client does; a mock that resets every time still fails twice.
  if ('error' in answer && ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'].includes(answer.error)) return sendOnce(baseUrl, plan, timeoutMs)
  return answer
}

async function sendOnce(baseUrl: string, plan: RequestPlan, timeoutMs: number): Promise<Answer> {
  const url = `${baseUrl}${plan.path}`
  try {
    const fetchable = plan.method !== 'TRACE' && !(plan.body !== undefined && (plan.method === 'GET' || plan.method === 'HEAD'))
    const { status, contentType, text } = fetchable ? await viaFetch(url, plan, timeoutMs) : await viaHttp(url, plan, timeoutMs)
    let problem: Problem | undefined
    if (status >= 400 && /^application\/problem\+json/.test(contentType)) {
      // A HEAD answer has no body to read the code from: its problem+json Content-Type says enough.
      const body = (plan.method === 'HEAD' ? { type: '/__doorman/problems/' } : JSON.parse(text)) as { type?: string; code?: string; detail?: string }
      if (typeof body.type === 'string' && body.type.includes('/__doorman/problems/')) problem = { code: body.code, detail: body.detail }
    }
    return { status, problem }
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    return { error: cause?.code ?? cause?.message ?? firstLine(error) }
  }
}

async function viaFetch(url: string, plan: RequestPlan, timeoutMs: number) {
  const response = await fetch(url, { method: plan.method, headers: plan.headers, body: plan.body, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' })
  const text = await response.text()
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text }
}

async function viaHttp(url: string, plan: RequestPlan, timeoutMs: number): Promise<{ status: number; contentType: string; text: string }> {
  const headers: Record<string, string | number> = { ...plan.headers }
  let body: string | Buffer = ''
  if (typeof plan.body === 'string') body = plan.body
  else if (plan.body) {
    // A multipart body on GET: encoded as fetch would (the boundary in its Content-Type).
    const encoded = new Response(plan.body)
    body = Buffer.from(await encoded.arrayBuffer())
    headers['content-type'] = encoded.headers.get('content-type')!
  }
  headers['content-length'] = Buffer.byteLength(body)
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: plan.method, headers, timeout: timeoutMs }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode!, contentType: String(res.headers['content-type'] ?? ''), text }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end(body)
  })
}

export function describe(plan: RequestPlan): Finding {
  const headers = Object.entries(plan.headers)
    .map(([k, v]) => `${k}: ${k === 'authorization' ? `${v.split(' ')[0]} …` : v}`)
    .join(' | ')
  const body = plan.body === undefined ? '' : typeof plan.body === 'string' ? ` ${plan.body.slice(0, 200)}${plan.body.length > 200 ? '…' : ''}` : ' <multipart>'
  // Long generated values are cut in the report: the request stays readable, and the cause is rarely in the tail.
  const path = plan.path.replace(/=([^&]{40})[^&]+/g, '=$1…').replace(/\/([^/?]{40})[^/?]+/g, '/$1…')
  return {
    operation: plan.operation,
    kind: plan.kind,
    request: `${plan.method} ${path}${headers ? ` [${headers}]` : ''}${body}`,
    ...(plan.change ? { change: plan.change } : {}),
  }
}

/** A thrown generator error (a schema json-schema-faker chokes on) is a skip with its reason, never a crash of the check. */
function safely<T>(fn: () => T): T | string {
  try {
    return fn()
  } catch (error) {
    return `the generator failed (${firstLine(error)})`
  }
}
