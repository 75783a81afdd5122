/**
 * Swagger 2.0 input: upgraded to OpenAPI 3.0 at load time by swagger2openapi
 * (docs/specs.md says why that converter), and every note mapped back to a
 * place in the user's 2.0 file (`#/components/schemas/Pet` → `#/definitions/Pet`,
 * a request body → its `in: body` or `in: formData` parameter, …).
 */
import { SetupError } from '../setup-error.js'
import { lazyRequire } from '../util/lazy-require.js'
import type { OpenApiDocument } from './load-spec.js'
import { NoteSink } from './notes.js'
import { encodePointerToken, resolvePointer } from './refs.js'

interface ConvertOptions {
  patch: boolean
  warnOnly: boolean
  resolve: boolean
  direct: boolean
  text: string
}
type Swagger2OpenApi = { convertObj(swagger: object, options: ConvertOptions): Promise<Record<string, unknown>> }
const swagger2openapi = lazyRequire<Swagger2OpenApi>('swagger2openapi')

export interface UpgradedSpec {
  document: OpenApiDocument
  /** Notes whose pointers are mapped back into the user's 2.0 file. */
  notes: NoteSink
}

/**
 * `document` is the 2.0 document with its `$ref`s bundled and its broken ones
 * already replaced; `original` is what the user wrote, for mapping pointers.
 */
export async function upgradeSwagger2(document: unknown, original: unknown, file: string): Promise<UpgradedSpec> {
  const options: ConvertOptions = {
    // Small mistakes a 2.0 description commonly has (a path parameter without required: true) are fixed, not fatal.
    patch: true,
    warnOnly: true,
    // No network, no file reads: the loader bundled the $refs already.
    resolve: false,
    direct: true,
    // swagger2openapi keeps the document as YAML text for its resolver; without a resolver that is time wasted.
    text: '-',
  }
  let converted: Record<string, unknown>
  // swagger2openapi console.warn()s an exception, stack and all, before rejecting with it: the one-line SetupError says it instead.
  const warn = console.warn
  console.warn = () => undefined
  try {
    converted = await swagger2openapi().convertObj(document as object, options)
  } catch (error) {
    const message = ((error as Error).message ?? String(error)).split('\n')[0]
    throw new SetupError(`this Swagger 2.0 document cannot be upgraded to OpenAPI 3.0 (swagger2openapi: ${message})`, { file, location: '/swagger' })
  } finally {
    console.warn = warn
  }
  const notes = new NoteSink(file, (pointer) => sourcePointer(pointer, original))
  for (const server of (converted.servers ?? []) as Array<{ url: string }>) {
    // `host` without `schemes`: 2.0 says the scheme is the one the description was fetched with; only the path matters to a mock.
    if (server.url.startsWith('//')) server.url = `https:${server.url}`
  }
  // Its `patches` count is not reported: it counts plain conversions (x-nullable) too, and says not where.
  reportWarnings(converted, notes)
  return { document: converted as unknown as OpenApiDocument, notes }
}

/** swagger2openapi leaves `x-s2o-warning` where it could not convert something: a note each, and the marker goes. */
function reportWarnings(root: unknown, notes: NoteSink): void {
  const seen = new Set<object>()
  const visit = (node: unknown, pointer: string) => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return
    seen.add(node)
    const record = node as Record<string, unknown>
    if (typeof record['x-s2o-warning'] === 'string') {
      notes.add('swagger2', pointer, `${record['x-s2o-warning']} (doorman serves it as swagger2openapi upgraded it).`)
      delete record['x-s2o-warning']
    }
    for (const [key, child] of Object.entries(record)) visit(child, `${pointer}/${encodePointerToken(key)}`)
  }
  visit(root, '')
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch'])

/** The place in the user's 2.0 document that a pointer into the upgraded 3.0 document came from. */
export function sourcePointer(pointer: string, original: unknown): string {
  const tokens = pointer
    .split('/')
    .slice(1)
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
  const mapped = mapTokens(tokens, original)
  // What has no counterpart in 2.0 (`nullable` from `x-nullable`, a sanitised name) points at the nearest place that does.
  for (let n = mapped.length; n > 0; n--) {
    const candidate = mapped
      .slice(0, n)
      .map((t) => '/' + encodePointerToken(t))
      .join('')
    if (resolvePointer(original, `#${candidate}`) !== undefined) return candidate
  }
  return ''
}

function mapTokens(tokens: string[], original: unknown): string[] {
  const [first, second, ...rest] = tokens
  if (first === 'components') {
    const [name, ...inner] = rest
    if (name === undefined) return second === 'schemas' ? ['definitions'] : []
    switch (second) {
      case 'schemas':
        return ['definitions', name, ...inner]
      case 'securitySchemes':
        return ['securityDefinitions', name, ...inner]
      case 'parameters':
        return ['parameters', name, ...parameterInner(resolveLocal(original, ['parameters', name]), inner)]
      case 'requestBodies': {
        // A shared `parameters` entry, or (swagger2openapi shares identical bodies under their schema's name) the first body parameter using it.
        if (resolvePointer(original, `#/parameters/${encodePointerToken(name)}`) !== undefined) return ['parameters', name, ...bodyInner(inner)]
        const used = firstBodyUsing(original, name)
        return used ? [...used, ...bodyInner(inner)] : []
      }
      case 'responses':
        return ['responses', name, ...responseInner(inner)]
      default:
        return tokens
    }
  }
  if (first === 'servers') return [(original as { host?: unknown }).host !== undefined ? 'host' : 'basePath']
  if (first === 'paths' && second !== undefined) return ['paths', second, ...pathItemInner(original, second, rest)]
  return tokens
}

