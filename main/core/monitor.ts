import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { lstat } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { basename } from 'node:path'
import PQueue from 'p-queue'
import type { MonitorEvent } from '../../shared/events'
import type { Job, ProcessingFields } from '../../shared/job'
import type { Settings } from '../../shared/schemas'
import { isPosted } from '../../shared/status'
import { buildAccountingReport, type AccountingReport, type ReportRange } from './accounting'
import { BackupHelper, initialArchivalStatus } from './backup-helper'
import { IndexWatcher } from './index-watcher'
import { JobStore } from './job-store'
import type { JobRepository } from './job-store-contract'
import { loadJobTypes, type JobTypeRegistry } from './job-types'
import { silentLogger, type CoreLogger } from './logger'
import { ObservedRepository } from './observed-store'
import { processIndexFile } from './processing-job'
import type { FileTimes, StableFile } from './stability'

/** Returns true for a job that failed because its file could not be opened or read. */
function isUnreadableFailure(job: Job): boolean {
  return job.status === 'FAILED' && job.error?.code === 'UNREADABLE'
}

/** Returns the SHA-256 of a file, read as a stream. */
async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(path), hash)
  return hash.digest('hex')
}

/** Returns the number in a job id (`J000042` → 42), so ids of different widths compare correctly. */
function jobNumber(id: string): number {
  return Number(id.slice(1))
}

/** Main-status fields of a job whose content the `earlier` job already counted. */
function duplicateFields(earlier: Job, sha256: string): Partial<ProcessingFields> {
  return {
    status: 'FAILED',
    duplicateOf: earlier.id,
    error: {
      code: 'DUPLICATE',
      message: `same content as job ${earlier.id} (${earlier.fileName}, sha256 ${sha256.slice(0, 12)}…), which is already counted; this file is not counted again`,
    },
  }
}

export type MonitorListener = (event: MonitorEvent) => void

export interface MonitorOptions {
  logger?: CoreLogger
  /** Job types to use instead of the ones loaded from the data folder. */
  jobTypes?: JobTypeRegistry
}

/** How often `runOnce` checks whether every file has been taken and every job has finished. */
const IDLE_CHECK_MS = 50

/** Smallest change of a running job's progress that is announced, so a large file sends about 50 events. */
const PROGRESS_STEP = 0.02

/**
 * The pipeline: detect → wait until stable → deduplicate → queue → process → backup callback → persist → notify.
 * It owns the store, the watcher and BackupHelper, and emits a typed event after each change is on disk.
 */
export class Monitor {
  private readonly listeners = new Set<MonitorListener>()
  private readonly queue: PQueue
  private watcher: IndexWatcher
  private readonly backupHelper: BackupHelper
  private readonly store: JobRepository
  /** Paths taken from the watcher whose job is being created, so a repeated event does not start a second job. */
  private readonly claimedPaths = new Set<string>()
  /** Ids of the jobs this process created or worked on, for the exit code of a single run. */
  readonly touchedJobIds = new Set<string>()
  /** Status change time of the file when a job last failed to read it, by job id. */
  private readonly unreadableCtimes = new Map<string, number>()
  /** Files whose modification time changed without a change of content: path → `size:mtimeMs`. */
  private readonly unchangedContent = new Map<string, string>()
  /** Share of the file read so far, for jobs being parsed now. */
  private readonly progress = new Map<string, number>()
  private running = false
  private paused = false

  private constructor(
    /** The monitor's own copy; `applyOptions` changes it. */
    readonly settings: Settings,
    store: JobStore,
    readonly jobTypes: JobTypeRegistry,
    private readonly logger: CoreLogger,
  ) {
    this.store = new ObservedRepository(store, (job) => this.emit({ type: 'job-changed', job }))
    this.queue = new PQueue({ concurrency: settings.concurrency })
    this.backupHelper = new BackupHelper({
      store: this.store,
      jobTypes,
      archiveDir: settings.archiveDir,
      retries: settings.backupRetries,
      minDelayMs: settings.backupRetryMinDelayMs,
      maxDelayMs: settings.backupRetryMaxDelayMs,
      logger,
      onBackupFailure: (job) => this.emit({ type: 'backup-failed', job }),
    })
    this.watcher = this.createWatcher()
  }

