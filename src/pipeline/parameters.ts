import type { FastifyRequest } from 'fastify'
import type { ParamLocation, ParamRule } from '../spec/compile-rules.js'
import type { RequestContext } from './context.js'

/**
 * Turns the wire form of each parameter into the value its schema describes,
 * following the parameter's OpenAPI `style` and `explode` (OAS 3.1 §4.8.12.4):
 * form, simple, label, matrix, spaceDelimited, pipeDelimited, deepObject.
 * Values stay strings; the coercing validator applies the schema's types.
 * Absent parameters are left out, so `required` can speak for them.
 */
export function readParameters(location: ParamLocation, rules: ParamRule[], ctx: RequestContext, request: FastifyRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (location === 'query') {
    const q = request.url.indexOf('?')
    const pairs = [...new URLSearchParams(q === -1 ? '' : request.url.slice(q + 1))]
    const declared = new Set(rules.map((r) => r.param.name))
    for (const rule of rules) {
      const value = readQuery(rule, pairs, declared)
      if (value !== undefined) out[rule.param.name] = value
    }
    return out
  }
  for (const rule of rules) {
    const { param } = rule
    let raw: string | undefined
    if (location === 'path') raw = ctx.pathParams[param.name]
    else if (location === 'header') {
      const header = request.headers[param.name.toLowerCase()]
      raw = Array.isArray(header) ? header.join(',') : header
    } else raw = readCookie(request.headers.cookie, param.name)
    // `/user/` matches `/user/{username}` with an empty segment: the client left the value out (an unset
    // variable in its URL template), so `required` speaks, as for any absent parameter.
    if (raw === undefined || (location === 'path' && raw === '')) continue
    const key = location === 'header' ? param.name.toLowerCase() : param.name
    out[key] = rule.json ? parseJsonParam(raw) : deserialize(rule, raw, location)
  }
  return out
}

function readQuery(rule: ParamRule, pairs: Array<[string, string]>, declared: Set<string>): unknown {
  const { param, shape } = rule
  const style = param.style ?? 'form'
  const explode = param.explode ?? style === 'form'
  if (rule.json) {
    const value = pairs.find(([k]) => k === param.name)?.[1]
    return value === undefined ? undefined : parseJsonParam(value)
  }
  if (style === 'deepObject') {
    const prefix = `${param.name}[`
    const entries = pairs.filter(([k]) => k.startsWith(prefix) && k.endsWith(']'))
    return entries.length ? Object.fromEntries(entries.map(([k, v]) => [k.slice(prefix.length, -1), v])) : undefined
  }
  if (shape === 'object' && explode) {
    // Exploded form objects spread their properties over the query string: the undeclared names are theirs.
    const entries = pairs.filter(([k]) => !declared.has(k))
    return entries.length ? Object.fromEntries(entries) : undefined
  }
  const values = pairs.filter(([k]) => k === param.name).map(([, v]) => v)
  if (values.length === 0) return undefined
  if (shape === 'array') {
    if (explode) return values
    const separator = style === 'spaceDelimited' ? ' ' : style === 'pipeDelimited' ? '|' : ','
    return values.flatMap((v) => v.split(separator))
  }
  if (shape === 'object') return pairsToObject(values[0]!.split(','))
  return values.length === 1 ? values[0] : values
}

function deserialize(rule: ParamRule, raw: string, location: ParamLocation): unknown {
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
    if (shape === 'array' && explode) return raw.split(prefix).slice(1)
    if (shape === 'object' && explode) return Object.fromEntries(raw.slice(1).split(';').map((kv) => splitOnce(kv, '=')))
    text = raw.startsWith(prefix) ? raw.slice(prefix.length) : raw.replace(/^;/, '')
  }
  if (shape === 'array') return text === '' ? [] : text.split(separator)
  if (shape === 'object') {
    const parts = text.split(separator)
    return explode ? Object.fromEntries(parts.map((kv) => splitOnce(kv, '='))) : pairsToObject(parts)
  }
  return text
}

function pairsToObject(parts: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < parts.length; i += 2) out[parts[i]!] = parts[i + 1]!
  return out
}

function splitOnce(text: string, separator: string): [string, string] {
  const i = text.indexOf(separator)
  return i === -1 ? [text, ''] : [text.slice(0, i), text.slice(i + 1)]
}

function parseJsonParam(raw: string): unknown {
  try {
    return JSON.parse(raw)
  } catch {
    return raw
  }
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const [key, value] = splitOnce(part.trim(), '=')
    if (key === name) {
      try {
        return decodeURIComponent(value)
      } catch {
        return value
      }
    }
  }
  return undefined
}
