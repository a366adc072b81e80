import { stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import pRetry, { type Options as RetryOptions, type RetryContext } from 'p-retry'
import type { BackupAttempt, Job } from '../../shared/job'
import { JobTypeSchema, type JobType } from '../../shared/schemas'
import { assertNever, type ArchivalStatus, type BackupCallback } from '../../shared/status'
import type { JobRepository } from './job-store-contract'
import { archiveRelativePath, type JobTypeRegistry } from './job-types'
import type { CoreLogger } from './logger'
import {
  archiveFile,
  BackupError,
  errnoOf,
  findArchivedCopy,
  moveFile,
  removeArchivedSource,
  removeStaleTemps,
} from './safe-copy'

/** Attempts kept per job, newest last. Older ones are dropped, so repeated retries cannot grow a record forever. */
export const MAX_RECORDED_ATTEMPTS = 50

/**
 * Stands in for a job type that is no longer defined, so its jobs still archive under the default layout
 * (`<client>/<yyyy>/<mm>/<file>`, the schema's default). Only its name and layout are used.
 */
const REMOVED_JOB_TYPE: JobType = JobTypeSchema.parse({
  name: 'removed',
  fileNamePattern: '^(?<client>)(?<cycle>)$',
  delimiter: '|',
  columns: [{ name: 'line', kind: 'text' }],
  rejectionThreshold: 0,
  backupCallback: 'archive',
})

export interface BackupHelperOptions {
  store: JobRepository
  jobTypes: JobTypeRegistry
  /** Root of the archive. Job type layouts are expanded below it. */
  archiveDir: string
  /** Automatic retries after a transient error, before `BACKUP_FAILURE`. */
  retries: number
  /** Delay before the first retry in milliseconds. It doubles for each further retry, up to `maxDelayMs`. */
  minDelayMs: number
  /** Maximum delay between two retries in milliseconds. */
  maxDelayMs: number
  logger: CoreLogger
  /** Called after a job's archival status became `BACKUP_FAILURE` and the change is stored. */
  onBackupFailure?: (job: Job) => void
  /** Called when a move-only job's move fails; the move has no archival status, so this is its only signal. */
  onMoveFailure?: (job: Job, message: string) => void
}

/** Outcome of one successful backup step. */
export interface BackupResult {
  archivePath: string
  sha256: string
  size: number
  /** True when an identical file was already in the archive and was kept as is. */
  alreadyArchived: boolean
  durationMs: number
}

/** Start time and duration of the attempt a status update records. */
interface AttemptTiming {
  at: string
  durationMs: number
}

/** Returns the archival status a new job starts with: `PENDING` when its callback archives, else `NOT_REQUIRED`. */
export function initialArchivalStatus(callback: BackupCallback): ArchivalStatus {
  switch (callback) {
    case 'archive':
      return 'PENDING'
    case 'move-only':
    case 'none':
      return 'NOT_REQUIRED'
    default:
      return assertNever(callback)
  }
}

/** A retry that the job's current state does not allow; the caller can show the message as it is. */
export class RetryNotAllowedError extends Error {
  constructor(
    readonly code: 'NOT_BACKUP_FAILURE' | 'BACKUP_RUNNING',
    message: string,
  ) {
    super(message)
    this.name = 'RetryNotAllowedError'
  }
}

/** An acknowledgement of a job that is not in `BACKUP_FAILURE`; the caller can show the message as it is. */
export class AcknowledgeNotAllowedError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'AcknowledgeNotAllowedError'
  }
}

/**
 * Archives or moves index files after processing, and the only writer of archival status. Every store write goes
 * through `updateArchival` or `appendLog`, so a backup outcome never reaches the main status or the counts.
 */
export class BackupHelper {
  static readonly initialArchivalStatus = initialArchivalStatus

  private readonly options: BackupHelperOptions
  /** Jobs with a backup running in this process, so a second caller does not copy the same file at once. */
  private readonly active = new Set<string>()

  constructor(options: BackupHelperOptions) {
    this.options = { ...options }
  }