  private createWatcher(): IndexWatcher {
    const settings = this.settings
    return new IndexWatcher({
      indexDir: settings.indexDir,
      stabilityWindowMs: settings.stabilityWindowMs,
      usePolling: settings.usePolling,
      pollIntervalMs: settings.pollIntervalMs,
      sweepIntervalMs: settings.sweepIntervalMs,
      logger: this.logger,
      isKnown: (path, stats) => this.isKnown(path, stats),
      onInvalidName: (message) => this.emit({ type: 'error', message }),
      onStable: (file) => void this.take(file),
      onFolderMissing: (message) => this.emit({ type: 'index-folder-missing', path: settings.indexDir, message }),
      onFolderRestored: () => this.emit({ type: 'index-folder-restored', path: settings.indexDir }),
    })
  }

  /** Opens the store (taking the data-folder lock) and loads the job types. Nothing runs until `start`. */
  static async open(settings: Settings, options: MonitorOptions = {}): Promise<Monitor> {
    const logger = options.logger ?? silentLogger
    const jobTypes = options.jobTypes ?? (await loadJobTypes(settings.dataDir))
    const store = await JobStore.open(settings.dataDir, { logger })
    const monitor = new Monitor({ ...settings }, store, jobTypes, logger)
    if (store.recovery) logger.warn(`store: ${store.recovery.message}`)
    return monitor
  }

  /** The recovery the store needed when it loaded, for the caller to show; null when it loaded cleanly. */
  get storeRecovery() {
    return this.store.recovery
  }

  /** Subscribes to events; returns the function that unsubscribes. */
  subscribe(listener: MonitorListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Reconciles the store with the folders, then watches the index folder. */
  async start(): Promise<void> {
    this.running = true
    this.logger.info(
      `monitor: starting; index ${this.settings.indexDir}, archive ${this.settings.archiveDir}, data ${this.settings.dataDir}`,
    )
    this.reconcile()
    await this.watcher.start()
  }

  /** Processes everything in the index folder, waits for every backup, then stops. */
  async runOnce(onProgress?: (done: number, total: number) => void): Promise<void> {
    await this.start()
    while (this.watcher.pendingCount > 0 || this.claimedPaths.size > 0 || this.queue.size > 0 || this.queue.pending > 0) {
      onProgress?.(this.countFinished(), this.touchedJobIds.size + this.watcher.pendingCount)
      await new Promise((resolve) => setTimeout(resolve, IDLE_CHECK_MS))
    }
    onProgress?.(this.countFinished(), this.touchedJobIds.size)
    await this.stop()
  }

  private countFinished(): number {
    let finished = 0
    for (const id of this.touchedJobIds) {
      const job = this.store.get(id)
      if (job && job.status !== 'PENDING' && job.status !== 'RUNNING' && job.archivalStatus !== 'IN_PROGRESS') finished += 1
    }
    return finished
  }

  /** Compares the index folder with the job records now, instead of waiting for the periodic sweep. */
  sweep(): Promise<void> {
    return this.watcher.sweep()
  }

  /** Stops taking new jobs; jobs already running finish. */
  pause(): void {
    if (this.paused) return
    this.paused = true
    this.queue.pause()
    this.logger.info('monitor: paused')
    this.emit({ type: 'watching-paused' })
  }

  resume(): void {
    if (!this.paused) return
    this.paused = false
    this.queue.start()
    this.logger.info('monitor: resumed')
    this.emit({ type: 'watching-resumed' })
  }

  get isPaused(): boolean {
    return this.paused
  }

  /**
   * Stops watching, lets running jobs finish, flushes the store and releases the data folder. Jobs still queued
   * stay `PENDING` on disk and are taken up at the next start.
   */
  async stop(): Promise<void> {
    if (!this.running) {
      await this.store.close()
      return
    }
    this.running = false
    await this.watcher.stop()
    this.queue.pause()
    await this.queue.onPendingZero()
    this.queue.clear()
    await this.store.close()
    this.logger.info('monitor: stopped')
  }

  jobs(): readonly Job[] {
    return this.store.all()
  }

  job(id: string): Job | undefined {
    return this.store.get(id)
  }

  report(range: ReportRange = {}): AccountingReport {
    return buildAccountingReport(this.store.all(), range)
  }

  /** Runs only the backup step of a job in `BACKUP_FAILURE` again. */
  retryBackup(jobId: string): Promise<Job> {
    this.touchedJobIds.add(jobId)
    return this.backupHelper.retryBackup(jobId)
  }

  /** Retries every job in `BACKUP_FAILURE`, at the queue's concurrency; returns the jobs afterwards. */
  async retryAllFailedBackups(): Promise<Job[]> {
    const failed = this.store.all().filter((job) => job.archivalStatus === 'BACKUP_FAILURE')
    return Promise.all(failed.map((job) => this.queue.add(() => this.retryBackup(job.id))))
  }

  private emit(event: MonitorEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch (error) {
        this.logger.error(`monitor: an event listener failed on ${event.type}: ${(error as Error).stack ?? error}`)
      }
    }
  }

