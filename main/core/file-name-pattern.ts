import { createContext, Script } from 'node:vm'

/** Maximum time a pattern from `job-types.json` may run on one file name, in milliseconds. */
export const PATTERN_TIME_LIMIT_MS = 100

/** Raised when a pattern runs longer than `PATTERN_TIME_LIMIT_MS` on one file name. */
export class PatternTimeoutError extends Error {
  override name = 'PatternTimeoutError'
}

/** Named groups of a match, or undefined when the pattern does not match. */
export type PatternGroups = Record<string, string | undefined> | undefined

// One context serves every limited pattern: the script only reads the two globals that `exec` sets just before.
const sandbox = createContext({ pattern: /(?:)/, input: '' })
const execInSandbox = new Script('pattern.exec(input)?.groups')

/**
 * A job type's file name pattern, compiled once. A pattern such as `^(?<client>(a|a)*)$` backtracks exponentially on
 * a name that almost matches, and one such file name would block the whole process. Untrusted patterns (from
 * `job-types.json`) therefore run in a `node:vm` script with a time limit, which V8 interrupts even inside a regular
 * expression. Trusted patterns (the built-in ones) run directly, because a limited call costs about 0.1 ms (measured
 * with Node 20 on a 2-core machine), which is far more than the match itself.
 */
export class FileNamePattern {
  private readonly regex: RegExp

  constructor(
    readonly source: string,
    private readonly trusted: boolean,
  ) {
    this.regex = new RegExp(source)
  }

  /** Returns the named groups of a match, or undefined. Throws PatternTimeoutError past the time limit. */
  exec(fileName: string): PatternGroups {
    if (this.trusted) return this.regex.exec(fileName)?.groups

    sandbox.pattern = this.regex
    sandbox.input = fileName
    try {
      const groups = execInSandbox.runInContext(sandbox, { timeout: PATTERN_TIME_LIMIT_MS }) as PatternGroups
      return groups === undefined ? undefined : { ...groups }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw error
      throw new PatternTimeoutError(`pattern ${this.source} ran longer than ${PATTERN_TIME_LIMIT_MS} ms on ${fileName}`)
    } finally {
      sandbox.input = ''
    }
  }
}
