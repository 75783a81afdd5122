import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SetupError } from '../setup-error.js'
import type { NoteSink } from './notes.js'
import { decodePointerToken, encodePointerToken, resolvePointer } from './refs.js'
import { standIn } from './ref-stand-ins.js'
import { notRegularFile } from '../util/regular-file.js'
import { TREE_BUDGET } from '../util/deep-copy.js'

/**
 * Finds every `$ref` that cannot be resolved (a missing file, a file that is
 * not YAML/JSON, a pointer to nothing, a remote URL: doorman works offline,
 * a circular chain) before the bundler sees the document, and puts a
 * stand-in where it was, with a note. A broken `$ref` then costs the check
 * it stood for, never the start: a schema accepts anything, a parameter is
 * not read, a response has no body.
 */

/** One `$ref` where it sits: in `file`, at `tokens`, as `holder[key]`. */
export interface RefSite {
  file: string
  /** The object that holds the `$ref`. */
  node: object
  holder: Record<string, unknown> | unknown[]
  key: string | number
  tokens: string[]
  ref: string
}

type Target = { ok: true; file: string; value: unknown } | { ok: false; reason: string }

export interface RefScan {
  /** True when a `$ref` into another file is left: the document needs bundling. */
  external: boolean
  /** Every file read (or looked for: creating a missing one fixes the spec), for `serve --watch`. */
  files: string[]
  /** Parsed files by absolute path, with their stand-ins in place: the bundler reads these, not the disk again. */
  parsed: Map<string, unknown>
}

type Parse = (text: string, shownFile: string) => unknown

