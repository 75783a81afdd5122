import type { FastifyRequest } from 'fastify'
import type { ParamLocation, ParamRule, SpreadObject } from '../spec/compile-rules.js'
import type { RequestContext } from './context.js'

export interface ReadParameters {
  values: Record<string, unknown>
  /**
   * Another reading of some parameters, by name, valid where the first is not:
   * - a value whose only delimiters came percent-encoded (`ids=1%2C2`). RFC 6570
   *   reads that as one item ('1,2'), but clients that join the items first and
   *   encode the whole value after (Python's `params={'ids': '1,2'}`,
   *   URLSearchParams) mean two;
   * - one value or a list of them (`ParamRule.listToo`), read as a list.
   */
  alternates?: Record<string, unknown>
}

type Decode = (text: string) => string

/**
 * Turns the wire form of each parameter into the value its schema describes,
 * following the parameter's OpenAPI `style` and `explode` (OAS 3.1 §4.8.12.4):
 * form, simple, label, matrix, spaceDelimited, pipeDelimited, deepObject.
 * Values are split on their raw delimiters before they are percent-decoded,
 * so that an encoded comma (`a%2Cb,c`) stays inside its item (RFC 6570 §3.2.1).
 * Values stay strings; the coercing validator applies the schema's types.
 * Absent parameters are left out, so `required` can speak for them.
 */
export function readRequestParameters(location: ParamLocation, rules: ParamRule[], ctx: RequestContext, request: FastifyRequest): ReadParameters {
  const values: Record<string, unknown> = {}
  let otherReadings: Record<string, unknown> | undefined
  const pairs = location === 'query' ? queryPairs(request.url) : []
  for (const rule of rules) {
    const { param } = rule
    const key = location === 'header' ? param.name.toLowerCase() : param.name
    const read = (as: ParamRule, decodeFirst: boolean) =>
      location === 'query' ? readQuery(as, pairs, decodeFirst) : readOther(location, as, ctx, request, decodeFirst)
    const value = read(rule, false)
    if (value === undefined) continue
    values[key] = value
    let other: unknown
    if (rule.listToo) other = read({ ...rule, shape: 'array' }, false)
    else if (rule.shape !== 'scalar' && !rule.json && ambiguous(rule, location, ctx, request, pairs)) other = read(rule, true)
    else continue
    if (JSON.stringify(other) !== JSON.stringify(value)) (otherReadings ??= {})[key] = other
  }
  return otherReadings ? { values, alternates: otherReadings } : { values }
}

function readOther(location: ParamLocation, rule: ParamRule, ctx: RequestContext, request: FastifyRequest, decodeFirst: boolean): unknown {
  const raw = rawValue(location, rule, ctx, request)
  // `/user/` matches `/user/{username}` with an empty segment: the client left the value out (an unset
  // variable in its URL template), so `required` speaks, as for any absent parameter.
  if (raw === undefined || (location === 'path' && raw === '')) return undefined
  // Headers are not percent-encoded: what came is the value.
  const decode = location === 'header' ? (text: string) => text : decodeComponent
  if (rule.json) return parseJsonParam(decode(raw))
  return decodeFirst ? deserialize(rule, decode(raw), location, (text) => text) : deserialize(rule, raw, location, decode)
}

/** The parameter as it came on the wire, before any percent-decoding. */
function rawValue(location: ParamLocation, rule: ParamRule, ctx: RequestContext, request: FastifyRequest): string | undefined {
  const { name } = rule.param
  if (location === 'path') {
    const decoded = ctx.pathParams[name]
    if (decoded === undefined) return undefined
    // Where the raw segment is not needed (a scalar) or cannot be found, the router's value, with its '%' escaped
    // so that decoding it again gives it back.
    return (rule.shape === 'scalar' ? undefined : rawPathValue(ctx, name)) ?? decoded.replaceAll('%', '%25')
  }
  if (location === 'header') {
    const header = request.headers[name.toLowerCase()]
    return Array.isArray(header) ? header.join(',') : header
  }
  return readCookie(request.headers.cookie, name)
}

/**
 * The router hands path parameters over decoded. Arrays and objects need the
 * raw segment, to split it before decoding: the template's segments are the
 * last ones of the request path (a base path comes before them). When the
 * segment cannot be lined up, or decodes to something else than the router
 * matched, the router's value is taken.
 */