  /** Changes the retry policy for backups that start from now on. */
  setRetryPolicy(policy: Pick<BackupHelperOptions, 'retries' | 'minDelayMs' | 'maxDelayMs'>): void {
    Object.assign(this.options, policy)
  }

  /** Returns the absolute archive path of the job's file, from its job type's layout (or the default layout). */
  destinationFor(job: Job): string {
    const jobType = this.layoutSource(job)
    try {
      const values = { client: job.client ?? '', cycleDate: job.cycleDate ?? '', fileName: job.fileName }
      const relative = archiveRelativePath(jobType, values)
      return join(resolve(this.options.archiveDir), relative)
    } catch (error) {
      throw new BackupError(
        'BAD_ARCHIVE_PATH',
        `backup: job ${job.id} (${job.fileName}) has no valid archive path: ${(error as Error).message}. ` +
          "Check the job's client and cycle date and its job type's archive layout, then retry the backup",
        { cause: error, transient: false },
      )
    }
  }

  /** Copies the job's file into the archive, verifies it and removes the source. Throws BackupError. */
  async backup(job: Job): Promise<BackupResult> {
    const started = performance.now()
    if (job.sha256 === null) {
      throw new BackupError(
        'NO_SHA256',
        `backup: job ${job.id} (${job.fileName}) has no recorded SHA-256 because its file was not read, so the ` +
          'copy cannot be verified. The file stays in the index folder',
        { transient: false },
      )
    }

    const outcome = await archiveFile(job.sourcePath, this.destinationFor(job), job.sha256)
    return { ...outcome, durationMs: performance.now() - started }
  }

  /** Records `BACKED_UP` with the archive path and a success attempt, and notes it in the job's log. */
  async updateStatusAfterSuccess(job: Job, result: BackupResult): Promise<Job> {
    const message = result.alreadyArchived
      ? `already archived as ${result.archivePath} (${result.size} bytes, sha256 ${result.sha256})`
      : `archived as ${result.archivePath} (${result.size} bytes, sha256 ${result.sha256})`
    const attempt: BackupAttempt = {
      at: new Date(Date.now() - result.durationMs).toISOString(),
      outcome: 'success',
      code: null,
      message,
      durationMs: result.durationMs,
    }

    // Both changes apply in memory at once and reach disk in the same coalesced store write.
    const updated = this.options.store.updateArchival(job.id, {
      archivalStatus: 'BACKED_UP',
      archivePath: result.archivePath,
      backupAttempts: this.attemptsWith(job, attempt),
      failureAcknowledgedAt: null,
    })
    this.log('info', job, message)
    const [, logged] = await Promise.all([updated, this.options.store.appendLog(job.id, `backup: ${message}`)])
    return logged
  }

  /**
   * Records `BACKUP_FAILURE` with the error as a failed attempt, and notes it in the job's log. Nothing else about
   * the job changes: not its main status, counts or archive path.
   */
  async updateStatusAfterFailure(job: Job, error: unknown, timing?: AttemptTiming): Promise<Job> {
    const failure = asBackupError(error)
    const attempt: BackupAttempt = {
      at: timing?.at ?? new Date().toISOString(),
      outcome: 'failure',
      code: failure.code,
      message: failure.message,
      durationMs: timing?.durationMs ?? 0,
    }

    // A new failure counts again, even when the previous one was acknowledged.
    const updated = this.options.store.updateArchival(job.id, {
      archivalStatus: 'BACKUP_FAILURE',
      backupAttempts: this.attemptsWith(job, attempt),
      failureAcknowledgedAt: null,
    })
    const detail = withoutPrefix(failure.message)
    this.log('error', job, `failed (${failure.code}): ${detail}`)
    const [, logged] = await Promise.all([updated, this.options.store.appendLog(job.id, `backup failed (${failure.code}): ${detail}`)])
    return logged
  }

