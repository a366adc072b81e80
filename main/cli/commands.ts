import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import type { Job } from '../../shared/job'
import { isUnacknowledgedFailure } from '../../shared/job-row'
import { reportToCsv, reportToJson, buildAccountingReport } from '../core/accounting'
import { AcknowledgeNotAllowedError, RetryNotAllowedError } from '../core/backup-helper'
import { JobStore, SINGLE_FILE_NAME, STORE_FOLDER_NAME, StoreError } from '../core/job-store'
import { JobTypesError } from '../core/job-types'
import { createLogger, logFilePath } from '../core/logger'
import { Monitor } from '../core/monitor'
import { defaultDataDir, resolveSettings, SettingsError } from '../core/settings'
import { EXIT, exitCodeFor } from './exit-codes'
import { addFolderOptions, addPipelineOptions, decimalNumber, rememberFolders, settingsFromFlags, wholeNumber, type FolderFlags, type PipelineFlags } from './options'
import { createProgress } from './progress'
import { simulate } from './simulate'
import { SimulateOptionsError } from './simulate-options'
import { DEFAULT_SERVE_HOST, DEFAULT_SERVE_PORT, portNumber, serveCommand, type ServeFlags } from '../serve/serve-command'

/** Seed of `simulate` when none is given, so the same command writes the same files. */
const DEFAULT_SEED = 1

const DATE_FLAG = /^\d{4}-\d{2}-\d{2}$/

function cycleDate(flag: string) {
  return (value: string): string => {
    const compact = /^\d{8}$/.test(value) ? `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6)}` : value
    const parsed = new Date(`${compact}T00:00:00Z`)
    if (!DATE_FLAG.test(compact) || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== compact) {
      throw new InvalidArgumentError(`${flag} expects a date as YYYY-MM-DD, got "${value}"`)
    }
    return compact
  }
}

/**
 * Returns a file name fit for a terminal line: control characters become `\xNN`, so a name cannot move the
 * cursor or split the line, and a name with spaces at either end is quoted.
 */
export function printableName(name: string): string {
  const escaped = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, (character) => `\\x${character.charCodeAt(0).toString(16).padStart(2, '0')}`)
  return escaped !== escaped.trim() ? JSON.stringify(escaped) : escaped
}

/** Formats one line per job change for `watch` and `run --once`. */
export function describeJob(job: Job): string {
  const error = job.error ? ` — ${printableName(job.error.message)}` : ''
  const lastAttempt = job.backupAttempts.at(-1)?.message ?? 'backup failed'
  const backup = job.archivalStatus === 'BACKUP_FAILURE' ? ` — ${printableName(lastAttempt)}` : ''
  return `${new Date().toISOString()} ${job.id} ${printableName(job.fileName)} ${job.status} ${job.archivalStatus}${error}${backup}`
}

async function openMonitor(flags: PipelineFlags): Promise<Monitor> {
  const settings = await rememberFolders(await resolveSettings(settingsFromFlags(flags)), flags)
  const logger = createLogger(settings.dataDir, { console: false, prefix: 'cli' })
  const monitor = await Monitor.open(settings, { logger })
  if (monitor.storeRecovery) process.stderr.write(`warning: ${monitor.storeRecovery.message}\n`)
  return monitor
}

async function watchCommand(flags: PipelineFlags): Promise<number> {
  const monitor = await openMonitor(flags)
  printStatusChanges(monitor, { settledOnly: false })
  monitor.subscribe((event) => {
    if (event.type === 'index-folder-missing') process.stderr.write(`warning: ${event.message}\n`)
    else if (event.type === 'index-folder-restored') process.stderr.write(`index folder ${event.path} is back\n`)
  })
  await monitor.start()
  process.stderr.write(`watching ${monitor.settings.indexDir}; archive ${monitor.settings.archiveDir}; press Ctrl+C to stop\n`)

  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  process.stderr.write('stopping: letting running jobs finish\n')
  await monitor.stop()
  return EXIT.ok
}