export async function replaceUnresolvableRefs(
  root: unknown,
  rootFile: string,
  notes: NoteSink,
  parse: Parse,
  show: (file: string) => string,
): Promise<RefScan> {
  const parsed = new Map<string, unknown>([[rootFile, root]])
  const failed = new Map<string, string>()
  const looked = new Set<string>()
  // Schemas' `$id`s: a `$ref` to one is a name ajv resolves, not a URL to fetch.
  const ids = new Set<string>()

  async function load(file: string): Promise<void> {
    if (parsed.has(file) || failed.has(file)) return
    looked.add(file)
    let text: string
    // Before it is opened: a FIFO would block the open, /dev/zero the read, forever.
    const special = await notRegularFile(file)
    if (special !== undefined) {
      failed.set(file, `${show(file)} ${special}`)
      return
    }
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      failed.set(
        file,
        (error as NodeJS.ErrnoException).code === 'ENOENT' ? `there is no file ${show(file)}` : `${show(file)} cannot be read (${(error as Error).message})`,
      )
      return
    }
    try {
      parsed.set(file, parse(text, show(file)))
    } catch (error) {
      failed.set(file, error instanceof SetupError ? `${error.message}` : `${show(file)} is not YAML or JSON`)
    }
  }

  // Most documents are one file whose $refs all resolve: one quick pass says so (the walk below costs 3x as much on GitHub's).
  const local = localRefs(root)
  if (local && [...local].every((ref) => follow(ref, rootFile).ok)) return { external: false, files: [], parsed }

  // Files are walked as they are found; a site is judged once every file it may lead to is read.
  const sites: RefSite[] = []
  const walked = new Set<string>()
  const pending = [rootFile]
  let file: string | undefined
  while ((file = pending.pop()) !== undefined) {
    if (walked.has(file)) continue
    walked.add(file)
    const found = collectRefs(parsed.get(file), file, ids)
    sites.push(...found)
    for (const site of found) {
      const target = targetFile(site.ref, site.file)
      if (target === undefined || target === file) continue
      await load(target)
      if (parsed.has(target)) pending.push(target)
    }
  }

  function targetFile(ref: string, from: string): string | undefined {
    const base = ref.split('#')[0]
    if (base === '') return from
    if (/^file:/i.test(base)) return fileURLToPath(base)
    if (/^[a-z][a-z\d+.-]*:/i.test(base)) return undefined
    let decoded = base
    try {
      decoded = decodeURI(base)
    } catch {
      // a bare '%': the name as written
    }
    return path.resolve(path.dirname(from), decoded)
  }

  /** Where one `$ref` leads, following the target while it is itself a `$ref`. */
  function follow(ref: string, from: string): Target {
    const chain = new Set<string>()
    let current = ref
    let file = from
    for (;;) {
      const base = current.split('#')[0]
      const fragment = current.includes('#') ? current.slice(current.indexOf('#') + 1) : ''
      const targetPath = targetFile(current, file)
      if (targetPath === undefined) {
        // A schema's own `$id` is a name, not a place: ajv resolves those without the network.
        if (ids.has(base)) return { ok: true, file, value: {} }
        return { ok: false, reason: 'doorman does not fetch $refs over the network (download the file and $ref it by its path)' }
      }
      const key = `${targetPath}#${fragment}`
      if (chain.has(key)) return { ok: false, reason: 'the $ref chain is circular' }
      chain.add(key)
      const failure = failed.get(targetPath)
      if (failure !== undefined) return { ok: false, reason: failure }
      const doc = parsed.get(targetPath)
      if (doc === undefined) return { ok: false, reason: `there is no file ${show(targetPath)}` }
      let value: unknown
      if (fragment === '') value = doc
      else if (fragment.startsWith('/')) value = resolvePointer(doc, `#${fragment}`)
      else return hasAnchor(doc, fragment) ? { ok: true, file: targetPath, value: {} } : { ok: false, reason: `there is no $anchor '${fragment}'` }
      if (value === undefined) {
        const where = targetPath === from && base === '' ? '' : ` in ${show(targetPath)}`
        return { ok: false, reason: `there is no '${missingPart(doc, fragment)}'${where}` }
      }
      if (value === null || typeof value !== 'object') {
        if (typeof value === 'boolean') return { ok: true, file: targetPath, value }
        return { ok: false, reason: `it points at ${JSON.stringify(value)}, not at an object` }
      }
      const next = (value as { $ref?: unknown }).$ref
      if (typeof next !== 'string') return { ok: true, file: targetPath, value }
      current = next
      file = targetPath
    }
  }

  // Stand-ins change what later $refs find (a dropped parameter component): judge again until nothing changes.
  // List entries (parameters) are taken out at the end, so that no index moves while sites are judged.
  const dropped = new Map<unknown[], Set<object>>()
  let live = sites
  for (let round = 0; round < 8 && live.length > 0; round++) {
    const judged = new Map<string, Target>()
    const broken: Array<{ site: RefSite; reason: string }> = []
    for (const site of live) {
      const key = `${site.file}\0${site.ref}`
      let target = judged.get(key)
      if (target === undefined) judged.set(key, (target = follow(site.ref, site.file)))
      if (!target.ok) broken.push({ site, reason: target.reason })
    }
    if (broken.length === 0) break
    for (const { site, reason } of broken) {
      const what = standIn(site, dropped)
      notes.add('ref', pointerOf(site.tokens), `cannot resolve $ref '${site.ref}': ${reason}; ${what}.`, site.file === rootFile ? undefined : show(site.file))
    }
    const gone = new Set(broken.map((b) => b.site))
    live = live.filter((site) => !gone.has(site))
  }
  for (const [list, nodes] of dropped) {
    const kept = list.filter((entry) => !nodes.has(entry as object))
    list.splice(0, list.length, ...kept)
  }

  let external = false
  for (const site of live) {
    const target = targetFile(site.ref, site.file)
    if (target !== undefined && target !== rootFile) external = true
  }
  return { external, files: [...looked], parsed }
}

/** Every distinct `$ref` in `root`, or undefined when one is not a JSON pointer into the document itself. */
function localRefs(root: unknown): Set<string> | undefined {
  // A parsed document is a tree: walked without remembering what was seen (a set of GitHub's 90,000 objects costs
  // as much as the walk). One that shares objects, or is circular, runs out of the budget and is walked again.
  const once = walkRefs(root, false)
  return once === null ? (walkRefs(root, true) as Set<string> | undefined) : once
}

