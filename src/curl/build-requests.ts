import type { MockState } from '../mock-state.js'
import type { ProblemCode } from '../problems/catalog.js'
import { Problem } from '../problems/problem.js'
import { negotiate } from '../response/negotiate.js'
import { pickStatus } from '../response/respond.js'
import { SetupError } from '../setup-error.js'
import { isIgnoredHeader } from '../spec/parameter-rules.js'
import { resolvePointer } from '../spec/refs.js'
import type { OperationRules } from '../spec/compile-rules.js'
import type { Operation, ParameterObject, PathRoute } from '../spec/route-table.js'
import { closest } from '../util/closest.js'
import { breakValue, errorsInclude } from './break-schema.js'
import { planBody, wrongMediaType } from './body.js'
import { planAuth, type CredentialsToSend } from './credentials.js'
import { shellQuote } from './shell.js'
import { encodeQuery, parameterSchema, parameterValue, serializeCookie, serializeHeader, serializePath, serializeQuery } from './params.js'

/** One request to show as a curl command, and what the mock will answer. Plain data: `renderCurl` makes it shell. */
export interface CurlRequest {
  operation: string
  title: string
  /** The status the mock answers; 0 when no HTTP response comes back (curl prints 000). */
  expectStatus: number
  /** The problem `code` of the answer, when the answer is a problem. */
  expectCode?: ProblemCode
  /** curl's exit status when it is not 0 (28 timed out, 56 reset, 52 empty reply, 18 cut short, 1 not HTTP). */
  expectExit?: number
  method: string
  url: string
  /** In order; an empty value removes a header curl would add on its own (`-H 'Content-Type:'`). */
  headers: Array<[string, string]>
  body?: string
  /** A shell command whose output is the body, for bodies too big to print (`head -c 1048577 /dev/zero | tr '\0' a`). */
  bodyFromCommand?: string
  maxTimeSeconds?: number
  /** curl options before the URL, each one argument: `--cacert FILE` for HTTPS (src/tls/curl.ts). */
  options?: string[]
}

export interface CurlOptions {
  /** Where the mock listens: `http://127.0.0.1:4010`. */
  baseUrl: string
  /** An operationId or `METHOD /path`; every operation when absent. */
  operation?: string
}

export interface CurlPlan {
  operations: Array<{ id: string; method: string; path: string; summary: string | undefined; requests: CurlRequest[] }>
  /** Said once, before the commands (fault plans in force …). */
  notes: string[]
}

/** The requests for one operation (or all): a valid one first, then one per refusal and per fault it can get. */
export function buildRequests(state: MockState, options: CurlOptions): CurlPlan {
  const notes: string[] = []
  const reachable = (op: Operation) => {
    if (routeOf(state, op)) return true
    notes.push(`${op.id} (${op.method} ${op.path}) is not served: its template differs from another's only in parameter names, and that one answers`)
    return false
  }
  const operations = (options.operation === undefined ? state.table.operations : [findOperation(state, options.operation)]).filter(reachable)
  if (state.faults && state.faults.registry.size > 0) {
    notes.push('fault plans from the config or the spec are in force: while they apply, answers differ from those announced here')
  }
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  return {
    operations: operations.map((op) => ({
      id: op.id,
      method: op.method,
      path: op.basePath + op.path,
      summary: (resolvePointer(state.spec.document, `#${op.pointer}`) as { summary?: string } | undefined)?.summary,
      requests: buildForOperation(state, op, baseUrl),
    })),
    notes,
  }
}

/** The route that serves this operation; undefined for one that another operation with the same shape shadows. */
function routeOf(state: MockState, op: Operation): PathRoute | undefined {
  return state.table.routes.find(
    (route) => route.operations.get(op.method) === op || route.candidates?.get(op.method)?.some((candidate) => candidate.operation === op),
  )
}

export function findOperation(state: MockState, name: string): Operation {
  const ops = state.table.operations
  const [method = '', ...path] = name.trim().split(/\s+/)
  const found = ops.find((op) => op.id === name || (op.method === method.toUpperCase() && op.path === path.join(' ')))
  if (found) return found
  const guess = closest(
    name,
    ops.map((op) => op.id),
  )
  throw new SetupError(`no operation '${name}' in the spec${guess ? ` (did you mean '${guess}'?)` : ''}; operations: ${ops.map((op) => op.id).join(', ')}`)
}