async function runOnceCommand(flags: PipelineFlags & { quiet?: boolean }): Promise<number> {
  const monitor = await openMonitor(flags)
  const progress = createProgress('jobs')
  if (!flags.quiet) printStatusChanges(monitor, { settledOnly: true })
  const failedMoveJobIds = new Set<string>()
  monitor.subscribe((event) => {
    if (event.type === 'error' && event.jobId !== undefined) failedMoveJobIds.add(event.jobId)
  })
  await monitor.runOnce((done, total) => progress.update(done, total))
  progress.stop()

  const jobs = [...monitor.touchedJobIds].map((id) => monitor.job(id)).filter((job): job is Job => job !== undefined)
  printRunSummary(jobs, failedMoveJobIds.size)
  return exitCodeFor(jobs, failedMoveJobIds)
}

/**
 * Prints one line each time a job's main or archival status changes (log lines and attempt records alone print
 * nothing), and every error event on standard error.
 */
function printStatusChanges(monitor: Monitor, options: { settledOnly: boolean }): void {
  const printed = new Map<string, string>()
  monitor.subscribe((event) => {
    if (event.type === 'error') process.stderr.write(`warning: ${event.message}\n`)
    if (event.type !== 'job-changed' || (options.settledOnly && !isSettled(event.job))) return
    const outcome = `${event.job.status} ${event.job.archivalStatus}`
    if (printed.get(event.job.id) === outcome) return
    printed.set(event.job.id, outcome)
    process.stdout.write(`${describeJob(event.job)}\n`)
  })
}

function isSettled(job: Job): boolean {
  return job.status !== 'PENDING' && job.status !== 'RUNNING' && job.archivalStatus !== 'PENDING' && job.archivalStatus !== 'IN_PROGRESS'
}

function printRunSummary(jobs: Job[], failedMoves: number): void {
  const count = (predicate: (job: Job) => boolean) => jobs.filter(predicate).length
  process.stderr.write(
    `${jobs.length} jobs: ${count((j) => j.status === 'SUCCESS')} SUCCESS, ${count((j) => j.status === 'WARNING')} WARNING, ` +
      `${count((j) => j.status === 'FAILED')} FAILED; backups: ${count((j) => j.archivalStatus === 'BACKED_UP')} BACKED_UP, ` +
      `${count((j) => j.archivalStatus === 'BACKUP_FAILURE')} BACKUP_FAILURE` +
      (failedMoves > 0 ? `; moves failed: ${failedMoves}` : '') +
      '\n',
  )
}

async function reportCommand(flags: FolderFlags & { from?: string; to?: string; format: 'csv' | 'json' }): Promise<number> {
  const dataDir = resolve(flags.data ?? defaultDataDir())
  if (flags.from && flags.to && flags.from > flags.to) {
    process.stderr.write(`report: --from ${flags.from} is after --to ${flags.to}: swap them\n`)
    return EXIT.usage
  }
  const storeNames = [STORE_FOLDER_NAME, SINGLE_FILE_NAME, 'jobs.last-good.json']
  if (!storeNames.some((name) => existsSync(join(dataDir, name)))) {
    process.stderr.write(
      `report: job store not found: ${dataDir} has no ${STORE_FOLDER_NAME} folder; point --data at the data folder that "run" or "watch" used\n`,
    )
    return EXIT.usage
  }
  const snapshot = await JobStore.readSnapshot(dataDir)
  const report = buildAccountingReport(snapshot.jobs, { from: flags.from ?? null, to: flags.to ?? null }, snapshot.retiredRows)
  process.stdout.write(flags.format === 'json' ? reportToJson(report) : reportToCsv(report))
  return EXIT.ok
}