  /**
   * Returns true when a job already covers the file at `path` as it is now, so the file is not taken again. A job
   * covers its file until its backup moved it away (`BACKED_UP`). A job that could not read its file covers it
   * only until the file's status changes (a chmod, say), so the file is read again once it may be readable.
   */
  private isKnown(path: string, file: FileTimes): boolean {
    if (this.claimedPaths.has(path)) return true
    if (this.unchangedContent.get(path) === `${file.size}:${file.mtimeMs}`) return true
    return this.store.findBySourcePath(path).some((job) => {
      if (job.detectedSize !== file.size || job.detectedMtimeMs !== file.mtimeMs || job.archivalStatus === 'BACKED_UP') {
        return false
      }
      return !isUnreadableFailure(job) || this.unreadableCtimes.get(job.id) === file.ctimeMs
    })
  }

  /** Records a job for a stable file and queues it, or processes again a job whose file may now be readable. */
  private async take(file: StableFile): Promise<void> {
    if (!this.running || this.isKnown(file.path, file)) return
    this.claimedPaths.add(file.path)
    try {
      const earlier = this.store.findBySourcePath(file.path).filter((job) => job.archivalStatus !== 'BACKED_UP')
      const unreadable = earlier.find(
        (job) => isUnreadableFailure(job) && job.detectedSize === file.size && job.detectedMtimeMs === file.mtimeMs,
      )
      if (unreadable) {
        this.unreadableCtimes.set(unreadable.id, file.ctimeMs)
        this.touchedJobIds.add(unreadable.id)
        this.logger.info(`job ${unreadable.id}: ${file.path} changed status since it could not be read; reading it again`)
        this.enqueue(unreadable.id, () => this.processAndBackUp(unreadable.id))
        return
      }
      if (await this.hasSameContent(file, earlier)) return

      const fileName = basename(file.path)
      const match = this.jobTypes.match(fileName)
      const backupCallback = match.ok ? match.jobType.backupCallback : 'none'
      const job = await this.store.create({
        fileName,
        sourcePath: file.path,
        detectedSize: file.size,
        detectedMtimeMs: file.mtimeMs,
        detectedAt: new Date().toISOString(),
        backupCallback,
        archivalStatus: initialArchivalStatus(backupCallback),
        ...(match.ok ? { jobType: match.jobType.name, client: match.client, cycleDate: match.cycleDate } : {}),
      })
      this.touchedJobIds.add(job.id)
      this.logger.info(`job ${job.id}: detected ${file.path} (${file.size} bytes)`)
      this.enqueue(job.id, () => this.processAndBackUp(job.id))
    } catch (error) {
      this.logger.error(`monitor: cannot record a job for ${file.path}: ${(error as Error).message}`)
      this.emit({ type: 'error', message: `cannot record a job for ${file.path}: ${(error as Error).message}` })
    } finally {
      this.claimedPaths.delete(file.path)
    }
  }