/** A request under construction: each refusal changes one part of the valid one. */
interface Draft {
  params: Map<ParameterObject, unknown>
  credentials: CredentialsToSend
  contentType: string | undefined
  body: string | undefined
  bodyFromCommand?: string
  extra: Array<[string, string]>
  maxTimeSeconds?: number
}

function buildForOperation(state: MockState, op: Operation, baseUrl: string): CurlRequest[] {
  const doc = state.spec.document
  const rules = state.rules.get(op)
  if (rules === undefined) throw new Error(`doorman bug: ${op.label} has no compiled rules`)
  const auth = planAuth(state.auth.requirements.get(op), state.auth, state.config.auth, baseUrl.startsWith('https:'))
  const params = new Map<ParameterObject, unknown>()
  // The parameters doorman reads: OpenAPI has it ignore header parameters named Accept, Content-Type, Authorization.
  const parameters = op.parameters.filter((param) => !isIgnoredHeader(param))
  for (const param of parameters) if (param.in === 'path' || param.required) params.set(param, parameterValue(doc, param))
  const body = planBody(doc, op, rules)
  const valid: Draft = { params, credentials: auth.valid, contentType: body?.contentType, body: body?.text, extra: [] }
  // Multipart needs CRLFs a person cannot type: printf writes them.
  if (body?.kind === 'multipart')
    Object.assign(valid, { body: undefined, bodyFromCommand: `printf '%b' ${shellQuote(body.text.replaceAll('\\', '\\\\').replaceAll('\r\n', '\\r\\n'))}` })

  const out: CurlRequest[] = []
  const add = (title: string, status: number, code: ProblemCode | undefined, draft: Draft, exit?: number) =>
    out.push(toRequest(state, op, baseUrl, draft, { title, status, code, exit }))
  const paramsValid = paramsPass(rules, params)
  const success = successAnswer(op)

  // The valid request: valid as far as doorman can make it, and announced as it will really be answered.
  let answer: { status: number; code?: ProblemCode; why: string }
  if (auth.problem !== undefined) answer = { status: 401, code: 'AUTH_MISSING', why: `no credentials: ${auth.problem}` }
  else if (!paramsValid)
    answer = { status: rules.parameterStatus, code: 'PARAMETER_INVALID', why: 'doorman cannot make valid parameters: give each parameter an example' }
  else if (body && !body.valid)
    answer = { status: rules.bodyStatus, code: 'BODY_INVALID', why: 'doorman cannot make a valid body: give the request body an example that fits its schema' }
  else answer = { status: success.status, why: body?.example ? `a valid request (example '${body.example}')` : 'a valid request' }
  add(answer.why, answer.status, answer.code, valid)
  if (auth.problem !== undefined) return out

  for (const refusal of auth.refusals) add(refusal.title, refusal.status, refusal.code, { ...valid, credentials: refusal.credentials })

  const bodyRules = rules.body
  if (body && bodyRules) {
    add('no Content-Type', 415, 'CONTENT_TYPE_MISSING', { ...valid, contentType: '' })
    const wrong = wrongMediaType(body.contentType, bodyRules.media)
    if (wrong !== undefined) add(`wrong content type '${wrong}'`, 415, 'CONTENT_TYPE_UNSUPPORTED', { ...valid, contentType: wrong })
    const bytes = rules.bodyLimitBytes + 1
    add(`a body of ${bytes} bytes, one over the limit`, 413, 'BODY_TOO_LARGE', {
      ...valid,
      body: undefined,
      bodyFromCommand: `head -c ${bytes} /dev/zero | tr '\\0' a`,
    })
    if (bodyRules.required) add('no body', 400, 'BODY_REQUIRED', { ...valid, body: undefined, bodyFromCommand: undefined })
    if (body.kind === 'json') add('malformed JSON', 400, 'BODY_MALFORMED', { ...valid, body: body.text.length > 1 ? body.text.slice(0, -1) : '{' })
    if (body.valid && body.breaks) {
      for (const broken of body.breaks) {
        const status = paramsValid ? rules.bodyStatus : rules.parameterStatus
        add(broken.title, status, paramsValid ? 'BODY_INVALID' : 'PARAMETER_INVALID', { ...valid, body: body.serialize(broken.value) })
      }
    }
  } else if (!bodyRules) {
    add('a body where the operation takes none', 415, 'CONTENT_TYPE_UNSUPPORTED', { ...valid, contentType: 'application/json', body: '{}' })
  }

  for (const broken of parameterBreaks(state, op, rules, valid)) add(broken.title, rules.parameterStatus, 'PARAMETER_INVALID', broken.draft)

  const answeredAsDocumented = answer.code === undefined
  if (answeredAsDocumented && success.offers.length > 0) {
    const accept = ['text/csv', 'application/x-doorman-unknown'].find((type) => negotiate(type, success.offers) === undefined)
    if (accept) add(`Accept: ${accept}, which the answer is not offered in`, 406, 'NOT_ACCEPTABLE', { ...valid, extra: [['Accept', accept]] })
  }

  if (state.faults?.preferHeader !== false) {
    const prefer = (value: string): Draft => ({ ...valid, extra: [['Prefer', value]] })
    const documented503 = ['503', '5XX', 'default'].some((key) => op.responses[key] !== undefined)
    add('Prefer: code=503, retry-after=1 (a flaky server; Retry-After: 1)', 503, documented503 ? undefined : 'FAULT_STATUS', prefer('code=503, retry-after=1'))
    add(`Prefer: delay=1000 (the same answer, one second late)`, answer.status, answer.code, prefer('delay=1000'))
    add(
      'Prefer: fault=hang (no byte comes back; curl gives up after --max-time 2, curl exits 28)',
      0,
      undefined,
      { ...prefer('fault=hang'), maxTimeSeconds: 2 },
      28,
    )
    add('Prefer: fault=reset (a TCP reset: "Connection reset by peer", curl exits 56)', 0, undefined, prefer('fault=reset'), 56)
    add('Prefer: fault=close (closed without an answer: "Empty reply from server", curl exits 52)', 0, undefined, prefer('fault=close'), 52)
    // partial sends the documented answer's status line; a body-less answer is stood in for by a 200 (src/faults/render.ts).
    const partialStatus = success.hasBody ? success.status : 200
    add('Prefer: fault=partial (the answer breaks off mid-body, curl exits 18)', partialStatus, undefined, prefer('fault=partial'), 18)
    add('Prefer: fault=garbage (bytes that are not HTTP: "Received HTTP/0.9 when not allowed", curl exits 1)', 0, undefined, prefer('fault=garbage'), 1)
  }
  return out
}