  /**
   * Acknowledges the job's current backup failure: it stays `BACKUP_FAILURE` and red, but no longer counts as
   * unacknowledged. An acknowledged failure is returned unchanged. Throws `AcknowledgeNotAllowedError` for a job in
   * another archival status.
   */
  async acknowledgeFailure(jobId: string, at: Date = new Date()): Promise<Job> {
    const job = this.options.store.get(jobId)
    if (job === undefined) throw new Error(`backup: cannot acknowledge job ${jobId}: no job with this id is stored`)
    if (job.archivalStatus !== 'BACKUP_FAILURE') {
      throw new AcknowledgeNotAllowedError(
        `backup: cannot acknowledge job ${job.id} (${job.fileName}): its archival status is ${job.archivalStatus}, ` +
          'and only a backup failure can be acknowledged',
      )
    }
    if (job.failureAcknowledgedAt !== null) return job

    const updated = this.options.store.updateArchival(job.id, { failureAcknowledgedAt: at.toISOString() })
    this.log('info', job, 'failure acknowledged')
    const [, logged] = await Promise.all([updated, this.options.store.appendLog(job.id, 'backup: failure acknowledged')])
    return logged
  }

  /**
   * Runs the job type's backup callback: `archive` backs the file up with retries and records the outcome,
   * `move-only` moves it and notes the outcome only in the job's log, `none` does nothing. A job whose file matched
   * no job type is skipped. Returns the job as stored afterwards.
   */
  async runBackupCallback(job: Job): Promise<Job> {
    const current = this.latest(job)
    if (current.jobType === null) {
      this.log('debug', current, 'matched no job type, so there is nothing to back up')
      return current
    }
    if (current.sha256 === null) return this.skipBackup(current)

    switch (current.backupCallback) {
      case 'archive':
        return this.archiveWithRetries(current)
      case 'move-only':
        return this.moveWithRetries(current)
      case 'none':
        return current
      default:
        return assertNever(current.backupCallback)
    }
  }

  /**
   * Runs only the backup step of a job in `BACKUP_FAILURE` again, with the usual automatic retries. Throws when the
   * job is unknown or in another archival status.
   */
  /**
   * Leaves the file of a job that was never read in full (unreadable, binary, not a regular file) where it is:
   * nothing can verify a copy of it, so it is neither archived nor moved. An `archive` job's archival status
   * becomes `NOT_REQUIRED`, because the main status already reports the failure.
   */
  async skipBackup(job: Job): Promise<Job> {
    const reason = job.error?.message ?? 'its file was not read in full'
    const note = `not backed up, and the file stays in the index folder: ${reason}`
    this.log('info', job, note)
    if (job.backupCallback !== 'archive' || job.archivalStatus === 'NOT_REQUIRED') {
      return this.options.store.appendLog(job.id, `backup: ${note}`)
    }
    const updated = this.options.store.updateArchival(job.id, { archivalStatus: 'NOT_REQUIRED' })
    const [, logged] = await Promise.all([updated, this.options.store.appendLog(job.id, `backup: ${note}`)])
    return logged
  }

  async retryBackup(jobId: string): Promise<Job> {
    const job = this.options.store.get(jobId)
    if (job === undefined) throw new Error(`backup: cannot retry job ${jobId}: no job with this id is stored`)
    if (job.archivalStatus !== 'BACKUP_FAILURE') {
      throw new RetryNotAllowedError(
        'NOT_BACKUP_FAILURE',
        `backup: cannot retry job ${job.id} (${job.fileName}): its archival status is ${job.archivalStatus}, ` +
          'and only a job in BACKUP_FAILURE can be retried',
      )
    }

    if (this.active.has(job.id)) {
      // The failure is already visible in memory while its record is still being written.
      throw new RetryNotAllowedError(
        'BACKUP_RUNNING',
        `backup: cannot retry job ${job.id} (${job.fileName}) yet: its last backup is still being recorded; try again in a moment`,
      )
    }

    this.log('info', job, 'retry requested')
    return this.archiveWithRetries(job)
  }