async function retryCommand(jobId: string | undefined, flags: PipelineFlags & { allFailed?: boolean }): Promise<number> {
  if (!jobId === !flags.allFailed) {
    process.stderr.write('retry-backup: give a job id (for example J000042) or --all-failed, but not both\n')
    return EXIT.usage
  }
  const monitor = await openMonitor(flags)
  try {
    let jobs: Job[]
    if (jobId) {
      const job = monitor.job(jobId)
      if (!job) {
        process.stderr.write(`retry-backup: no job ${jobId} in ${monitor.settings.dataDir}; job ids are printed by "run --once" and "watch", and stored in the jobs folder of the data folder; check --data\n`)
        return EXIT.usage
      }
      try {
        jobs = [await monitor.retryBackup(jobId)]
      } catch (error) {
        if (!(error instanceof RetryNotAllowedError)) throw error
        process.stderr.write(`retry-backup: ${error.message.replace(/^backup: /, '')}\n`)
        return EXIT.usage
      }
    } else {
      jobs = await monitor.retryAllFailedBackups()
      if (jobs.length === 0) process.stderr.write('retry-backup: no job is in BACKUP_FAILURE\n')
    }
    for (const job of jobs) process.stdout.write(`${describeJob(job)}\n`)
    return jobs.some((job) => job.archivalStatus === 'BACKUP_FAILURE') ? EXIT.backupsFailed : EXIT.ok
  } finally {
    await monitor.stop()
  }
}

async function acknowledgeCommand(jobId: string | undefined, flags: PipelineFlags & { allFailed?: boolean }): Promise<number> {
  if (!jobId === !flags.allFailed) {
    process.stderr.write('acknowledge: give a job id (for example J000042) or --all-failed, but not both\n')
    return EXIT.usage
  }
  const monitor = await openMonitor(flags)
  try {
    if (jobId && !monitor.job(jobId)) {
      process.stderr.write(`acknowledge: no job ${jobId} in ${monitor.settings.dataDir}; job ids are printed by "run --once" and "watch"; check --data\n`)
      return EXIT.usage
    }
    const ids = jobId ? [jobId] : monitor.jobs().filter(isUnacknowledgedFailure).map((job) => job.id)
    if (ids.length === 0) process.stderr.write('acknowledge: no unacknowledged backup failure\n')
    for (const id of ids) {
      try {
        process.stdout.write(`${describeJob(await monitor.acknowledgeFailure(id))} (acknowledged)\n`)
      } catch (error) {
        if (!(error instanceof AcknowledgeNotAllowedError)) throw error
        process.stderr.write(`acknowledge: ${error.message.replace(/^backup: /, '')}\n`)
        return EXIT.usage
      }
    }
    return EXIT.ok
  } finally {
    await monitor.stop()
  }
}

async function simulateCommand(flags: { to: string; files: number; rate?: number; badRatio?: number; largeMb?: number; seed?: number }): Promise<number> {
  const progress = createProgress('files')
  const summary = await simulate(
    { to: resolve(flags.to), files: flags.files, rate: flags.rate, badRatio: flags.badRatio, largeMb: flags.largeMb, seed: flags.seed ?? DEFAULT_SEED },
    (written, total) => progress.update(written, total),
  )
  progress.stop()
  process.stdout.write(`${JSON.stringify(summary.counts)}\n`)
  return EXIT.ok
}