  /**
   * Returns true when a file that a job still covers was only touched: same size, new modification time, same
   * SHA-256. Such a file is not a new job; it is remembered so later sweeps skip it without hashing.
   */
  private async hasSameContent(file: StableFile, earlier: Job[]): Promise<boolean> {
    const candidates = earlier.filter((job) => job.sha256 !== null && job.detectedSize === file.size)
    if (candidates.length === 0 || !file.isFile) return false
    let sha256: string
    try {
      sha256 = await sha256OfFile(file.path)
    } catch (error) {
      // The file is taken as a new job, whose processing reports why it cannot be read.
      this.logger.warn(`monitor: cannot hash ${file.path} to compare it with its job: ${(error as Error).message}`)
      return false
    }
    const same = candidates.find((job) => job.sha256 === sha256)
    if (!same) return false
    this.unchangedContent.set(file.path, `${file.size}:${file.mtimeMs}`)
    this.logger.info(`job ${same.id}: ${file.path} got a new modification time but the same content, so it is not taken again`)
    return true
  }

  private enqueue(jobId: string, task: () => Promise<void>): void {
    void this.queue.add(task).catch((error: unknown) => {
      const message = `job ${jobId}: ${(error as Error).message}`
      this.logger.error(`monitor: ${message}; ${(error as Error).stack ?? ''}`)
      this.emit({ type: 'error', message })
    })
  }

  private async processAndBackUp(jobId: string): Promise<void> {
    const started = this.store.get(jobId)
    if (!started) return
    this.logger.info(`job ${jobId}: processing ${started.fileName}`)
    // Parsing does not wait for RUNNING to reach disk: a job found PENDING or RUNNING after a crash is processed
    // again either way. The result must be on disk before the backup can remove the source.
    const markedRunning = this.store.updateProcessing(jobId, { status: 'RUNNING', startedAt: new Date().toISOString() })

    const outcome = await processIndexFile(started.sourcePath, started.fileName, this.jobTypes, {
      onProgress: (bytesRead, totalBytes) => this.reportProgress(jobId, totalBytes > 0 ? bytesRead / totalBytes : 1),
    }).finally(() => this.progress.delete(jobId))
    await markedRunning
    const job = await this.store.updateProcessing(jobId, this.withDuplicateCheck(jobId, outcome))
    this.logger.info(
      `job ${jobId}: ${job.fileName} ${job.status}` +
        (job.error ? ` (${job.error.code}: ${job.error.message})` : '') +
        `; records ${job.counts.records}, accepted ${job.counts.accepted}, rejected ${job.counts.rejected}`,
    )

    if (job.jobType !== null) await this.backupHelper.runBackupCallback(job)
  }

  private reportProgress(jobId: string, fraction: number): void {
    const previous = this.progress.get(jobId) ?? 0
    if (fraction < 1 && fraction - previous < PROGRESS_STEP) return
    this.progress.set(jobId, fraction)
    this.emit({ type: 'job-progress', jobId, fraction })
  }

  /** Share of the file read so far for a job being parsed now; null for any other job. */
  progressOf(jobId: string): number | null {
    return this.progress.get(jobId) ?? null
  }