function pathItemInner(original: unknown, path: string, tokens: string[]): string[] {
  const [head, ...rest] = tokens
  const item = resolveLocal(original, ['paths', path])
  if (head === 'parameters') return parameterListInner(original, item?.parameters, rest)
  if (head === undefined || !METHODS.has(head)) return tokens
  const operation = item?.[head] as Record<string, unknown> | undefined
  const [field, ...inner] = rest
  if (field === 'parameters') return [head, ...parameterListInner(original, operation?.parameters, inner)]
  if (field === 'responses') return [head, 'responses', ...(inner.length ? [inner[0], ...responseInner(inner.slice(1))] : [])]
  if (field === 'requestBody') {
    // The body came from an `in: body` or `in: formData` parameter of the operation, or of its path item.
    for (const [prefix, list] of [
      [[head], operation?.parameters],
      [[], item?.parameters],
    ] as const) {
      const found = bodyParameter(original, list, inner)
      if (found) return [...prefix, ...found]
    }
    return [head, 'consumes']
  }
  return tokens
}

/** `parameters/<j>` in 3.0 lists no body or formData parameters: the j-th of the others in the 2.0 list. */
function parameterListInner(original: unknown, list: unknown, tokens: string[]): string[] {
  const [index, ...inner] = tokens
  if (!Array.isArray(list) || index === undefined) return ['parameters', ...tokens]
  const others = list.map((entry, i) => [i, resolveEntry(original, entry)] as const).filter(([, p]) => p?.in !== 'body' && p?.in !== 'formData')
  const pick = others[Number(index)]
  if (!pick) return ['parameters']
  return ['parameters', String(pick[0]), ...parameterInner(pick[1], inner)]
}

/** A 2.0 parameter (other than body) carries its schema keywords itself: `schema/maxLength` → `maxLength`. */
function parameterInner(parameter: Record<string, unknown> | undefined, tokens: string[]): string[] {
  if (parameter?.in !== 'body' && tokens[0] === 'schema') return tokens.slice(1)
  return tokens
}

/** `requestBody/content/<type>/schema/…` → the body parameter's `schema/…`, or the formData parameter of that property. */
function bodyParameter(original: unknown, list: unknown, tokens: string[]): string[] | undefined {
  if (!Array.isArray(list)) return undefined
  const params = list.map((entry) => resolveEntry(original, entry))
  const body = params.findIndex((p) => p?.in === 'body')
  if (body !== -1) return ['parameters', String(body), ...bodyInner(tokens)]
  const [, , schema, properties, name, ...inner] = tokens
  if (schema === 'schema' && properties === 'properties' && name !== undefined) {
    const field = params.findIndex((p) => p?.in === 'formData' && p.name === name)
    if (field !== -1) return ['parameters', String(field), ...inner]
  }
  const first = params.findIndex((p) => p?.in === 'formData')
  return first === -1 ? undefined : ['parameters', String(first)]
}

function firstBodyUsing(original: unknown, schemaName: string): string[] | undefined {
  const paths = (original as { paths?: Record<string, Record<string, unknown>> }).paths ?? {}
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item ?? {})) {
      const list = (operation as { parameters?: unknown } | null)?.parameters
      if (!METHODS.has(method) || !Array.isArray(list)) continue
      const index = list.findIndex((entry) => {
        const p = resolveEntry(original, entry)
        return p?.in === 'body' && (p.schema as { $ref?: unknown } | undefined)?.$ref === `#/definitions/${schemaName}`
      })
      if (index !== -1) return ['paths', path, method, 'parameters', String(index)]
    }
  }
  return undefined
}

function bodyInner(tokens: string[]): string[] {
  const [content, , schema, ...inner] = tokens
  return content === 'content' && schema === 'schema' ? ['schema', ...inner] : []
}

function responseInner(tokens: string[]): string[] {
  const [field, key, next, ...inner] = tokens
  if (field === 'content' && next === 'schema') return ['schema', ...inner]
  if (field === 'content' && (next === 'example' || next === 'examples')) return ['examples', key]
  if (field === 'headers' && key !== undefined) return ['headers', key, ...(next === 'schema' ? inner : next === undefined ? [] : [next, ...inner])]
  return tokens
}

function resolveEntry(original: unknown, entry: unknown): Record<string, unknown> | undefined {
  let current = entry
  for (let hops = 0; hops < 8; hops++) {
    const ref = (current as { $ref?: unknown } | null)?.$ref
    if (typeof ref !== 'string' || !ref.startsWith('#')) break
    current = resolvePointer(original, ref)
  }
  return current !== null && typeof current === 'object' ? (current as Record<string, unknown>) : undefined
}

function resolveLocal(original: unknown, tokens: string[]): Record<string, unknown> | undefined {
  return resolveEntry(original, resolvePointer(original, '#' + tokens.map((t) => '/' + encodePointerToken(t)).join('')))
}