function rawPathValue(ctx: RequestContext, name: string): string | undefined {
  const template = ctx.route?.template
  if (template === undefined) return undefined
  const templateSegments = template.split('/')
  const pathSegments = ctx.path.split('/')
  const offset = pathSegments.length - templateSegments.length
  if (offset < 0) return undefined
  const i = templateSegments.findIndex((segment) => segment.includes(`{${name}}`))
  if (i === -1) return undefined
  const segment = templateSegments[i]
  let raw: string | undefined = pathSegments[offset + i]
  if (segment !== `{${name}}`) {
    // Literal text around the parameter (`{id}.{format}`, `{name}:cancel`): the literals match themselves.
    const source = segment
      .split(/(\{[^{}]*\})/)
      .map((part) => (part === `{${name}}` ? '(.*)' : /^\{.*\}$/.test(part) ? '.*?' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('')
    raw = new RegExp(`^${source}$`, 's').exec(raw)?.[1]
  }
  return raw !== undefined && decodeComponent(raw) === ctx.pathParams[name] ? raw : undefined
}

function readQuery(rule: ParamRule, pairs: Array<[string, string]>, decodeFirst: boolean): unknown {
  const { param, shape } = rule
  const style = param.style ?? 'form'
  const explode = param.explode ?? style === 'form'
  if (rule.json) {
    const value = pairs.find(([k]) => k === param.name)?.[1]
    return value === undefined ? undefined : parseJsonParam(decodeQueryComponent(value))
  }
  if (style === 'deepObject') {
    const prefix = `${param.name}[`
    const entries = pairs.filter(([k]) => k.startsWith(prefix) && k.endsWith(']'))
    return entries.length ? collect(entries.map(([k, v]) => [k.slice(prefix.length, -1), decodeQueryComponent(v)])) : undefined
  }
  const spread = rule.spread
  if (spread) {
    // OAS style table, form + explode + object: `R=100&G=200&B=150`, the object's properties spread over the query.
    const entries = pairs.filter(([k]) => belongsTo(spread, k))
    return entries.length ? collect(entries.map(([k, v]) => [k, decodeQueryComponent(v)])) : undefined
  }
  const raws = pairs.filter(([k]) => k === param.name).map(([, v]) => v)
  if (raws.length === 0) return undefined
  const values = decodeFirst ? raws.map(decodeQueryComponent) : raws
  const decode = decodeFirst ? (text: string) => text : decodeQueryComponent
  if (shape === 'array') {
    if (explode) return values.map(decode)
    return values.flatMap((v) => (v === '' ? [] : splitQuery(v, style, decodeFirst).map(decode)))
  }
  if (shape === 'object') return pairsToObject(values[0].split(',').map(decode))
  const scalars = raws.map(decodeQueryComponent)
  return scalars.length === 1 ? scalars[0] : scalars
}

/** spaceDelimited: a space, which a query string carries as `%20` or `+`; pipeDelimited: `|`; form: `,`. */
function splitQuery(value: string, style: string, decoded: boolean): string[] {
  if (style === 'spaceDelimited') return value.split(decoded ? ' ' : /%20|\+| /i)
  return value.split(style === 'pipeDelimited' ? '|' : ',')
}

/**
 * Which query keys an exploded form object takes: its declared (or
 * patterned) properties, and any key that belongs to no other parameter and
 * to no credential (an API key in the query, RFC 6750 `access_token`). By
 * the style table every other key is the object's, so a closed schema
 * (`additionalProperties: false`) refuses one it does not declare, naming
 * the closest property it does.
 */
function belongsTo(spread: SpreadObject, key: string): boolean {
  if (spread.declared.has(key)) return true
  if (spread.patterns.some((pattern) => pattern.test(key))) return true
  return !spread.reserved.has(key)
}

/** Whether the value's delimiters all came percent-encoded, so that it reads two ways (see ReadParameters.alternate). */
function ambiguous(rule: ParamRule, location: ParamLocation, ctx: RequestContext, request: FastifyRequest, pairs: Array<[string, string]>): boolean {
  const { param } = rule
  const style = param.style ?? (location === 'query' || location === 'cookie' ? 'form' : 'simple')
  if (style === 'deepObject' || style === 'spaceDelimited' || rule.spread || location === 'header') return false
  const explode = param.explode ?? style === 'form'
  if (location === 'query' && explode && rule.shape === 'array') return false
  const delimiter = style === 'pipeDelimited' ? '|' : (style === 'label' || style === 'matrix') && explode ? (style === 'label' ? '.' : ';') : ','
  const raws = location === 'query' ? pairs.filter(([k]) => k === param.name).map(([, v]) => v) : [rawValue(location, rule, ctx, request) ?? '']
  return raws.some((raw) => raw.includes('%') && !raw.includes(delimiter) && decodeComponent(raw).includes(delimiter))
}

function deserialize(rule: ParamRule, raw: string, location: ParamLocation, decode: Decode): unknown {
  const { param, shape } = rule
  const style = param.style ?? (location === 'cookie' ? 'form' : 'simple')
  const explode = param.explode ?? style === 'form'
  let text = raw
  let separator = ','
  if (style === 'label') {
    text = raw.startsWith('.') ? raw.slice(1) : raw
    if (explode) separator = '.'
  } else if (style === 'matrix') {
    const prefix = `;${param.name}=`
    if (shape === 'array' && explode) return raw.split(prefix).slice(1).map(decode)
    if (shape === 'object' && explode)
      return collect(
        raw
          .slice(1)
          .split(';')
          .map((kv) => decodePair(splitOnce(kv, '='), decode)),
      )
    text = raw.startsWith(prefix) ? raw.slice(prefix.length) : raw.replace(/^;/, '')
  }
  if (shape === 'array') return text === '' ? [] : text.split(separator).map(decode)
  if (shape === 'object') {
    const parts = text.split(separator)
    return explode ? collect(parts.map((kv) => decodePair(splitOnce(kv, '='), decode))) : pairsToObject(parts.map(decode))
  }
  return decode(text)
}

/** Key/value pairs into an object; a key that comes again makes an array (`tag=a&tag=b`). */
function collect(entries: Array<[string, string]>): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>
  for (const [key, value] of entries) {
    const existing = out[key]
    out[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value]
  }
  return { ...out }
}

function decodePair([key, value]: [string, string], decode: Decode): [string, string] {
  return [decode(key), decode(value)]
}

function pairsToObject(parts: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < parts.length; i += 2) out[parts[i]] = parts[i + 1]
  return out
}

