import type { CoreLogger } from '../../main/core/logger'

/** A logger that keeps every line as `<level> <message>`, and the warnings and errors also on their own. */
export interface RecordingLogger extends CoreLogger {
  lines: string[]
  warnings: string[]
  errors: string[]
}

/** Returns a logger that records what it is given, for assertions on log lines. */
export function recordingLogger(): RecordingLogger {
  const lines: string[] = []
  const warnings: string[] = []
  const errors: string[] = []
  const record = (level: string, own?: string[]) => (...args: unknown[]) => {
    const message = args.map(String).join(' ')
    lines.push(`${level} ${message}`)
    own?.push(message)
  }
  return { lines, warnings, errors, debug: record('debug'), info: record('info'), warn: record('warn', warnings), error: record('error', errors) }
}
