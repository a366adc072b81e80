import { join } from 'node:path'
import log from 'electron-log/node'

/** The logging surface the core uses; electron-log's logger satisfies it and tests may pass their own. */
export interface CoreLogger {
  debug(...args: unknown[]): void
  info(...args: unknown[]): void
  warn(...args: unknown[]): void
  error(...args: unknown[]): void
}

/** Size at which electron-log rotates `main.log` to `main.old.log`, in bytes. */
const LOG_FILE_MAX_BYTES = 5 * 1024 * 1024

let instanceCount = 0

/**
 * Escapes the characters that could forge or garble a log line: CR, a line break that does not start an indented line
 * (stack traces indent theirs), ESC and the other C0 controls. Each becomes `\xNN`, so a file name such as
 * `a\n[2026-01-01 00:00:00.000] [error] forged` cannot start a log line of its own.
 */
export function escapeLogText(text: string): string {
  return text.replace(/\r|\n(?![ \t])|[\u0000-\u0008\u000b-\u001f\u007f]/g, (character) => `\\x${character.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

/**
 * Creates a logger that writes to `<dataDir>/logs/main.log` (rotated at 5 MiB). The console transport prints
 * warnings and errors only when `console` is set, because the command line prints its own lines.
 */
export function createLogger(dataDir: string, options: { console?: boolean; prefix?: string } = {}): CoreLogger {
  instanceCount += 1
  const logger = log.create({ logId: `pui-monitor-${instanceCount}` })
  const prefix = options.prefix ?? 'core'

  logger.transports.file.resolvePathFn = () => join(dataDir, 'logs', 'main.log')
  logger.transports.file.maxSize = LOG_FILE_MAX_BYTES
  logger.transports.file.format = `[{y}-{m}-{d} {h}:{i}:{s}.{ms}] [{level}] [${prefix}] {text}`
  logger.transports.console.level = options.console ? 'warn' : false
  logger.errorHandler.stopCatching()
  logger.hooks.push((message) => ({
    ...message,
    data: message.data.map((item: unknown) => (typeof item === 'string' ? escapeLogText(item) : item)),
  }))

  return logger
}

/** A logger that drops everything, for callers that have not set a data folder yet. */
export const silentLogger: CoreLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
}

/** Returns the file the logger of `dataDir` writes to. */
export function logFilePath(dataDir: string): string {
  return join(dataDir, 'logs', 'main.log')
}