function splitOnce(text: string, separator: string): [string, string] {
  const i = text.indexOf(separator)
  return i === -1 ? [text, ''] : [text.slice(0, i), text.slice(i + 1)]
}

/** `a=1&b=x%2Cy` → [['a', '1'], ['b', 'x%2Cy']]: names decoded, values raw (as URLSearchParams splits, but without decoding them). */
function queryPairs(url: string): Array<[string, string]> {
  const q = url.indexOf('?')
  if (q === -1) return []
  const pairs: Array<[string, string]> = []
  for (const part of url.slice(q + 1).split('&')) {
    if (part === '') continue
    const [name, value] = splitOnce(part, '=')
    pairs.push([decodeQueryComponent(name), value])
  }
  return pairs
}

/** application/x-www-form-urlencoded decoding: `+` is a space. */
function decodeQueryComponent(text: string): string {
  return decodeComponent(text.includes('+') ? text.replaceAll('+', ' ') : text)
}

/** Percent-decoding that, like URLSearchParams, leaves a malformed `%` sequence as it came instead of failing. */
function decodeComponent(text: string): string {
  if (!text.includes('%')) return text
  try {
    return decodeURIComponent(text)
  } catch {
    return text.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
      try {
        return decodeURIComponent(run)
      } catch {
        return run
      }
    })
  }
}

function parseJsonParam(raw: string): unknown {
  try {
    return JSON.parse(raw)
  } catch {
    return raw
  }
}

/** The cookie's value as it came (still percent-encoded). */
// Not the cookie package (the auth step's and the HAR's reader): a cookie parameter's value is wanted as sent,
// still percent-encoded, so that its style's delimiters are split before anything is decoded.
function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const [key, value] = splitOnce(part.trim(), '=')
    if (key === name) return value
  }
  return undefined
}
