import { watch, type FSWatcher } from 'node:fs'
import path from 'node:path'
import type { MockState } from './mock-state.js'
import { displayFile } from './spec/load-spec.js'

/** What one reload attempt came to: `serve --watch` prints one line for each. */
export type ReloadEvent =
  | {
      kind: 'reloaded'
      /** The spec as the user named it (relative to the working directory). */
      spec: string
      operations: number
      /** E.g. run-time fault plans dropped because what they named is gone. */
      notes: string[]
    }
  /** The new files do not load: the mock keeps serving the last good version. `message` names the file, the place and the problem. */
  | { kind: 'failed'; message: string; error: Error }

export interface Reloadable {
  /** Throws (SetupError) and keeps the current state when the files do not load. */
  reload(): Promise<{ state: MockState; notes: string[] }>
  /** The state now being served. */
  readonly state: MockState
}

export interface WatchOptions {
  /** The config file, when the config came from one. */
  configFile?: string
  /** Editors write a file in several steps (truncate, write, rename): wait this long after the last event. Default 100. */
  debounceMs?: number
}

/**
 * `serve --watch`: reloads the mock when its spec, a file the spec `$ref`s, or
 * its config file changes. Directories are watched rather than files: editors
 * that save by writing a new file and renaming it over the old one (vim, most
 * IDEs) would leave a watch on a file that no longer exists. A change that
 * arrives during a reload triggers one more reload when it is done.
 */
export function watchMock(mock: Reloadable, onEvent: (event: ReloadEvent) => void, options: WatchOptions = {}): { close(): void } {
  const debounceMs = options.debounceMs ?? 100
  const configFile = options.configFile === undefined ? undefined : path.resolve(options.configFile)
  const watchers = new Map<string, FSWatcher>()
  let files = new Set<string>()
  let timer: NodeJS.Timeout | undefined
  let reloading = false
  let again = false
  let closed = false

  const follow = (state: MockState) => {
    files = new Set([...state.spec.files, ...(configFile ? [configFile] : [])])
    const dirs = new Set([...files].map((file) => path.dirname(file)))
    for (const [dir, watcher] of watchers) {
      if (dirs.has(dir)) continue
      watcher.close()
      watchers.delete(dir)
    }
    for (const dir of dirs) {
      if (watchers.has(dir)) continue
      try {
        const watcher = watch(dir, { persistent: false }, (_event, name) => {
          // Linux and macOS name the file; where the platform does not, any change counts.
          if (name === null || files.has(path.join(dir, name.toString()))) schedule()
        })
        // A watched directory that is removed: nothing left to reload from there.
        watcher.on('error', () => watchers.delete(dir))
        watchers.set(dir, watcher)
      } catch {
        // A directory that cannot be watched (gone already): the other files still are.
      }
    }
  }

  const schedule = () => {
    if (closed) return
    clearTimeout(timer)
    // reload() reports its own failures through onEvent.
    timer = setTimeout(() => void reload(), debounceMs)
  }

  const reload = async () => {
    if (reloading) {
      again = true
      return
    }
    reloading = true
    try {
      const { state, notes } = await mock.reload()
      follow(state)
      if (!closed) onEvent({ kind: 'reloaded', spec: displayFile(state.spec), operations: state.table.operations.length, notes })
    } catch (error) {
      if (!closed) onEvent({ kind: 'failed', message: (error as Error).message, error: error as Error })
    } finally {
      reloading = false
      if (again && !closed) {
        again = false
        void reload()
      }
    }
  }

  follow(mock.state)
  return {
    close() {
      closed = true
      clearTimeout(timer)
      for (const watcher of watchers.values()) watcher.close()
      watchers.clear()
    },
  }
}
