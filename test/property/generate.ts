/**
 * Requests an API's clients may send, generated from its OpenAPI document:
 * parameters (each serialized per its style), credentials and a body, every
 * value made by json-schema-faker and checked by ajv first. Then one-point
 * mutations of such a request, each checked to be invalid by the same oracle.
 * Seeded from what each value is, so a run repeats.
 */
import { bodyProblem, chooseBody, encodeBody, mediaTakes, type BodyChoice } from './body.js'
import { chooseCredentials, credentialsRequired, NO_CREDENTIALS, type Credentials, type Minter } from './credentials.js'
import { escapeToken, isObject, templateNames, type ApiDocument, type Operation, type Parameter } from './openapi-document.js'
import type { Oracle } from './request-schemas.js'
import { serialize, serializeText, type Wire } from './serialize.js'
import { generateValid, hashSeed, seedRandom } from './values.js'

export type MutationKind =
  | 'no-credentials'
  | 'missing-parameter'
  | 'wrong-type-parameter'
  | 'enum-parameter'
  | 'dropped-body-field'
  | 'wrong-type-body'
  | 'enum-body'
  | 'wrong-content-type'

export interface RequestPlan {
  operation: string
  kind: 'valid' | MutationKind
  method: string
  /** Path and query, from '/'. */
  path: string
  headers: Record<string, string>
  body?: string | FormData
  /** A mutation: what it changed, and the statuses it must be refused with. */
  change?: string
  expect?: number[]
}

export interface Context {
  api: ApiDocument
  oracle: Oracle
  mint: Minter
  seed: number
}

/** A valid request, in parts, so that a mutation can change one of them. */
export interface Parts {
  values: Map<Parameter, { value: unknown; wire: Wire }>
  credentials: Credentials
  body?: BodyChoice & { value: unknown }
}

export const UNLISTED_TYPE = 'application/x-doorman-unlisted'
// Headers fetch sends on its own: leaving the parameter out does not leave the header out.
const CLIENT_HEADERS = new Set(['accept-language', 'accept-encoding', 'user-agent', 'sec-fetch-mode'])
const SCHEMA_REFUSAL = [400, 422]

/** A valid request's parts, or why none can be made (a counted skip). `withBody`: send an optional body too. */
export function buildParts(ctx: Context, op: Operation, index: number, withBody: boolean): Parts | string {
  const seed = hashSeed(ctx.seed, op.label, index)
  const random = seedRandom(seed)
  const credentials = chooseCredentials(op, random, ctx.mint)
  if (typeof credentials === 'string') return credentials
  const taken = new Set([...Object.keys(credentials.headers), ...credentials.query.map(([k]) => k), ...credentials.cookies.map(([k]) => k)])
  const values: Parts['values'] = new Map()
  for (const param of op.parameters) {
    if (taken.has(param.in === 'header' ? param.name.toLowerCase() : param.name)) continue
    // RFC 6750 §2: a client sends its token one way only (Google documents access_token as a plain query parameter).
    if (param.in === 'query' && param.name === 'access_token' && credentials.headers.authorization?.startsWith('Bearer ')) continue
    // fetch sends Accept-Language and User-Agent of its own: a documented one must then carry a valid value.
    const clientSends = param.in === 'header' && CLIENT_HEADERS.has(param.name.toLowerCase())
    if (!param.required && !clientSends && !random.bool(0.5)) continue
    const made = generateValid(ctx.oracle, param.schemaPointer, hashSeed(seed, param.in, param.name), {
      narrow: (schema) => narrow(param, schema),
      acceptable: (value) => {
        const wire = serialize(param, value)
        return typeof wire === 'string' ? wire : undefined
      },
    })
    // An optional parameter the suite cannot make is left out, which is valid too.
    if (!made.ok) {
      if (param.required) return `${param.in} parameter: ${made.reason}`
      continue
    }
    values.set(param, { value: made.value, wire: serialize(param, made.value) as Wire })
  }
  if (!op.body || !(op.body.required || withBody || random.bool(0.7))) return { values, credentials }
  const choice = chooseBody(op.body.media)
  if (typeof choice === 'string') return op.body.required ? `body: ${choice}` : { values, credentials }
  const made = generateValid(ctx.oracle, choice.media.schemaPointer, hashSeed(seed, 'body'), {
    // An empty text body is no body at all on the wire.
    narrow: (schema) =>
      (choice.kind === 'text' || choice.kind === 'binary') && schema.type === 'string' && typeof schema.minLength !== 'number'
        ? { ...schema, minLength: 1 }
        : schema,
    acceptable: (value) => bodyProblem(choice.kind, value),
  })
  if (!made.ok) return op.body.required ? `body: ${made.reason}` : { values, credentials }
  return { values, credentials, body: { ...choice, value: made.value } }
}

