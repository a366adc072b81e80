import { InvalidArgumentError, type Command } from 'commander'
import type { Settings } from '../../shared/schemas'
import { readSettingsFile, saveSettings } from '../core/settings'

/** Parses a whole, non-negative number from a flag, naming the flag when it is not one. */
export function wholeNumber(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${flag} expects a whole number, got "${value}"`)
    return Number(value)
  }
}

/** Parses a number from a flag, naming the flag when it is not one. */
export function decimalNumber(flag: string) {
  return (value: string): number => {
    const number = Number(value)
    if (value.trim() === '' || !Number.isFinite(number)) throw new InvalidArgumentError(`${flag} expects a number, got "${value}"`)
    return number
  }
}

/** Adds the flags that choose the folders; every command needs the data folder. */
export function addFolderOptions(command: Command): Command {
  return command
    .option('--data <dir>', 'data folder: job store, settings.json, job-types.json, logs (default: $PUI_MONITOR_DATA or the per-user data folder)')
    .option('--index <dir>', 'index folder to watch (default: <data>/index)')
    .option('--archive <dir>', 'archive folder (default: <data>/archive)')
}

/** Adds the flags that tune the pipeline. */
export function addPipelineOptions(command: Command): Command {
  return command
    .option('--stability-ms <ms>', 'milliseconds a file must stay unchanged before it is taken (default 2000)', wholeNumber('--stability-ms'))
    .option('--polling', 'poll the index folder instead of using OS events (network shares)')
    .option('--poll-interval-ms <ms>', 'polling interval in milliseconds (default 1000)', wholeNumber('--poll-interval-ms'))
    .option('--sweep-interval-ms <ms>', 'milliseconds between full scans of the index folder (default 60000)', wholeNumber('--sweep-interval-ms'))
    .option('--concurrency <n>', 'jobs processed at the same time (default 4)', wholeNumber('--concurrency'))
    .option(
      '--retention-days <days>',
      'days of job history kept in the store; older days are retired with their accounting totals kept, 0 keeps everything (default 400)',
      wholeNumber('--retention-days'),
    )
    .option('--backup-retries <n>', 'automatic retries of a failed backup (default 3)', wholeNumber('--backup-retries'))
    .option('--retry-min-delay-ms <ms>', 'first delay between backup retries in milliseconds (default 500)', wholeNumber('--retry-min-delay-ms'))
    .option('--retry-max-delay-ms <ms>', 'longest delay between backup retries in milliseconds (default 10000)', wholeNumber('--retry-max-delay-ms'))
}

export interface FolderFlags {
  data?: string
  index?: string
  archive?: string
}

export interface PipelineFlags extends FolderFlags {
  stabilityMs?: number
  polling?: boolean
  pollIntervalMs?: number
  sweepIntervalMs?: number
  concurrency?: number
  retentionDays?: number
  backupRetries?: number
  retryMinDelayMs?: number
  retryMaxDelayMs?: number
}

/** Maps command-line flags onto settings overrides; unset flags leave the settings file or defaults in force. */
export function settingsFromFlags(flags: PipelineFlags): Partial<Settings> {
  return {
    dataDir: flags.data,
    indexDir: flags.index,
    archiveDir: flags.archive,
    stabilityWindowMs: flags.stabilityMs,
    usePolling: flags.polling,
    pollIntervalMs: flags.pollIntervalMs,
    sweepIntervalMs: flags.sweepIntervalMs,
    concurrency: flags.concurrency,
    retentionDays: flags.retentionDays,
    backupRetries: flags.backupRetries,
    backupRetryMinDelayMs: flags.retryMinDelayMs,
    backupRetryMaxDelayMs: flags.retryMaxDelayMs,
  }
}

/**
 * Saves folders given as flags into the data folder's settings.json, so later commands on the same data folder
 * (`retry-backup`, `watch`) use the same index and archive folders without repeating the flags.
 */
export async function rememberFolders(settings: Settings, flags: FolderFlags): Promise<Settings> {
  if (!flags.index && !flags.archive) return settings
  const saved = await readSettingsFile(settings.dataDir)
  if (saved.indexDir === settings.indexDir && saved.archiveDir === settings.archiveDir) return settings
  return saveSettings(settings, { indexDir: settings.indexDir, archiveDir: settings.archiveDir })
}