  /**
   * Finishes a backup that a previous run left `PENDING` or `IN_PROGRESS` after processing ended. It first removes
   * stale temporary copies. It then records `BACKED_UP` when the archive already contains the content, backs the
   * file up again when the source is still there, or records `BACKUP_FAILURE` (`SOURCE_MISSING`) when both are gone.
   */
  async reconcile(job: Job): Promise<Job> {
    const current = this.latest(job)
    if (!needsReconcile(current) || this.active.has(current.id)) return current
    if (current.sha256 === null) return this.skipBackup(current)
    const timing = startTiming()

    let failure: BackupError
    try {
      const sha256 = current.sha256
      const destination = this.destinationFor(current)
      const removed = await removeStaleTemps(dirname(destination), basename(destination), sha256)
      if (removed.length > 0) this.log('info', current, `removed stale temporary files ${removed.join(', ')}`)

      const archived = sha256 === null ? null : await findArchivedCopy(destination, sha256)
      if (archived !== null && sha256 !== null) {
        const source = await removeArchivedSource(current.sourcePath, sha256)
        if (source === 'different') {
          this.log('warn', current, `kept ${current.sourcePath} because it now contains other content`)
        }
        const result = { ...archived, sha256, alreadyArchived: true, durationMs: timing.elapsed() }
        return await this.updateStatusAfterSuccess(current, result)
      }
      if (await fileExists(current.sourcePath)) return await this.runBackupCallback(current)

      failure = new BackupError(
        'SOURCE_MISSING',
        `backup: source and archived copy are both gone: ${current.sourcePath} is missing and no file with sha256 ` +
          `${sha256 ?? '(not recorded)'} is at ${destination}. ` +
          'Put the file back into the index folder, then retry the backup',
        { transient: false },
      )
    } catch (error) {
      failure = asBackupError(error)
    }

    const failed = await this.updateStatusAfterFailure(current, failure, timing.stop())
    this.notifyFailure(failed)
    return failed
  }

  private async archiveWithRetries(job: Job): Promise<Job> {
    if (this.active.has(job.id)) {
      this.log('warn', job, 'is already being backed up, so this request is skipped')
      return job
    }
    this.active.add(job.id)

    try {
      // The copy does not wait for IN_PROGRESS to reach disk: after a crash, reconciliation treats PENDING and
      // IN_PROGRESS alike. The final status below is written after it, so the order on disk holds.
      const markedInProgress = this.options.store.updateArchival(job.id, { archivalStatus: 'IN_PROGRESS' })
      let timing = startTiming()

      let result: BackupResult
      try {
        result = await pRetry(
          () => {
            timing = startTiming()
            return this.backup(this.latest(job))
          },
          this.retryOptions(job, async (context) => {
            const attempt: BackupAttempt = {
              ...timing.stop(),
              outcome: 'failure',
              code: codeOf(context.error),
              message: context.error.message,
            }
            await this.options.store.updateArchival(job.id, { backupAttempts: this.attemptsWith(job, attempt) })
          }),
        )
      } catch (error) {
        await markedInProgress
        const failed = await this.updateStatusAfterFailure(this.latest(job), error, timing.stop())
        this.notifyFailure(failed)
        return failed
      }

      await markedInProgress
      return await this.updateStatusAfterSuccess(this.latest(job), result)
    } finally {
      this.active.delete(job.id)
    }
  }

  private async moveWithRetries(job: Job): Promise<Job> {
    try {
      const folder = dirname(this.destinationFor(job))
      const noRecord = async () => undefined
      const outcome = await pRetry(() => moveFile(job.sourcePath, folder), this.retryOptions(job, noRecord))
      const message = outcome.alreadyPresent
        ? `moved: an identical file is already at ${outcome.destinationPath}, so the source was removed`
        : `moved to ${outcome.destinationPath}`
      this.log('info', job, message)
      return await this.options.store.appendLog(job.id, `backup: ${message}`)
    } catch (error) {
      const failure = asBackupError(error)
      const note = `move failed (${failure.code}): ${withoutPrefix(failure.message)}`
      this.log('error', job, note)
      const logged = await this.options.store.appendLog(job.id, `backup: ${note}`)
      this.options.onMoveFailure?.(logged, `job ${job.id} (${job.fileName}): ${note}; the file stays in the index folder and the move is tried again at the next start`)
      return logged
    }
  }