/** The local `$ref`s, undefined where one is not local; `null` where a walk without `seen` ran out of its budget. */
// Walks like DiscriminatorNarrowing's #reachable (src/spec/discriminator.ts; `duplicates` pairs them), but stops at a
// non-local $ref instead of following it: the two loops share only their shape.
function walkRefs(root: unknown, remember: boolean): Set<string> | undefined | null {
  const refs = new Set<string>()
  const seen = remember ? new Set<object>() : undefined
  const stack: unknown[] = [root]
  let budget = TREE_BUDGET
  while (stack.length > 0) {
    const node = stack.pop()
    if (node === null || typeof node !== 'object') continue
    if (seen !== undefined) {
      if (seen.has(node)) continue
      seen.add(node)
    } else if (--budget < 0) return null
    const ref = (node as { $ref?: unknown }).$ref
    if (typeof ref === 'string') {
      if (ref !== '#' && !ref.startsWith('#/')) return undefined
      refs.add(ref)
    }
    // for…in, not Object.values: an array per object of GitHub's 90,000 made V8 grow its young generation by ~10 MB of RSS.
    for (const key in node) {
      const value = (node as Record<string, unknown>)[key]
      if (value !== null && typeof value === 'object') stack.push(value)
    }
  }
  return refs
}

function pointerOf(tokens: string[]): string {
  return tokens.map((t) => '/' + encodePointerToken(t)).join('')
}

/** What is not there: the last token (`'Itme'`), or the first missing part of the pointer (`'/components/parameters'`). */
function missingPart(doc: unknown, fragment: string): string {
  const tokens = fragment.slice(1).split('/')
  for (let i = 1; i < tokens.length; i++) {
    const prefix = '/' + tokens.slice(0, i).join('/')
    if (resolvePointer(doc, `#${prefix}`) === undefined) return prefix
  }
  return decodePointerToken(tokens[tokens.length - 1])
}

function hasAnchor(doc: unknown, anchor: string): boolean {
  let found = false
  walk(doc, (node) => {
    if ((node as { $anchor?: unknown }).$anchor === anchor || (node as { $dynamicAnchor?: unknown }).$dynamicAnchor === anchor) found = true
  })
  return found
}

function walk(root: unknown, visit: (node: object) => void): void {
  const seen = new Set<object>()
  const stack = [root]
  while (stack.length > 0) {
    const node = stack.pop()
    if (node === null || typeof node !== 'object' || seen.has(node)) continue
    seen.add(node)
    visit(node)
    for (const value of Object.values(node)) if (value !== null && typeof value === 'object') stack.push(value)
  }
}

/** Every `$ref` string in `doc` with where it sits; `ids` collects the schemas' `$id`s. */
function collectRefs(doc: unknown, file: string, ids: Set<string>): RefSite[] {
  const sites: RefSite[] = []
  const seen = new Set<object>()
  const tokens: string[] = []
  const visit = (node: unknown, holder: Record<string, unknown> | unknown[] | undefined, key: string | number | undefined, underId: boolean): void => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return
    seen.add(node)
    const ref = (node as { $ref?: unknown }).$ref
    const id = (node as { $id?: unknown }).$id
    if (typeof id === 'string') ids.add(id.split('#')[0])
    // Inside a schema with its own `$id`, relative $refs resolve against that id: ajv's business, not a file's.
    const scoped = underId || typeof id === 'string'
    if (typeof ref === 'string' && holder !== undefined && key !== undefined && !(scoped && !ref.startsWith('#'))) {
      sites.push({ file, node, holder, key, tokens: [...tokens], ref })
    }
    if (Array.isArray(node)) {
      node.forEach((child, index) => {
        tokens.push(String(index))
        visit(child, node, index, scoped)
        tokens.pop()
      })
      return
    }
    for (const [childKey, child] of Object.entries(node)) {
      if (child === null || typeof child !== 'object') continue
      tokens.push(childKey)
      visit(child, node as Record<string, unknown>, childKey, scoped)
      tokens.pop()
    }
  }
  visit(doc, undefined, undefined, false)
  return sites
}
