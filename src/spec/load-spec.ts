import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { JSONSchema } from '@apidevtools/json-schema-ref-parser'
import { CORE_SCHEMA, load as loadPlainYaml } from 'js-yaml'
import { SetupError } from '../setup-error.js'
import { lazyRequire } from '../util/lazy-require.js'
import { parseJsonBytes, startsAnObject } from './json-bytes.js'
import { MAX_DOCUMENT_BYTES, roomFor, takeReadAhead, type DocumentBytes } from './read-ahead.js'
import { copyGraph } from '../util/deep-copy.js'
import { NoteSink } from './notes.js'
import { replaceUnresolvableRefs } from './resolve-refs.js'
import { notRegularFileSync } from '../util/regular-file.js'

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
  /** The user's file was Swagger (this version), upgraded to OpenAPI 3.0 at load time (src/spec/swagger2.ts). */
  swagger?: string
  /**
   * The document is a tree, as JSON.parse makes one: no object in two places, none inside itself, so a walk needs no
   * record of what it has seen. Absent where that is not known: YAML (anchors), a document given as an object, one
   * bundled from several files or upgraded from Swagger 2.0.
   */
  tree?: true
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
  // A JSON document (GitHub's is 13 MB) is read by JSON.parse, 3x faster than js-yaml: a third of a second on
  // GitHub's. Of two equal keys it keeps the last, as JSON readers do (RFC 8259 §4 leaves it open); what it
  // refuses is read again below, for errors with line:column.
  if (/^\s*\{/.test(text)) {
    try {
      return JSON.parse(text)
    } catch {
      // below
    }
  }
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
    const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
    throw new SetupError(`YAML syntax error: ${message}`, { file, location: `${line}:${col}` })
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (error) {
    // `yaml` bounds alias expansion ("billion laughs") with a ReferenceError: a bad document, not a doorman bug.
    if (!(error instanceof ReferenceError) || !/alias/i.test(error.message)) throw error
    throw new SetupError(
      `YAML aliases expand too far: a value made of aliases (*name) of aliases would be copied more than ${MAX_ALIAS_COUNT} times (a "billion laughs" document); write the repeated parts out, or use $ref`,
      { file },
    )
  }
}

/** How many copies aliases may make (the `yaml` parser's maxAliasCount); js-yaml reads no alias at all (maxAliases: 0). */
const MAX_ALIAS_COUNT = 1000

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

export function displayPath(fileOrUrl: string): string {
  const plain = fileOrUrl.startsWith('file://') ? new URL(fileOrUrl).pathname : fileOrUrl
  const relative = path.relative(process.cwd(), plain)
  return relative.startsWith('..') ? plain : relative
}

// A document passed as an object: relative `$ref`s resolve from the working directory.
const INLINE_NAME = '<inline>'

/**
 * Reads and parses the document file (or the bytes src/spec/read-ahead.ts read of it). Synchronous, and a function of
 * its own: the text (13 MB for GitHub's description) is garbage once parsed, not held by an async function's frame
 * through the rest of loading. Not fs/promises: its chunked read left ~20 MB more on the heap.
 */
function readDocument(file: string, shown: string, ahead: DocumentBytes | undefined): { document: unknown; json: boolean } {
  const special = notRegularFileSync(file)
  if (special !== undefined) throw new SetupError(`cannot read the OpenAPI document: it ${special}`, { file: shown })
  let bytes = ahead ?? readWithRoomSync(file, shown)
  const document = parseJsonBytes(bytes.room, bytes.length)
  if (document !== undefined) return { document, json: true }
  // Not JSON after all (YAML's flow style, a syntax error): read as YAML, as written (escaping may have changed it).
  if (startsAnObject(bytes.room.subarray(0, bytes.length))) bytes = readWithRoomSync(file, shown)
  return { document: parseYaml(bytes.room.toString('utf8', 0, bytes.length), shown), json: false }
}