  /** p-retry options: exponential backoff, transient BackupErrors only, each retry logged and recorded. */
  private retryOptions(job: Job, recordRetry: (context: RetryContext) => Promise<void>): RetryOptions {
    const maxTimeout = Math.max(0, this.options.maxDelayMs)
    return {
      retries: this.options.retries,
      factor: 2,
      minTimeout: Math.min(Math.max(0, this.options.minDelayMs), maxTimeout),
      maxTimeout,
      shouldRetry: ({ error }: RetryContext) => isTransient(error),
      onFailedAttempt: async (context: RetryContext) => {
        // The last failure is recorded by the caller together with the final status.
        if (context.retriesLeft === 0 || !isTransient(context.error)) return
        const { attemptNumber, retriesLeft, error } = context
        const note =
          `attempt ${attemptNumber} failed (${codeOf(error)}), retrying (${retriesLeft} left): ` +
          withoutPrefix(error.message)
        this.log('warn', job, note)
        await recordRetry(context)
        await this.options.store.appendLog(job.id, `backup: ${note}`)
      },
    }
  }

  private layoutSource(job: Job): JobType {
    const jobType = job.jobType === null ? undefined : this.options.jobTypes.get(job.jobType)
    if (jobType !== undefined) return jobType
    return { ...REMOVED_JOB_TYPE, name: job.jobType ?? REMOVED_JOB_TYPE.name }
  }

  private latest(job: Job): Job {
    return this.options.store.get(job.id) ?? job
  }

  private attemptsWith(job: Job, attempt: BackupAttempt): BackupAttempt[] {
    return [...this.latest(job).backupAttempts, attempt].slice(-MAX_RECORDED_ATTEMPTS)
  }

  /** Logs `backup: job <id> (<file name>) <text>`, so every line names the job and its file. */
  private log(level: keyof CoreLogger, job: Job, text: string): void {
    this.options.logger[level](`backup: job ${job.id} (${job.fileName}) ${text}`)
  }

  private notifyFailure(job: Job): void {
    try {
      this.options.onBackupFailure?.(job)
    } catch (error) {
      this.log('error', job, `failure listener threw: ${(error as Error).stack ?? String(error)}`)
    }
  }
}

function needsReconcile(job: Job): boolean {
  switch (job.archivalStatus) {
    case 'PENDING':
    case 'IN_PROGRESS':
      break
    case 'NOT_REQUIRED':
    case 'BACKED_UP':
    case 'BACKUP_FAILURE':
      return false
    default:
      return assertNever(job.archivalStatus)
  }

  // Processing that has not finished calls the backup callback itself when it does.
  switch (job.status) {
    case 'SUCCESS':
    case 'WARNING':
    case 'FAILED':
      return job.jobType !== null && job.backupCallback === 'archive'
    case 'PENDING':
    case 'RUNNING':
      return false
    default:
      return assertNever(job.status)
  }
}

function isTransient(error: unknown): boolean {
  return error instanceof BackupError && error.transient
}

function codeOf(error: unknown): string {
  return error instanceof BackupError ? error.code : (errnoOf(error) ?? 'UNEXPECTED')
}

function asBackupError(error: unknown): BackupError {
  if (error instanceof BackupError) return error
  const detail = error instanceof Error ? error.message : String(error)
  return new BackupError(codeOf(error), `backup: unexpected error: ${detail}`, { cause: error, transient: false })
}

/** Removes the `backup: ` prefix of error messages, for log lines that already start with `backup`. */
function withoutPrefix(message: string): string {
  return message.replace(/^backup: /, '')
}

function startTiming() {
  const at = new Date().toISOString()
  const started = performance.now()
  const elapsed = () => performance.now() - started
  return { elapsed, stop: (): AttemptTiming => ({ at, durationMs: elapsed() }) }
}

async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch (error) {
    const code = errnoOf(error)
    if (code === 'ENOENT' || code === 'ENOTDIR') return false
    const message = `backup: cannot read source file ${path} (${code}): check the index folder's permissions`
    throw new BackupError(code ?? 'UNEXPECTED', message, { cause: error })
  }
}
