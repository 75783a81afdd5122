/**
 * Start-up notes: a mistake in the user's document (or something doorman
 * cannot check) that the mock works around instead of refusing to start.
 * Each says where (file and JSON pointer) and what doorman does instead.
 */
export interface Note {
  /**
   * What sort of thing it is, for grouping in `doorman check` and for
   * `--strict`: 'route', 'parameter', 'pattern', 'schema', 'ref', 'security',
   * 'server', 'format', 'dialect', 'response', 'body', 'document', 'auth', …
   */
  kind: string
  /** `openapi.yaml: /paths/~1orders/post`, the file alone, or '' for a note about the config. */
  where: string
  message: string
}

/** Where a note about many places points: the first, and how many more (`/a (and 2 more places)`). */
export function places(pointers: readonly string[]): string {
  return pointers.length === 1 ? pointers[0] : `${pointers[0]} (and ${pointers.length - 1} more place${pointers.length > 2 ? 's' : ''})`
}

export function formatNote(note: Note): string {
  return note.where ? `${note.where}: ${note.message}` : note.message
}

/**
 * Collects notes about one document. `toSource` maps a pointer into the
 * document doorman serves back to the user's own file (a Swagger 2.0 document
 * is upgraded at load time, and notes must point into what the user wrote).
 */
export class NoteSink {
  readonly list: Note[] = []
  constructor(
    readonly file: string,
    private readonly toSource: (pointer: string) => string = (pointer) => pointer,
  ) {}

  /**
   * `pointer` '' is the whole document. `inFile` names another file (one the
   * document `$ref`s), whose pointers are its own and are not mapped.
   */
  add(kind: string, pointer: string, message: string, inFile?: string): void {
    const at = pointer === '' || inFile !== undefined ? pointer : this.toSource(pointer)
    const file = inFile ?? this.file
    this.list.push({ kind, where: at ? `${file}: ${at}` : file, message })
  }

  /** A note about the config or the mock as a whole, not a place in the document. */
  general(kind: string, message: string): void {
    this.list.push({ kind, where: '', message })
  }
}

/**
 * Notes grouped by kind, for `doorman check` and `serve`: a 1,000-path
 * description must not print 3,000 lines. The first `perKind` of each kind
 * are shown, then a count of the rest; `verbose` shows all.
 */
export function groupNotes(notes: readonly Note[], { perKind = 5, verbose = false } = {}): string[] {
  const byKind = new Map<string, Note[]>()
  for (const note of notes) {
    const group = byKind.get(note.kind)
    if (group) group.push(note)
    else byKind.set(note.kind, [note])
  }
  const lines: string[] = []
  for (const [kind, group] of byKind) {
    const shown = verbose ? group : group.slice(0, perKind)
    for (const note of shown) lines.push(formatNote(note))
    if (shown.length < group.length) {
      lines.push(`… and ${group.length - shown.length} more '${kind}' note${group.length - shown.length === 1 ? '' : 's'} (--verbose lists them all)`)
    }
  }
  return lines
}

/** Notes that point into the document (not the config or doorman itself): what `--strict` fails on. */
export function documentNotes(notes: readonly Note[]): Note[] {
  return notes.filter((note) => note.where !== '')
}

/** `12 notes: 7 route, 5 ref` — the count of each kind, most frequent first. */
export function summarizeNotes(notes: readonly Note[]): string {
  const counts = new Map<string, number>()
  for (const note of notes) counts.set(note.kind, (counts.get(note.kind) ?? 0) + 1)
  const kinds = [...counts].sort((a, b) => b[1] - a[1]).map(([kind, count]) => `${count} ${kind}`)
  return `${notes.length} note${notes.length === 1 ? '' : 's'}: ${kinds.join(', ')}`
}