  /**
   * Applies changed pipeline options to the running monitor: concurrency and the backup retry policy at once,
   * the watcher's timing by restarting the watcher. Folder changes need a new monitor, so they are not accepted here.
   */
  async applyOptions(next: Settings): Promise<void> {
    if (next.indexDir !== this.settings.indexDir || next.archiveDir !== this.settings.archiveDir || next.dataDir !== this.settings.dataDir) {
      throw new Error('monitor: folder changes need a restart of the monitor')
    }
    const watcherChanged =
      next.stabilityWindowMs !== this.settings.stabilityWindowMs ||
      next.usePolling !== this.settings.usePolling ||
      next.pollIntervalMs !== this.settings.pollIntervalMs ||
      next.sweepIntervalMs !== this.settings.sweepIntervalMs

    Object.assign(this.settings, next)
    this.queue.concurrency = next.concurrency
    this.backupHelper.setRetryPolicy({
      retries: next.backupRetries,
      minDelayMs: next.backupRetryMinDelayMs,
      maxDelayMs: next.backupRetryMaxDelayMs,
    })
    if (watcherChanged && this.running) {
      await this.watcher.stop()
      this.watcher = this.createWatcher()
      await this.watcher.start()
    }
    this.logger.info(`monitor: settings applied (concurrency ${next.concurrency}, stability window ${next.stabilityWindowMs} ms)`)
  }

  /**
   * Applies the duplicate rule: of the jobs with the same SHA-256, only the one detected first (the lowest id) is
   * counted. A posted result whose content an earlier job already counted becomes a `DUPLICATE` failure. When the
   * counted job is the later one (it finished first), that job becomes the duplicate instead, so the outcome does
   * not depend on which job finished first. The check and the store updates run in the same tick, so two
   * identical files finishing together cannot both be counted.
   */
  private withDuplicateCheck(jobId: string, outcome: Partial<ProcessingFields>): Partial<ProcessingFields> {
    if (!outcome.status || !isPosted(outcome.status) || !outcome.sha256) return outcome
    const counted = this.store.findCountedBySha256(outcome.sha256, jobId)
    if (!counted) return outcome

    if (jobNumber(counted.id) < jobNumber(jobId)) {
      return { ...outcome, ...duplicateFields(counted, outcome.sha256) }
    }
    const current = this.store.get(jobId)
    if (current) {
      this.logger.info(`job ${counted.id}: same content as the earlier job ${jobId}, so ${counted.id} is no longer counted`)
      void this.store.updateProcessing(counted.id, duplicateFields(current, outcome.sha256)).catch((error: unknown) => {
        this.logger.error(`monitor: cannot mark job ${counted.id} as a duplicate of ${jobId}: ${(error as Error).message}`)
      })
    }
    return outcome
  }

  /**
   * Finishes what a previous run left: jobs cut short while `PENDING` or `RUNNING` are processed again (their
   * counts are replaced, never added), unfinished backups are checked or repeated, and move-only files still in
   * the index folder are moved.
   */
  private reconcile(): void {
    let reprocessed = 0
    let backups = 0
    for (const job of this.store.all()) {
      if (job.status === 'PENDING' || job.status === 'RUNNING') {
        reprocessed += 1
        this.touchedJobIds.add(job.id)
        this.enqueue(job.id, () => this.processAndBackUp(job.id))
      } else if (job.archivalStatus === 'PENDING' || job.archivalStatus === 'IN_PROGRESS') {
        backups += 1
        this.touchedJobIds.add(job.id)
        this.enqueue(job.id, async () => {
          await this.backupHelper.reconcile(job)
        })
      } else if (job.backupCallback === 'move-only' && job.jobType !== null) {
        this.enqueue(job.id, () => this.moveIfStillThere(job))
      }
    }
    if (reprocessed + backups > 0) {
      this.logger.info(`monitor: reconciling ${reprocessed} unfinished jobs and ${backups} unfinished backups`)
    }
  }

  private async moveIfStillThere(job: Job): Promise<void> {
    try {
      const stats = await lstat(job.sourcePath)
      if (stats.size !== job.detectedSize || stats.mtimeMs !== job.detectedMtimeMs) return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw error
    }
    this.touchedJobIds.add(job.id)
    await this.backupHelper.runBackupCallback(job)
  }
}
