/**
 * Matches request paths against OpenAPI path templates.
 *
 * Not find-my-way (fastify's router, used here before): its syntax is not
 * OpenAPI's. It reads ':' as the start of a parameter and ends a parameter
 * name only at '-', '.' or '/', so Google's `/v1/{name}:cancel` became a
 * parameter named `p0::cancel` that captured nothing, and `/v1/{name}` beside
 * it threw "Method 'GET' already declared" at start-up; AWS's and GitHub's
 * templates broke it in other ways. OpenAPI's templates are simpler than what
 * find-my-way solves: a path is '/'-separated segments, a parameter never
 * spans a '/', and each segment is literal text, a bare `{param}`, or literal
 * text around parameters (`{id}.{format}`, `{name}:export`). So: a tree of
 * segments, tried in the Paths Object's order (concrete before templated):
 * the literal segment first, then segments with literal text around
 * parameters (most literal text first; see matchPattern), then a bare
 * `{param}`; a dead end backs up and tries the next.
 */

export type TemplateSegment =
  | { kind: 'static'; text: string }
  | { kind: 'param'; name: string }
  /** Literal text around parameters: `parts` alternates text and parameter names, starting and ending with text ('' allowed). */
  | { kind: 'pattern'; parts: string[] }

export interface ParsedTemplate {
  segments: TemplateSegment[]
  /** Parameter names in the order they appear (a name may appear twice). */
  params: string[]
  /** The template with every parameter written `{}`: two templates with one shape match the same requests. */
  shape: string
  /** Braces that open or close no parameter (`/a/{b`, `/a/{}`): read as literal text. */
  strayBraces: boolean
}

/** Longest path segment the router reads (fastify's default `maxParamLength`); a longer one is 414. */
export const MAX_SEGMENT_LENGTH = 1000

export function parseTemplate(template: string): ParsedTemplate {
  const segments: TemplateSegment[] = []
  const params: string[] = []
  let strayBraces = false
  const shapes: string[] = []
  // A scan by hand: `matchAll` made a new RegExp for each segment, a tenth of GitHub's start-up spent here.
  for (const raw of template.split('/')) {
    const parts: string[] = []
    let last = 0
    for (let open = raw.indexOf('{'); open !== -1; open = raw.indexOf('{', open + 1)) {
      // `{name}` holds no brace and is not empty: the innermost pair, as /\{([^{}]+)\}/ finds it.
      const close = raw.indexOf('}', open + 1)
      if (close === -1) break
      const next = raw.indexOf('{', open + 1)
      if (close === open + 1 || (next !== -1 && next < close)) continue
      parts.push(decodeLiteral(raw.slice(last, open)), raw.slice(open + 1, close))
      params.push(raw.slice(open + 1, close))
      last = close + 1
      open = close
    }
    const tail = decodeLiteral(raw.slice(last))
    if (hasBrace(tail) || parts.some((part, i) => i % 2 === 0 && hasBrace(part))) strayBraces = true
    if (parts.length === 0) {
      segments.push({ kind: 'static', text: tail })
      shapes.push(tail)
    } else if (parts.length === 2 && parts[0] === '' && tail === '') {
      segments.push({ kind: 'param', name: parts[1] })
      shapes.push('{}')
    } else {
      parts.push(tail)
      segments.push({ kind: 'pattern', parts })
      shapes.push(parts.map((part, i) => (i % 2 === 0 ? part : '{}')).join(''))
    }
  }
  return { segments, params, shape: shapes.join('/'), strayBraces }
}

function hasBrace(text: string): boolean {
  return text.includes('{') || text.includes('}')
}

/** Template text is compared with decoded request segments, so a `%20` in a template means a space. */
function decodeLiteral(text: string): string {
  if (!text.includes('%')) return text
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

export type PathMatch<T> =
  | { kind: 'found'; value: T; captures: string[] }
  | { kind: 'not-found' }
  /** A path segment over MAX_SEGMENT_LENGTH characters (414). */
  | { kind: 'too-long' }
  /** A path that is not a URL (a `%` that starts no `%XX`). */
  | { kind: 'bad-url' }

interface PatternEdge {
  shape: string
  /** Literal text and parameter names, alternating (TemplateSegment 'pattern'). */
  parts: string[]
  /** How many characters of literal text: the more, the more concrete. */
  literalLength: number
  node: RouterNode
}

interface RouterNode {
  statics: Map<string, RouterNode> | undefined
  patterns: PatternEdge[] | undefined
  param: RouterNode | undefined
  value: unknown
}

const newNode = (): RouterNode => ({ statics: undefined, patterns: undefined, param: undefined, value: undefined })
const NOT_FOUND = { kind: 'not-found' } as const
const TOO_LONG = { kind: 'too-long' } as const
const BAD_URL = { kind: 'bad-url' } as const

export class PathRouter<T> {
  #root = newNode()

  /** Stores `value` for the template's segments; returns the value already stored for the same shape, if any. */
  add(segments: readonly TemplateSegment[], value: T): T | undefined {
    let node = this.#root
    for (const segment of segments) node = child(node, segment)
    if (node.value !== undefined) return node.value as T
    node.value = value
    return undefined
  }

  /**
   * `path` is the request path without its query string, as sent (percent-encoded). With `accept`, the most
   * concrete match whose value it accepts: a less concrete template may take what a more concrete one cannot.
   */
  find(path: string, accept?: (value: T) => boolean): PathMatch<T> {
    const segments = path.split('/')
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]
      if (segment.length > MAX_SEGMENT_LENGTH) return TOO_LONG
      if (segment.includes('%')) {
        try {
          // Split first, then decode: an encoded '/' (%2F) stays inside its segment (`operations%2Fabc:cancel`).
          segments[i] = decodeURIComponent(segment)
        } catch {
          return BAD_URL
        }
      }
    }
    const captures: string[] = []
    const node = walk(this.#root, segments, 0, captures, accept as ((value: unknown) => boolean) | undefined)
    return node === undefined ? NOT_FOUND : { kind: 'found', value: node.value as T, captures }
  }
}

