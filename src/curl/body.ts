import type { ErrorObject, ValidateFunction } from 'ajv'
import { formObject } from '../pipeline/parse-body.js'
import { chooseExample } from '../response/example.js'
import { kindOf, type BodyKind, type MediaRule, type OperationRules } from '../spec/compile-rules.js'
import { resolvePointer } from '../spec/refs.js'
import type { Operation, SchemaObject } from '../spec/route-table.js'
import { breakValue, errorsInclude, flatten, type Break } from './break-schema.js'

/** Bodies are sent in the first of these kinds the operation accepts: the easiest to read and to type. */
const KIND_ORDER: BodyKind[] = ['json', 'form', 'text', 'binary', 'multipart']
const BOUNDARY = 'doorman-boundary'

/** The body of the valid request, and the rules of its schema broken one at a time. */
export interface BodyPlan {
  kind: BodyKind
  contentType: string
  text: string
  /** The named example used, if any. */
  example: string | undefined
  valid: boolean
  breaks: Break[] | undefined
  serialize(value: unknown): string
}

export function planBody(doc: object, op: Operation, rules: OperationRules): BodyPlan | undefined {
  if (!rules.body || !op.requestBody || rules.body.media.length === 0) return undefined
  const rule = [...rules.body.media].sort((a, b) => KIND_ORDER.indexOf(kindOfRule(a)) - KIND_ORDER.indexOf(kindOfRule(b)))[0]
  const media = op.requestBody.content[rule.mediaType]
  const contentType = concreteType(rule.mediaType)
  const kind = kindOf(contentType)
  const choice = chooseExample(doc, media, undefined)
  const serialize = serializer(kind, rule)
  const check = refusalCheck(kind, rule.validate)
  const passes = (candidate: unknown) => check === undefined || check(parseBack(kind, serialize(candidate))) === undefined
  let value = choice.found ? choice.value : undefined
  // Generated values are made for responses: they carry readOnly properties a request must not send.
  if (!passes(value) && media.schema !== undefined) value = [withoutReadOnly(doc, media.schema, value)].find(passes) ?? value
  const text = serialize(value)
  const valid = passes(value)
  // Schema breaks, for bodies doorman can parse back here the way the server does: from the
  // example sent, then from the other examples (a fuller one shows more rules), one per keyword.
  let breaks: Break[] | undefined
  if (check && media.schema !== undefined && kind !== 'multipart' && kind !== 'binary') {
    const found = new Map<string, Break>()
    const others = [
      ...Object.keys(media.examples ?? {}).map((name) => chooseExample(doc, media, name)),
      chooseExample(doc, { ...media, examples: undefined }, undefined),
    ]
    for (const other of [value, ...others.map((c) => (c.found ? c.value : undefined))]) {
      if (other === undefined || check(parseBack(kind, serialize(other))) !== undefined) continue
      const refuses = (candidate: unknown, keyword: string) => errorsInclude(check(parseBack(kind, serialize(candidate))), keyword)
      const label = (pointer: string) => (pointer === '' ? 'the body' : `body ${pointer}`)
      for (const b of breakValue(doc, media.schema, other, refuses, { wire: kind === 'form', label })) if (!found.has(b.keyword)) found.set(b.keyword, b)
    }
    breaks = [...found.values()]
  }
  return {
    kind,
    contentType: kind === 'multipart' ? `${contentType}; boundary=${BOUNDARY}` : contentType,
    text,
    example: choice.found ? choice.name : undefined,
    valid,
    breaks,
    serialize,
  }
}

