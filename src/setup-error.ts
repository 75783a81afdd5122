/**
 * A problem with what doorman was given to start with (spec, config, CLI
 * arguments). The CLI prints `message` alone and exits with code 2: the user
 * fixes their file, no stack trace helps them.
 */
export class SetupError extends Error {
  override readonly name = 'SetupError'
  readonly file: string | undefined
  /** `line:column` or a JSON pointer inside `file`. */
  readonly location: string | undefined

  constructor(problem: string, where: { file?: string; location?: string } = {}) {
    const prefix = [where.file, where.location].filter(Boolean).join(': ')
    super(prefix ? `${prefix}: ${problem}` : problem)
    this.file = where.file
    this.location = where.location
  }
}