/** Builds the command tree; `run` gives each action's exit code to the caller instead of exiting. */
export function buildProgram(run: (action: Promise<number>) => void): Command {
  const program = new Command('pui-monitor')
    .description('Watch an index folder, process index files, archive them and report accounting totals.')
    .showHelpAfterError()
    .exitOverride()

  addPipelineOptions(addFolderOptions(program.command('watch').description('run the pipeline until interrupted, one line per job change'))).action(
    (flags: PipelineFlags) => run(watchCommand(flags)),
  )

  addPipelineOptions(addFolderOptions(program.command('run').description('process every file in the index folder, wait for backups, exit')))
    .requiredOption('--once', 'process what is there and exit (the only mode of "run")')
    .option('--quiet', 'print only the summary')
    .action((flags: PipelineFlags & { quiet?: boolean }) => run(runOnceCommand(flags)))

  program
    .command('report')
    .description('print the accounting report')
    .option('--data <dir>', 'data folder holding the job store (default: $PUI_MONITOR_DATA or the per-user data folder)')
    .option('--from <date>', 'first cycle date, YYYY-MM-DD', cycleDate('--from'))
    .option('--to <date>', 'last cycle date, YYYY-MM-DD', cycleDate('--to'))
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .action((flags: FolderFlags & { from?: string; to?: string; format: 'csv' | 'json' }) => run(reportCommand(flags)))

  addPipelineOptions(addFolderOptions(program.command('retry-backup').description('run the backup step again for jobs in BACKUP_FAILURE')))
    .argument('[job-id]', 'job to retry, for example J000042')
    .option('--all-failed', 'retry every job in BACKUP_FAILURE')
    .action((jobId: string | undefined, flags: PipelineFlags & { allFailed?: boolean }) => run(retryCommand(jobId, flags)))

  addPipelineOptions(addFolderOptions(program.command('acknowledge').description('acknowledge backup failures: they stay BACKUP_FAILURE but no longer count as open')))
    .argument('[job-id]', 'job whose backup failure to acknowledge, for example J000042')
    .option('--all-failed', 'acknowledge every unacknowledged backup failure')
    .action((jobId: string | undefined, flags: PipelineFlags & { allFailed?: boolean }) => run(acknowledgeCommand(jobId, flags)))

  addPipelineOptions(
    addFolderOptions(program.command('serve').description('run the pipeline and serve the job grid and its API to a browser on this machine')),
  )
    .option('--port <n>', 'port to listen on; 0 picks a free one', portNumber, DEFAULT_SERVE_PORT)
    .option('--host <addr>', 'address to listen on; a non-loopback address needs --allow-remote', DEFAULT_SERVE_HOST)
    .option('--allow-remote', 'accept a non-loopback --host, so other machines can reach the server; the API token is then the only guard')
    .action((flags: ServeFlags) => run(serveCommand(flags)))

  program
    .command('simulate')
    .description('write realistic index files the way upstream producers do, for demos, tests and benchmarks')
    .requiredOption('--to <dir>', 'index folder to write into (created when missing)')
    .requiredOption('--files <n>', 'number of files to write', wholeNumber('--files'))
    .option('--rate <n>', 'files per second (default: as fast as possible)', decimalNumber('--rate'))
    .option('--bad-ratio <x>', 'share of bad files from 0 to 1: rejected records, unmatched names, duplicates (default 0)', decimalNumber('--bad-ratio'))
    .option('--large-mb <m>', 'also write one large file of about this many MB', decimalNumber('--large-mb'))
    .option('--seed <n>', 'seed for repeatable output (default 1)', wholeNumber('--seed'))
    .action((flags: { to: string; files: number; rate?: number; badRatio?: number; largeMb?: number; seed?: number }) => run(simulateCommand(flags)))

  return program
}

/** Runs the command line and returns the exit code; user errors print one clear message, never a stack trace. */
export async function runCli(argv: string[]): Promise<number> {
  let action: Promise<number> | null = null
  const program = buildProgram((pending) => {
    action = pending
  })

  try {
    await program.parseAsync(argv)
    if (!action) return EXIT.ok
    return await action
  } catch (error) {
    return reportError(error)
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander has printed the message and the help already.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage
  }
  if (
    error instanceof SettingsError ||
    error instanceof JobTypesError ||
    error instanceof StoreError ||
    error instanceof SimulateOptionsError
  ) {
    process.stderr.write(`${error.message}\n`)
    return EXIT.usage
  }
  const dataHint = process.env.PUI_MONITOR_DATA ? logFilePath(process.env.PUI_MONITOR_DATA) : 'the log file in the data folder'
  process.stderr.write(`pui-monitor: unexpected error: ${(error as Error).stack ?? String(error)}\nDetails may be in ${dataHint}.\n`)
  return EXIT.internalError
}
