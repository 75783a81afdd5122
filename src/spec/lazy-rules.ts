import type { ValidateFunction } from 'ajv'
import { SetupError } from '../setup-error.js'
import type { OperationRules } from './compile-rules.js'
import type { LoadedSpec } from './load-spec.js'
import type { Note } from './notes.js'
import type { Operation } from './route-table.js'

/** How long one slice of idle compilation may hold the event loop: a request that arrives meanwhile waits at most this (plus one compile). */
const IDLE_SLICE_MS = 8
/** Idle: no request for this long. A client that sends one request after another is never made to wait for a compile. */
const QUIET_MS = 50

/**
 * Request validators compiled when first called, not at start-up: ajv took
 * over a second to compile those of GitHub's 1,100 operations, and the first
 * request to an operation pays only for its own (under a millisecond for
 * most, tens of ms for the largest bodies). The rest
 * are compiled in idle time after listening (`compileInIdleTime`), a slice
 * at a time between requests. A validator is never a weaker one: until it
 * is compiled, calling it compiles it.
 *
 * A schema ajv cannot compile is a note, not a refusal to start (or a 500):
 * that validator accepts anything, and the note says so.
 */
export class LazyValidators {
  readonly #spec: LoadedSpec
  readonly #pending: Array<() => void> = []
  #next = 0
  /** Told of each note a compile makes once the server listens (set then): on first use, or in idle time. */
  onLateNote: ((note: Note) => void) | undefined

  constructor(spec: LoadedSpec) {
    this.#spec = spec
  }

  /** Validators not compiled yet. */
  get pending(): number {
    return this.#pending.length - this.#next
  }

  /** A validator that compiles itself (with `compile`) on its first call; `pointer` and `what` name it in a note if that fails. */
  wrap(compile: () => ValidateFunction, pointer: string, what: string): ValidateFunction {
    let compiled: ValidateFunction | undefined
    const ensure = (): ValidateFunction => {
      if (compiled === undefined) {
        // What compiling notes (ajv's warnings, a schema it cannot compile) is told on as well: it comes after start-up.
        const before = this.#spec.notes.list.length
        try {
          compiled = compile()
        } catch (error) {
          compiled = acceptAnything
          this.#spec.notes.add('schema', pointer, `${what} cannot be compiled (${reason(error)}), so requests are not checked against it: any value passes.`)
        }
        for (const note of this.#spec.notes.list.slice(before)) this.onLateNote?.(note)
      }
      return compiled
    }
    const validate = ((data: unknown): boolean => {
      const real = compiled ?? ensure()
      const valid = real(data)
      validate.errors = real.errors
      return valid
    }) as ValidateFunction
    validate.errors = null
    this.#pending.push(ensure)
    return validate
  }

  /** Compiles every validator now (`doorman check`, which must list every note). */
  compileAll(): void {
    while (this.#next < this.#pending.length) this.#pending[this.#next++]()
  }

  /**
   * Compiles the validators no request has needed yet, in idle time: only
   * once no request has arrived for QUIET_MS (`lastActivity` says when one
   * last did), and then a slice at a time in `setImmediate` callbacks, each
   * run after the event loop has read the sockets. A request that arrives
   * meanwhile waits for one compile at most. Returns a function that stops
   * (on close, or when a reload replaces the rules).
   */
  compileInIdleTime(lastActivity: () => number): () => void {
    let timer: { kind: 'timeout'; id: NodeJS.Timeout } | { kind: 'immediate'; id: NodeJS.Immediate } | undefined
    const slice = () => {
      const quietFor = performance.now() - lastActivity()
      if (quietFor < QUIET_MS) {
        timer = { kind: 'timeout', id: setTimeout(slice, QUIET_MS - quietFor).unref() }
        return
      }
      const until = performance.now() + IDLE_SLICE_MS
      while (this.#next < this.#pending.length && performance.now() < until) this.#pending[this.#next++]()
      if (this.#next < this.#pending.length) {
        timer = { kind: 'immediate', id: setImmediate(slice).unref() }
        return
      }
      timer = undefined
      // What is compiled lets go of what compiled it.
      this.#pending.length = 0
      this.#next = 0
    }
    timer = { kind: 'immediate', id: setImmediate(slice).unref() }
    return () => {
      if (timer?.kind === 'timeout') clearTimeout(timer.id)
      else if (timer?.kind === 'immediate') clearImmediate(timer.id)
      timer = undefined
    }
  }
}

/** The rules of each operation (src/spec/compile-rules.ts), whose validators compile on first use. */
export class OperationRuleMap extends Map<Operation, OperationRules> {
  constructor(readonly validators: LazyValidators) {
    super()
  }
}

const acceptAnything = Object.assign(() => true, { errors: null }) as unknown as ValidateFunction

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  if (!(error instanceof SetupError)) return error.message.split('\n')[0]
  // The note names the place: keep only what is wrong.
  const prefix = [error.file, error.location].filter(Boolean).join(': ')
  return (prefix && error.message.startsWith(`${prefix}: `) ? error.message.slice(prefix.length + 2) : error.message).replace(/^invalid schema: /, '')
}

/** Starts compiling `rules`' validators in idle time (they are an OperationRuleMap); returns what stops it. */
export function compileInIdleTime(rules: Map<Operation, OperationRules>, lastActivity: () => number, onLateNote: (note: Note) => void): () => void {
  if (!(rules instanceof OperationRuleMap)) return () => {}
  rules.validators.onLateNote = onLateNote
  return rules.validators.compileInIdleTime(lastActivity)
}

/** Compiles every validator of `rules` now; `onNote` hears of each that fails. */
export function compileAllRules(rules: Map<Operation, OperationRules>, onNote: (note: Note) => void): void {
  if (!(rules instanceof OperationRuleMap)) return
  rules.validators.onLateNote = onNote
  rules.validators.compileAll()
}
