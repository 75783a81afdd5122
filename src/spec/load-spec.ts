import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { JSONSchema } from '@apidevtools/json-schema-ref-parser'
import { CORE_SCHEMA, load as loadPlainYaml } from 'js-yaml'
import { SetupError } from '../setup-error.js'
import { lazyRequire } from '../util/lazy-require.js'
import { NoteSink } from './notes.js'
import { resolvePointer } from './refs.js'

export type OpenApiVersion = '3.0' | '3.1'

export interface LoadedSpec {
  /** The document with every external `$ref` pulled in; internal `$ref`s stay (circular schemas stay legal). */
  document: OpenApiDocument
  version: OpenApiVersion
  /** Absolute path, or '<inline>' for a document passed as an object. */
  file: string
  /** The document's file and every file its `$ref`s pulled in (what `serve --watch` watches). */
  files: string[]
  /** What loading and compiling found wrong in the document, and worked around (src/spec/notes.ts). */
  notes: NoteSink
}

// The parts of an OpenAPI document doorman reads; the rest passes through untouched.
export interface OpenApiDocument {
  openapi: string
  info: { title: string; version: string }
  servers?: Array<{ url: string; variables?: Record<string, { default: string }> }>
  paths?: Record<string, unknown>
  components?: Record<string, Record<string, unknown>>
  security?: Array<Record<string, string[]>>
  [key: string]: unknown
}

const yaml = lazyRequire<typeof import('yaml')>('yaml')

/** Parses YAML (and so JSON) with line:column in every error; used for the root file and every `$ref`'d file. */
export function parseYaml(text: string, file: string): unknown {
  // js-yaml reads a plain document 3-5x faster than `yaml` does (a third of a start went there). Whatever it
  // refuses (a syntax error, an alias, a custom tag, deep nesting) is read again by `yaml`, whose errors
  // carry line:column and which bounds alias expansion: the answer, or the error, is then the same as ever.
  try {
    return loadPlainYaml(text, { schema: CORE_SCHEMA, maxAliases: 0 })
  } catch {
    // below
  }
  const { LineCounter, parseDocument } = yaml()
  // prettyErrors: false leaves `linePos` unset; the line counter gives line:column without the code frame.
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter })
  const error = doc.errors[0]
  if (error) {
    const { line, col } = lineCounter.linePos(error.pos[0])
    const message = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
    throw new SetupError(`YAML syntax error: ${message}`, { file, location: `${line}:${col}` })
  }
  return doc.toJS({ maxAliasCount: 1000 })
}

const yamlParser = {
  order: 1,
  allowEmpty: false,
  canParse: ['.yaml', '.yml', '.json'],
  parse(file: { url: string; data: string | Buffer }): unknown {
    const text = Buffer.isBuffer(file.data) ? file.data.toString('utf8') : file.data
    return parseYaml(text, displayPath(file.url))
  },
}

/** How errors name the spec: relative to the working directory, or `<inline spec>` for an object. */
export function displayFile(spec: Pick<LoadedSpec, 'file'>): string {
  return path.basename(spec.file) === INLINE_NAME ? '<inline spec>' : displayPath(spec.file)
}

function displayPath(fileOrUrl: string): string {
  const plain = fileOrUrl.startsWith('file://') ? new URL(fileOrUrl).pathname : fileOrUrl
  const relative = path.relative(process.cwd(), plain)
  return relative.startsWith('..') ? plain : relative
}

// A document passed as an object: relative `$ref`s resolve from the working directory.
const INLINE_NAME = '<inline>'

/** Loads an OpenAPI 3.0/3.1 document from a YAML or JSON file (or takes one as an object). */
export async function loadSpec(source: string | object): Promise<LoadedSpec> {
  const file = typeof source === 'string' ? path.resolve(source) : path.join(process.cwd(), INLINE_NAME)
  const shown = displayFile({ file })
  let raw: unknown
  if (typeof source === 'string') {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message
      throw new SetupError(`cannot read the OpenAPI document: ${reason}`, { file: shown })
    }
    raw = parseYaml(text, shown)
  } else {
    raw = structuredClone(source)
  }

  const version = checkOpenApiVersion(raw, shown)
  let document: OpenApiDocument
  // One file whose $refs all resolve inside it: bundling would change nothing (it costs ~15% of a start), skip it and its module.
  if (onlyLocalRefs(raw)) {
    document = raw as OpenApiDocument
    checkStructure(document, version, shown)
    return { document, version, file, files: typeof source === 'string' ? [file] : [], notes: new NoteSink(shown) }
  }
  const { default: $RefParser } = await import('@apidevtools/json-schema-ref-parser')
  const parser = new $RefParser()
  try {
    document = (await parser.bundle(file, raw as JSONSchema, {
      parse: { yaml: yamlParser, json: false, text: false, binary: false },
      // `file: true` would replace the built-in file resolver (options are merged key by key): leave it out.
      resolve: { http: false, external: true },
      // Collect errors instead of failing fast: only then does each one carry the JSON path of its $ref.
      continueOnError: true,
    })) as unknown as OpenApiDocument
  } catch (error) {
    throw refError(error, shown)
  }
  checkStructure(document, version, shown)
  const files = typeof source === 'string' ? parser.$refs.paths('file') : []
  return { document, version, file, files, notes: new NoteSink(shown) }
}