function child(node: RouterNode, segment: TemplateSegment): RouterNode {
  if (segment.kind === 'static') {
    node.statics ??= new Map()
    let next = node.statics.get(segment.text)
    if (!next) node.statics.set(segment.text, (next = newNode()))
    return next
  }
  if (segment.kind === 'param') return (node.param ??= newNode())
  const shape = segment.parts.map((part, i) => (i % 2 === 0 ? part : '{}')).join('')
  node.patterns ??= []
  const known = node.patterns.find((edge) => edge.shape === shape)
  if (known) return known.node
  const literalLength = segment.parts.reduce((sum, part, i) => sum + (i % 2 === 0 ? part.length : 0), 0)
  const edge: PatternEdge = { shape, parts: segment.parts, literalLength, node: newNode() }
  node.patterns.push(edge)
  // The more literal text a segment names, the more concrete it is: `fixed.{format}` before `{id}.{format}`.
  // Array.prototype.sort is stable, so equal ones keep the document's order.
  node.patterns.sort((a, b) => b.literalLength - a.literalLength)
  return edge.node
}

/**
 * Matches a segment with literal text around parameters, or returns undefined. Not a regular expression:
 * `^(.*)-(.*)-(.*)$` backtracks in O(n³) on a hostile 1000-character segment (seconds of CPU per request).
 * Each literal between parameters is placed at its last occurrence, right to left: if the literals fit in
 * order at all, they fit that way, so nothing is tried twice (O(n) per literal). The first parameter takes
 * the most text: `a.tar.gz` against `{id}.{format}` is id `a.tar`, format `gz` (the extension is the last dot's).
 */
function matchPattern(edge: PatternEdge, segment: string): string[] | undefined {
  const { parts, literalLength } = edge
  const first = parts[0]
  const last = parts[parts.length - 1]
  if (segment.length < literalLength || !segment.startsWith(first) || !segment.endsWith(last)) return undefined
  const values = new Array<string>((parts.length - 1) / 2)
  let end = segment.length - last.length
  for (let i = parts.length - 3; i >= 2; i -= 2) {
    const literal = parts[i]
    // Two parameters with nothing between them (`{name}{ext}`): the later one takes the text from the last '.' on,
    // an extension such as '.json' (compileRouteTable notes the reading).
    const dot = literal === '' ? segment.lastIndexOf('.', end - 1) : -1
    const at = literal !== '' ? segment.lastIndexOf(literal, end - literal.length) : dot >= first.length ? dot : end
    if (at < first.length || at + literal.length > end) return undefined
    values[i / 2] = segment.slice(at + literal.length, end)
    end = at
  }
  values[0] = segment.slice(first.length, end)
  return values
}

/** Depth-first, concrete before templated; `captures` holds the parameters of the branch being tried. */
function walk(node: RouterNode, segments: string[], i: number, captures: string[], accept: ((value: unknown) => boolean) | undefined): RouterNode | undefined {
  if (i === segments.length) return node.value !== undefined && (accept === undefined || accept(node.value)) ? node : undefined
  const segment = segments[i]
  const exact = node.statics?.get(segment)
  if (exact) {
    const found = walk(exact, segments, i + 1, captures, accept)
    if (found) return found
  }
  if (node.patterns) {
    for (const edge of node.patterns) {
      const values = matchPattern(edge, segment)
      if (values === undefined) continue
      const mark = captures.length
      for (const value of values) captures.push(value)
      const found = walk(edge.node, segments, i + 1, captures, accept)
      if (found) return found
      captures.length = mark
    }
  }
  if (node.param) {
    captures.push(segment)
    const found = walk(node.param, segments, i + 1, captures, accept)
    if (found) return found
    captures.pop()
  }
  return undefined
}