/** A copy of `value` without the properties its schema marks readOnly (OAS: not sent in requests). */
function withoutReadOnly(doc: object, schema: SchemaObject, value: unknown, depth = 0): unknown {
  if (depth > 12 || value === null || typeof value !== 'object') return value
  const flat = flatten(doc, schema)
  const items = flat.items
  if (Array.isArray(value)) return items === undefined ? value : value.map((item) => withoutReadOnly(doc, items, item, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    const sub = flat.properties[key]
    if (sub !== undefined && isReadOnly(doc, sub)) continue
    out[key] = sub === undefined ? item : withoutReadOnly(doc, sub, item, depth + 1)
  }
  return out
}

function isReadOnly(doc: object, schema: SchemaObject): boolean {
  if (typeof schema === 'boolean') return false
  if (schema.readOnly === true) return true
  return typeof schema.$ref === 'string' && (resolvePointer(doc, schema.$ref) as { readOnly?: unknown } | undefined)?.readOnly === true
}

function kindOfRule(rule: MediaRule): BodyKind {
  return kindOf(concreteType(rule.mediaType))
}

/** `application/*` and friends say nothing concrete: send the most ordinary type they cover. */
function concreteType(mediaType: string): string {
  const essence = mediaType.split(';')[0].trim().toLowerCase()
  const [type = '*', subtype = '*'] = essence.split('/')
  if (type === '*') return 'application/json'
  if (subtype === '*') return type === 'application' ? 'application/json' : type === 'text' ? 'text/plain' : `${type}/octet-stream`
  if (subtype.startsWith('*+')) return `${type}/example${subtype.slice(1)}`
  return essence
}

function serializer(kind: BodyKind, rule: MediaRule): (value: unknown) => string {
  switch (kind) {
    case 'json':
      return (value) => JSON.stringify(value ?? {})
    case 'form':
      return (value) => new URLSearchParams(fieldPairs(value)).toString()
    case 'multipart':
      return (value) =>
        fieldPairs(value)
          .map(([name, text]) => {
            const type = rule.partTypes[name]?.[0]
            const file = type ? `; filename="${name}.${type.split('/')[1]}"\r\nContent-Type: ${type}` : ''
            return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${file}\r\n\r\n${text}\r\n`
          })
          .join('') + `--${BOUNDARY}--\r\n`
    default:
      return (value) => (typeof value === 'string' && value !== '' ? value : value === undefined || value === '' ? 'doorman' : JSON.stringify(value))
  }
}

function fieldPairs(value: unknown): Array<[string, string]> {
  if (value === null || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([name, v]): Array<[string, string]> =>
    Array.isArray(v)
      ? v.map((item) => [name, String(item)])
      : [[name, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v === '' ? 'doorman' : v)]],
  )
}

/** The body as the server's parse step will see it. */
function parseBack(kind: BodyKind, text: string): unknown {
  if (kind === 'json') return JSON.parse(text)
  if (kind === 'form') return formObject(new URLSearchParams(text))
  return text
}

/** The operation's own body validator as a function: its errors, or undefined when the value passes (copied first: coercion writes into it). */
function refusalCheck(kind: BodyKind, validate: ValidateFunction | undefined): ((value: unknown) => ErrorObject[] | undefined) | undefined {
  if (validate === undefined || kind === 'multipart') return undefined
  return (value) => (validate(structuredClone(value)) ? undefined : [...(validate.errors ?? [])])
}

/** A media type this operation does not accept: a one-letter typo of the right one, or failing that, a foreign one. */
export function wrongMediaType(contentType: string, media: MediaRule[]): string | undefined {
  const [type = '', subtype = ''] = contentType.split(';')[0].split('/')
  const cut = Math.floor(subtype.length / 2)
  const typo = `${type}/${subtype.slice(0, cut)}${subtype.slice(cut + 1)}`
  const accepted = (candidate: string) => {
    const [t, s = ''] = candidate.split('/')
    return media.some(
      (m) =>
        (m.type === '*' && m.subtype === '*') ||
        (m.type === t && (m.subtype === '*' || m.subtype === s || (m.subtype.startsWith('*+') && s.endsWith(m.subtype.slice(1))))),
    )
  }
  return [typo, 'application/x-doorman-unknown', 'text/x-doorman-unknown', 'image/x-doorman-unknown'].find((c) => !accepted(c))
}