/**
 * The wire form can't be empty: a path segment, a header, a cookie, a required query array. And a
 * parameter's string stays under 200 characters where its schema allows that: servers put limits on
 * URLs and headers that no description states (doorman: 1,000 per path segment, like most proxies).
 */
function narrow(param: Parameter, schema: Record<string, unknown>): Record<string, unknown> {
  const out = { ...schema }
  if (out.type === 'string' && (typeof out.minLength !== 'number' || out.minLength <= 200))
    out.maxLength = Math.min(200, typeof out.maxLength === 'number' ? out.maxLength : 200)
  if (param.in === 'query' && !param.required) return out
  if (out.type === 'string' && typeof out.minLength !== 'number') out.minLength = 1
  if (out.type === 'array' && !(typeof out.minItems === 'number' && out.minItems > 0)) out.minItems = 1
  if (out.type === 'object' && typeof out.minProperties !== 'number') out.minProperties = 1
  return out
}

interface Change {
  omit?: Parameter
  text?: [Parameter, string]
  credentials?: Credentials
  body?: unknown
  contentType?: string
}

export function render(op: Operation, parts: Parts, kind: RequestPlan['kind'] = 'valid', change: Change = {}): RequestPlan {
  const wires = [...parts.values]
    .filter(([param]) => param !== change.omit)
    .map(([param, { wire }]) => [param, change.text?.[0] === param ? (serializeText(param, change.text[1]) as Wire) : wire] as const)
  const segments = new Map(wires.flatMap(([param, wire]) => (wire.in === 'path' ? [[param.name, wire.text] as const] : [])))
  // A template with its own query part ('/rides?page={page}') takes a query parameter's value there.
  const inTemplate = new Set<string>()
  const fill = (whole: string, name: string) => {
    if (segments.has(name)) return segments.get(name)!
    const query = wires.find(([param, wire]) => param.name === name && wire.in === 'query')
    if (!query || query[1].in !== 'query') return whole
    inTemplate.add(name)
    return query[1].pairs.map(([, v]) => v).join(',')
  }
  // A fragment in a template (AWS's '/tags/{arn}#tagKeys') names the operation; it is never sent. In the template's
  // own query part, a pair whose parameter is not sent is left out ('?page={page}' is not '?page=').
  const [templatePath, templateQuery] = op.template.replace(/#.*$/, '').split(/\?(.*)/s, 2)
  const filledQuery = (templateQuery ?? '')
    .split('&')
    .filter((pair) => pair && [...pair.matchAll(/\{([^{}]+)\}/g)].every(([whole, name]) => fill(whole, name) !== whole))
    .map((pair) => pair.replace(/\{([^{}]+)\}/g, fill))
    .join('&')
  // RFC 6570 operators (NASA's '/apod{.format}'), expanded as RFC 6570 says: '.json', '/7', ';v=1', a '+' value as is.
  const expand = (whole: string, operator: string, name: string) => {
    const value = fill(`{${name}}`, name)
    if (value === `{${name}}`) return whole
    return operator === ';' ? `;${name}=${value}` : operator === '+' ? value : `${operator}${value}`
  }
  const filled = templatePath.replace(/\{([./;+]?)([^{}]+)\}/g, expand) + (filledQuery ? `?${filledQuery}` : '')
  const credentials = change.credentials ?? parts.credentials
  const query = [...wires.flatMap(([param, wire]) => (wire.in === 'query' && !inTemplate.has(param.name) ? wire.pairs : [])), ...credentials.query]
  const queryText = query.map(([k, v]) => `${k}=${v}`).join('&')
  // A template with its own query part ('/rides?page={page}') takes the rest after '&'.
  const path = `${op.base}${filled}${queryText ? (filled.includes('?') ? '&' : '?') + queryText : ''}`
  const headers: Record<string, string> = { ...credentials.headers }
  for (const [, w] of wires) if (w.in === 'header') headers[w.name.toLowerCase()] = w.text
  const cookies = [...wires.flatMap(([, w]) => (w.in === 'cookie' ? [[w.name, w.text] as [string, string]] : [])), ...credentials.cookies]
  if (cookies.length) headers.cookie = cookies.map(([k, v]) => `${k}=${v}`).join('; ')
  const plan: RequestPlan = { operation: op.label, kind, method: op.method, path: path.startsWith('/') ? path : `/${path}`, headers }
  if (parts.body) {
    plan.body = encodeBody(parts.body.kind, 'body' in change ? change.body : parts.body.value, parts.body.media.partTypes)
    const contentType = change.contentType ?? parts.body.contentType
    if (contentType) headers['content-type'] = contentType
  }
  return plan
}

/** One request per kind of mutation that applies to the operation, each refused by the oracle. */
export function mutations(ctx: Context, op: Operation, parts: Parts): RequestPlan[] {
  const random = seedRandom(hashSeed(ctx.seed, op.label, 'mutations'))
  const out: RequestPlan[] = []
  const add = (kind: MutationKind, change: Change, what: string, expect = SCHEMA_REFUSAL) =>
    out.push({ ...render(op, parts, kind, change), change: what, expect })
  if (credentialsRequired(op) && parts.credentials.label !== NO_CREDENTIALS.label)
    add('no-credentials', { credentials: NO_CREDENTIALS }, `no ${parts.credentials.label}`, [401])
  const present = random.shuffle([...parts.values.keys()])
  // The parameters a template's fragment names (AWS's '/{Bucket}#acl', '#X-Amz-Target=…') tell operations on one path
  // apart: without one, the request is another operation's ('GET /{Bucket}'), not a broken one.
  const selectors = fragmentNames(op.template)
  // Where other operations share the path and method (AWS's and Box's '#…' keys), a request without a required
  // parameter may well be one of theirs: leaving one out is then no mutation.
  const routed = (template: string) => template.replace(/[?#].*$/s, '')
  const shared = ctx.api.operations.some((other) => other !== op && other.method === op.method && routed(other.template) === routed(op.template))
  const required = shared
    ? undefined
    : present.find(
        (p) =>
          p.required &&
          p.in !== 'path' &&
          !templateNames(op.template).includes(p.name) &&
          !selectors.has(p.name.toLowerCase()) &&
          !(p.in === 'header' && CLIENT_HEADERS.has(p.name.toLowerCase())),
      )
  if (required) add('missing-parameter', { omit: required }, `${required.in} parameter '${required.name}' left out`)
  for (const [kind, text, keyword] of [
    ['wrong-type-parameter', 'doorman-wrong-type', 'type'],
    ['enum-parameter', 'doorman-not-listed', 'enum'],
  ] as const) {
    // A scalar text where the value was: an object's properties would be mistaken for other parameters.
    const param = present.find(
      (p) => p.schemaPointer && !p.mediaType && p.style !== 'deepObject' && !isObject(parts.values.get(p)!.value) && wireFails(ctx, p, text, keyword),
    )
    if (param) add(kind, { text: [param, text] }, `${param.in} parameter '${param.name}' = '${text}'`)
  }
  const body = parts.body
  if (!body) return out
  if (body.kind === 'json' && body.value !== null && typeof body.value === 'object' && !Array.isArray(body.value) && body.media.schemaPointer) {
    const validate = ctx.oracle.at(body.media.schemaPointer)
    const value = body.value as Record<string, unknown>
    const keys = random.shuffle(Object.keys(value))
    const fails = (candidate: unknown, keyword: string, key: string) =>
      !validate(candidate) &&
      validate.errors!.some(
        (e) => e.keyword === keyword && (keyword === 'required' ? e.params.missingProperty === key : e.instancePath === `/${escapeToken(key)}`),
      )
    const without = (key: string) => Object.fromEntries(Object.entries(value).filter(([k]) => k !== key))
    const dropped = keys.find((key) => fails(without(key), 'required', key))
    if (dropped !== undefined) add('dropped-body-field', { body: without(dropped) }, `required body field '${dropped}' left out`)
    const retyped = keys.find((key) => fails({ ...value, [key]: wrongType(value[key]) }, 'type', key))
    if (retyped !== undefined)
      add(
        'wrong-type-body',
        { body: { ...value, [retyped]: wrongType(value[retyped]) } },
        `body field '${retyped}' = ${JSON.stringify(wrongType(value[retyped]))}`,
      )
    const unlisted = keys.find((key) => fails({ ...value, [key]: 'doorman-not-listed' }, 'enum', key))
    if (unlisted !== undefined) add('enum-body', { body: { ...value, [unlisted]: 'doorman-not-listed' } }, `body field '${unlisted}' = "doorman-not-listed"`)
  }
  // A Content-Type says nothing without a body: only a request that carries one can have the wrong one.
  const sent = encodeBody(body.kind, body.value, body.media.partTypes)
  if (body.kind !== 'multipart' && typeof sent === 'string' && sent.length > 0 && !op.body!.media.some((m) => mediaTakes(m.type, UNLISTED_TYPE))) {
    add('wrong-content-type', { contentType: UNLISTED_TYPE }, `Content-Type: ${UNLISTED_TYPE}`, [415])
  }
  return out
}

function fragmentNames(template: string): Set<string> {
  const fragment = template.includes('#') ? template.slice(template.indexOf('#') + 1) : ''
  return new Set(fragment.split('&').map((pair) => pair.split('=')[0].replace(/!$/, '').toLowerCase()))
}

function wireFails(ctx: Context, param: Parameter, text: string, keyword: string): boolean {
  try {
    return ctx.oracle
      .wire(param.schemaPointer!)(text)
      .some((e) => e.keyword === keyword)
  } catch {
    return false
  }
}

function wrongType(value: unknown): unknown {
  return typeof value === 'string' ? 12345 : 'doorman-wrong-type'
}