/** The file's bytes with room after them (src/spec/read-ahead.ts), read on this thread. */
function readWithRoomSync(file: string, shown: string): DocumentBytes {
  let fd: number | undefined
  let size = 0
  try {
    fd = openSync(file, 'r')
    size = fstatSync(fd).size
    // A file that says it is empty may not be (/proc): read to its end.
    if (size === 0) {
      const bytes = readFileSync(fd)
      return { room: bytes, length: bytes.length }
    }
    if (size > MAX_DOCUMENT_BYTES) throw new RangeError()
    const room = Buffer.allocUnsafeSlow(roomFor(size))
    let length = 0
    for (let n = 1; n > 0 && length < size; length += n) n = readSync(fd, room, length, size - length, length)
    return { room, length }
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file'
        : error instanceof RangeError
          ? `it is ${size} bytes, more than the ${MAX_DOCUMENT_BYTES} a document can be read as text`
          : (error as Error).message
    throw new SetupError(`cannot read the OpenAPI document: ${reason}`, { file: shown })
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/**
 * A copy of a document given as an object (or about to be changed), shared objects and circles kept; one nested
 * deeper than structuredClone's stack allows (it threw a RangeError from startServer) is copied without recursion.
 */
function cloneInline(document: object): object {
  try {
    return structuredClone(document)
  } catch (error) {
    if (!(error instanceof RangeError)) throw error
    return copyGraph(document) as object
  }
}

/** Loads an OpenAPI 3.0/3.1 or Swagger 2.0 document from a YAML or JSON file (or takes one as an object). */
export async function loadSpec(source: string | object): Promise<LoadedSpec> {
  const file = typeof source === 'string' ? path.resolve(source) : path.join(process.cwd(), INLINE_NAME)
  const shown = displayFile({ file })
  const read = typeof source === 'string' ? readDocument(file, shown, await takeReadAhead(file)) : { document: cloneInline(source), json: false }
  const raw = read.document

  const format = readFormat(raw, shown)
  // Notes found before a Swagger 2.0 upgrade already point into the user's file; those after it are mapped back.
  const early = new NoteSink(shown)
  if (format.kind === 'openapi' && format.note) early.add('document', '/openapi', format.note)
  const doc = raw as Record<string, unknown>
  // Notes on the upgraded document are mapped back into what the user wrote, before anything below changes it.
  const original = format.kind === 'swagger2' ? cloneInline(doc) : undefined
  fillRequiredFields(doc, format, early, file)
  // An inline document's relative $refs resolve from the working directory: it "sits" there.
  const scan = await replaceUnresolvableRefs(doc, file, early, parseYaml, displayPath)
  const files = typeof source === 'string' ? [file, ...scan.files] : scan.files
  const bundled = scan.external ? await bundle(doc, file, shown, scan.parsed) : doc

  if (format.kind === 'swagger2') {
    const { upgradeSwagger2 } = await import('./swagger2.js')
    const upgraded = await upgradeSwagger2(bundled, original, shown)
    upgraded.notes.list.unshift(...early.list)
    return { document: upgraded.document, version: '3.0', file, files, notes: upgraded.notes, swagger: format.version }
  }
  // Stand-ins for broken $refs and filled-in fields are new objects, each in one place: a parsed tree stays one.
  const tree = read.json && !scan.external ? { tree: true as const } : {}
  return { document: bundled as OpenApiDocument, version: format.version, file, files, notes: early, ...tree }
}

/** Pulls every file the document `$ref`s into it (json-schema-ref-parser), reading what the scan already parsed. */
async function bundle(doc: object, file: string, shown: string, parsed: Map<string, unknown>): Promise<Record<string, unknown>> {
  const { default: $RefParser } = await import('@apidevtools/json-schema-ref-parser')
  const parser = new $RefParser()
  const scanned = {
    ...yamlParser,
    // The scan read every file and put its stand-ins in: parsing it again would bring the broken $refs back.
    canParse: true,
    parse(input: { url: string; data: string | Buffer }): unknown {
      const plain = input.url.startsWith('file://') ? fileURLToPath(input.url) : input.url
      return parsed.get(plain) ?? yamlParser.parse(input)
    },
  }
  try {
    return (await parser.bundle(file, doc as JSONSchema, {
      parse: { yaml: scanned, json: false, text: false, binary: false },
      // `file: true` would replace the built-in file resolver (options are merged key by key): leave it out.
      resolve: { http: false, external: true },
      // Collect errors instead of failing fast: only then does each one carry the JSON path of its $ref.
      continueOnError: true,
    })) as unknown as Record<string, unknown>
  } catch (error) {
    // The scan leaves the bundler nothing it cannot resolve; an error here is one it did not foresee.
    throw refError(error, shown)
  }
}

type Format = { kind: 'openapi'; version: OpenApiVersion; note?: string } | { kind: 'swagger2'; version: string }

/** What the document is. Only something that is no OpenAPI or Swagger document at all stops start-up. */
function readFormat(raw: unknown, file: string): Format {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SetupError('not an OpenAPI document: expected a mapping at the top level', { file, location: '/' })
  }
  const doc = raw as Record<string, unknown>
  if (doc.swagger !== undefined && doc.openapi === undefined) {
    // `swagger: 2.0` unquoted is the number 2.
    const version = typeof doc.swagger === 'number' ? doc.swagger.toFixed(1) : typeof doc.swagger === 'string' ? doc.swagger : JSON.stringify(doc.swagger)
    if (!/^2\.0(\.\d+)?$/.test(version)) {
      throw new SetupError(`unsupported Swagger version '${version}': doorman reads Swagger 2.0 and OpenAPI 3.0 and 3.1`, { file, location: '/swagger' })
    }
    return { kind: 'swagger2', version }
  }
  if (typeof doc.openapi !== 'string' && typeof doc.openapi !== 'number') {
    throw new SetupError("not an OpenAPI document: the top-level 'openapi' field (e.g. openapi: 3.1.0) is missing", {
      file,
      location: '/openapi',
    })
  }
  // `openapi: 3.0` unquoted is the number 3; the versions doorman reads are strings.
  const text = typeof doc.openapi === 'number' ? doc.openapi.toFixed(1) : doc.openapi
  doc.openapi = text
  const exact = /^3\.([01])\.\d+(-.+)?$/.exec(text)
  if (exact) return { kind: 'openapi', version: exact[1] === '0' ? '3.0' : '3.1' }
  const loose = /^3\.(\d+)/.exec(text)
  if (!loose) {
    throw new SetupError(`unsupported OpenAPI version '${text}': doorman reads 3.0.x and 3.1.x`, { file, location: '/openapi' })
  }
  const version: OpenApiVersion = loose[1] === '0' ? '3.0' : '3.1'
  const written = typeof doc.openapi === 'number' ? `${text} (a number: quote it)` : `'${text}'`
  return { kind: 'openapi', version, note: `openapi ${written} is not a version doorman knows; read as OpenAPI ${version}.` }
}

/** Missing `info` or `paths`: a note, and what a document without them can still serve. */
function fillRequiredFields(doc: Record<string, unknown>, format: Format, notes: NoteSink, file: string): void {
  const title = path.basename(file) === INLINE_NAME ? 'untitled' : path.basename(file)
  const info = doc.info
  if (info === null || typeof info !== 'object' || Array.isArray(info)) {
    notes.add(
      'document',
      '/info',
      `the required 'info' object is ${info === undefined ? 'missing' : 'not a mapping'}; doorman calls the API "${title}", version 0.`,
    )
    doc.info = { title, version: '0' }
  } else {
    const fields = info as Record<string, unknown>
    for (const [key, fallback] of [
      ['title', title],
      ['version', '0'],
    ] as const) {
      const value = fields[key]
      if (typeof value === 'string') continue
      // YAML reads `version: 1.0` as a number: the author meant the text.
      const meant = typeof value === 'number' ? String(value) : fallback
      const why = value === undefined ? 'is missing' : `must be a string, got ${JSON.stringify(value)}`
      notes.add('document', `/info/${key}`, `'info.${key}' ${why}; read as "${meant}".`)
      fields[key] = meant
    }
  }
  const paths = doc.paths
  const required = format.kind === 'swagger2' || format.version === '3.0'
  if (paths === undefined && required) {
    const which = format.kind === 'swagger2' ? 'Swagger 2.0' : 'OpenAPI 3.0'
    notes.add('document', '/paths', `the required 'paths' object is missing (${which} requires it); no operation is served.`)
    doc.paths = {}
  } else if (paths !== undefined && (paths === null || typeof paths !== 'object' || Array.isArray(paths))) {
    notes.add('document', '/paths', "'paths' must be a mapping of path templates to path items; no operation is served.")
    doc.paths = {}
  }
}
/** Turns the ref parser's errors into one line naming the file, the `$ref` and what is wrong. */
function refError(error: unknown, file: string): SetupError {
  if (error instanceof SetupError) return error
  const e = error as { message?: string; source?: string; path?: Array<string | number> | null; errors?: unknown[] }
  if (Array.isArray(e.errors) && e.errors.length > 0) return refError(e.errors[0], file)
  const where = e.path ? '/' + e.path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/') : undefined
  const source = e.source ? displayFile({ file: e.source.split('#')[0].replace(/^file:\/\//, '') }) : file
  let message = (e.message ?? String(error)).split('\n')[0]
  // The parser wraps our own YAML errors; keep just ours.
  const ours = /(\S+): (\d+:\d+): (YAML syntax error: .*)$/.exec(message)
  if (ours) return new SetupError(ours[3], { file: ours[1], location: ours[2] })
  message = message
    .replace(/^Error (resolving|opening) \$ref pointer/, 'cannot resolve $ref')
    .replace(/^Missing \$ref pointer "([^"]+)"\. Token "([^"]+)" does not exist\./, "cannot resolve $ref '$1': there is no '$2'")
    // http: false: a spec must not depend on the network to start a mock.
    .replace(
      /^Could not find resolver for "(https?:[^"]+)"$/,
      "cannot resolve $ref '$1': doorman does not fetch $refs over the network; download the file and $ref it by its path",
    )
  if (/ENOENT|no such file/i.test(message)) {
    const target = /"([^"]+)"/.exec(message)?.[1] ?? /open '([^']+)'/.exec(message)?.[1]
    message = `cannot resolve $ref: file not found${target ? ` (${displayPath(target)})` : ''}`
  }
  return new SetupError(message, { file: source, location: where })
}