/** The answer a valid request gets: what respond.ts picks without `Prefer: code=`. */
function successAnswer(op: Operation): { status: number; offers: string[]; hasBody: boolean } {
  const picked = pickStatus(op, undefined)
  // Only a `Prefer: code=` can be refused, and none is asked for here.
  if (picked instanceof Problem) throw new Error(`no answer for ${op.label}: ${picked.code}`)
  const { status, response } = picked
  const offers = Object.keys(response?.content ?? {})
  return { status, offers, hasBody: offers.length > 0 && status !== 204 && status !== 304 }
}

function paramsPass(rules: OperationRules, params: Map<ParameterObject, unknown>): boolean {
  return rules.params.every(({ location, validate }) => validate(structuredClone(paramValues(location, params))))
}

function paramValues(location: string, params: Map<ParameterObject, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [param, value] of params) if (param.in === location) out[location === 'header' ? param.name.toLowerCase() : param.name] = value
  return out
}

/**
 * One broken value per parameter location (the first parameter with a rule
 * the operation's validator refuses), and each location's first required
 * parameter left out.
 */
function parameterBreaks(state: MockState, op: Operation, rules: OperationRules, valid: Draft): Array<{ title: string; draft: Draft }> {
  const doc = state.spec.document
  const out: Array<{ title: string; draft: Draft }> = []
  for (const { location, validate } of rules.params) {
    const refuses = (params: Map<ParameterObject, unknown>, keyword: string) => {
      const values = structuredClone(paramValues(location, params))
      return !validate(values) && errorsInclude(validate.errors, keyword)
    }
    const candidates = op.parameters
      .filter((p) => p.in === location && !isIgnoredHeader(p))
      .sort((a, b) => Number(b.required === true) - Number(a.required === true))
    for (const param of candidates) {
      const value = valid.params.has(param) ? valid.params.get(param) : parameterValue(doc, param)
      const label = (pointer: string) => `${location} parameter ${param.name}${pointer}`
      const breaks = breakValue(doc, parameterSchema(param), value, (candidate, keyword) => refuses(new Map(valid.params).set(param, candidate), keyword), {
        wire: true,
        label,
      })
      // An empty path segment would miss the route altogether (404), not break the parameter.
      const broken = breaks.find((b) => location !== 'path' || serializePath(param, b.value) !== '')
      if (broken) {
        out.push({ title: broken.title, draft: { ...valid, params: new Map(valid.params).set(param, broken.value) } })
        break
      }
    }
    // A parameter the document's key names (`/{Bucket}#acl`) picks the operation: without it, the request is another one's.
    const selectors =
      routeOf(state, op)
        ?.candidates?.get(op.method)
        ?.find((c) => c.operation === op)?.conditions ?? []
    const required = candidates.find(
      (p) => p.required && location !== 'path' && !selectors.some((c) => c.in === p.in && c.name === (p.in === 'header' ? p.name.toLowerCase() : p.name)),
    )
    if (required) {
      const params = new Map(valid.params)
      params.delete(required)
      out.push({ title: `without the required ${location} parameter ${required.name}`, draft: { ...valid, params } })
    }
  }
  return out
}