/** True when every `$ref` in the document is a JSON pointer into the document itself that resolves (anything else goes to the bundler and its errors). */
function onlyLocalRefs(root: unknown): boolean {
  const seen = new Set<object>()
  const resolved = new Set<string>()
  const stack: unknown[] = [root]
  while (stack.length > 0) {
    const node = stack.pop()
    if (node === null || typeof node !== 'object' || seen.has(node)) continue
    seen.add(node)
    const ref = (node as { $ref?: unknown }).$ref
    if (typeof ref === 'string' && !resolved.has(ref)) {
      if ((ref !== '#' && !ref.startsWith('#/')) || resolvePointer(root, ref) === undefined) return false
      resolved.add(ref)
    }
    for (const value of Object.values(node)) if (value !== null && typeof value === 'object') stack.push(value)
  }
  return true
}

function checkOpenApiVersion(raw: unknown, file: string): OpenApiVersion {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SetupError('not an OpenAPI document: expected a mapping at the top level', { file, location: '/' })
  }
  const doc = raw as Record<string, unknown>
  if (doc.swagger !== undefined) {
    throw new SetupError(
      `this is a Swagger ${String(doc.swagger)} document; doorman reads OpenAPI 3.0 and 3.1 (convert it with swagger2openapi)`,
      { file, location: '/swagger' },
    )
  }
  if (typeof doc.openapi !== 'string') {
    throw new SetupError("not an OpenAPI document: the top-level 'openapi' field (e.g. openapi: 3.1.0) is missing", {
      file,
      location: '/openapi',
    })
  }
  const match = /^3\.([01])\.\d+(-.+)?$/.exec(doc.openapi)
  if (!match) {
    throw new SetupError(`unsupported OpenAPI version '${doc.openapi}': doorman reads 3.0.x and 3.1.x`, {
      file,
      location: '/openapi',
    })
  }
  return match[1] === '0' ? '3.0' : '3.1'
}

function checkStructure(doc: OpenApiDocument, version: OpenApiVersion, file: string): void {
  const info = doc.info as unknown
  if (info === null || typeof info !== 'object') {
    throw new SetupError("the required 'info' object is missing", { file, location: '/info' })
  }
  for (const key of ['title', 'version'] as const) {
    if (typeof (info as Record<string, unknown>)[key] !== 'string') {
      throw new SetupError(`'info.${key}' is required and must be a string`, { file, location: `/info/${key}` })
    }
  }
  if (doc.paths === undefined && version === '3.0') {
    throw new SetupError("the required 'paths' object is missing (OpenAPI 3.0 requires it)", {
      file,
      location: '/paths',
    })
  }
  if (doc.paths !== undefined && (doc.paths === null || typeof doc.paths !== 'object' || Array.isArray(doc.paths))) {
    throw new SetupError("'paths' must be a mapping of path templates to path items", { file, location: '/paths' })
  }
}

/** Turns the ref parser's errors into one line naming the file, the `$ref` and what is wrong. */
function refError(error: unknown, file: string): SetupError {
  if (error instanceof SetupError) return error
  const e = error as { message?: string; source?: string; path?: Array<string | number> | null; errors?: unknown[] }
  if (Array.isArray(e.errors) && e.errors.length > 0) return refError(e.errors[0], file)
  const where = e.path ? '/' + e.path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/') : undefined
  const source = e.source ? displayFile({ file: e.source.split('#')[0]!.replace(/^file:\/\//, '') }) : file
  let message = (e.message ?? String(error)).split('\n')[0]!
  // The parser wraps our own YAML errors; keep just ours.
  const ours = /(\S+): (\d+:\d+): (YAML syntax error: .*)$/.exec(message)
  if (ours) return new SetupError(ours[3]!, { file: ours[1], location: ours[2] })
  message = message
    .replace(/^Error (resolving|opening) \$ref pointer/, 'cannot resolve $ref')
    .replace(/^Missing \$ref pointer "([^"]+)"\. Token "([^"]+)" does not exist\./, "cannot resolve $ref '$1': there is no '$2'")
    // http: false: a spec must not depend on the network to start a mock.
    .replace(/^Could not find resolver for "(https?:[^"]+)"$/, "cannot resolve $ref '$1': doorman does not fetch $refs over the network; download the file and $ref it by its path")
  if (/ENOENT|no such file/i.test(message)) {
    const target = /"([^"]+)"/.exec(message)?.[1] ?? /open '([^']+)'/.exec(message)?.[1]
    message = `cannot resolve $ref: file not found${target ? ` (${displayPath(target)})` : ''}`
  }
  return new SetupError(message, { file: source, location: where })
}