function toRequest(
  state: MockState,
  op: Operation,
  baseUrl: string,
  draft: Draft,
  expect: { title: string; status: number; code?: ProblemCode; exit?: number },
): CurlRequest {
  const path = op.path.replace(/\{([^{}]+)\}/g, (whole, name: string) => {
    const entry = [...draft.params].find(([p]) => p.in === 'path' && p.name === name)
    return entry ? serializePath(entry[0], entry[1]) : whole
  })
  const query: Array<[string, string]> = []
  const headers: Array<[string, string]> = []
  // Query pairs and cookie values percent-encoded here, by the parameter's style.
  const cookies: Array<[string, string]> = draft.credentials.cookies.map(([k, v]) => [k, encodeURIComponent(v)])
  for (const [param, value] of draft.params) {
    if (param.in === 'query') query.push(...serializeQuery(param, value))
    else if (param.in === 'header') headers.push([param.name, serializeHeader(param, value)])
    else if (param.in === 'cookie') cookies.push([param.name, serializeCookie(param, value)])
  }
  query.push(...draft.credentials.query.map(([k, v]): [string, string] => [encodeURIComponent(k), encodeURIComponent(v)]))
  const all: Array<[string, string]> = [...draft.credentials.headers, ...headers]
  if (cookies.length) all.push(['Cookie', cookies.map(([k, v]) => `${k}=${v}`).join('; ')])
  if (draft.contentType !== undefined) all.push(['Content-Type', draft.contentType])
  all.push(...draft.extra)
  return {
    operation: op.id,
    title: expect.title,
    expectStatus: expect.status,
    ...(expect.code ? { expectCode: expect.code } : {}),
    ...(expect.exit ? { expectExit: expect.exit } : {}),
    method: op.method,
    url: `${baseUrl}${op.basePath}${path}${query.length ? `?${encodeQuery(query)}` : ''}`,
    headers: all,
    ...(draft.body !== undefined ? { body: draft.body } : {}),
    ...(draft.bodyFromCommand !== undefined ? { bodyFromCommand: draft.bodyFromCommand } : {}),
    ...(draft.maxTimeSeconds !== undefined ? { maxTimeSeconds: draft.maxTimeSeconds } : {}),
  }
}
