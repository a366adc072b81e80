import { lstat } from 'node:fs/promises'
import { basename } from 'node:path'
import PQueue from 'p-queue'
import type { JobPage, JobQuery } from '../../shared/api'
import type { MonitorEvent } from '../../shared/events'
import type { Job } from '../../shared/job'
import type { Settings } from '../../shared/schemas'
import { buildAccountingReport, type AccountingReport, type ReportRange } from './accounting'
import { BackupHelper, initialArchivalStatus } from './backup-helper'
import { applyDuplicateRule } from './duplicate-rule'
import { FileRecognition } from './file-recognition'
import { IndexWatcher } from './index-watcher'
import { createSortedResultCache, queryJobSource } from './job-query'
import { JobStore, type JobView } from './job-store'
import type { JobRepository } from './job-store-contract'
import { loadJobTypes, type JobTypeRegistry } from './job-types'
import { silentLogger, type CoreLogger } from './logger'
import { ObservedRepository } from './observed-store'
import { processIndexFile } from './processing-job'
import { RETENTION_CHECK_INTERVAL_MS } from './retention'
import type { FileTimes, StableFile } from './stability'

export type MonitorListener = (event: MonitorEvent) => void

export interface MonitorOptions {
  logger?: CoreLogger
  /** Job types to use instead of the ones loaded from the data folder. */
  jobTypes?: JobTypeRegistry
}

/** How often `runOnce` checks whether every file has been taken and every job has finished. */
const IDLE_CHECK_MS = 50

/** How long a single run waits without progress before it names the files that keep changing. */
const STALLED_WARNING_MS = 30_000

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
  private readonly recognition: FileRecognition
  /** Jobs whose file changed after it was taken, by path: each waits until its file is stable again. */
  private readonly waitingJobs = new Map<string, string>()
  /** Share of the file read so far, for jobs being parsed now. */
  private readonly progress = new Map<string, number>()
  private running = false
  private paused = false
  private retentionTimer: NodeJS.Timeout | null = null
  private readonly sortedResults = createSortedResultCache()

  private constructor(
    /** The monitor's own copy; `applyOptions` changes it. */
    readonly settings: Settings,
    private readonly jobStore: JobStore,
    readonly jobTypes: JobTypeRegistry,
    private readonly logger: CoreLogger,
  ) {
    this.store = new ObservedRepository(jobStore, (job) => this.emit({ type: 'job-changed', job }))
    this.recognition = new FileRecognition(this.store, logger)
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
      onMoveFailure: (job, message) => this.emit({ type: 'error', message, jobId: job.id }),
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

  /** Retires days past the retention period, reconciles the store with the folders, then watches the index folder. */
  async start(): Promise<void> {
    this.running = true
    this.logger.info(
      `monitor: starting; index ${this.settings.indexDir}, archive ${this.settings.archiveDir}, data ${this.settings.dataDir}`,
    )
    await this.retireOldDays()
    this.retentionTimer = setInterval(() => void this.retireOldDays(), RETENTION_CHECK_INTERVAL_MS)
    this.retentionTimer.unref()
    this.reconcile()
    await this.watcher.start()
  }

  /** Moves days older than `retentionDays` out of the store; a failure is logged and shown, and the monitor goes on. */
  async retireOldDays(now = new Date()): Promise<void> {
    try {
      await this.jobStore.retire(this.settings.retentionDays, now)
    } catch (error) {
      const message = `retention: cannot retire old days: ${(error as Error).message}`
      this.logger.error(message)
      this.emit({ type: 'error', message })
    }
  }

  /** Processes everything in the index folder, waits for every backup, then stops. */
  async runOnce(onProgress?: (done: number, total: number) => void): Promise<void> {
    await this.start()
    let lastChange = Date.now()
    let lastState = ''
    while (this.watcher.pendingCount > 0 || this.claimedPaths.size > 0 || this.queue.size > 0 || this.queue.pending > 0) {
      const finished = this.countFinished()
      onProgress?.(finished, this.touchedJobIds.size + this.watcher.pendingCount)

      const state = `${finished}/${this.touchedJobIds.size}/${this.queue.pending}`
      if (state !== lastState) {
        lastState = state
        lastChange = Date.now()
      } else if (Date.now() - lastChange > STALLED_WARNING_MS && this.queue.pending === 0 && this.watcher.pendingCount > 0) {
        this.warnAboutUnsettledFiles()
        lastChange = Date.now()
      }
      await new Promise((resolve) => setTimeout(resolve, IDLE_CHECK_MS))
    }
    onProgress?.(this.countFinished(), this.touchedJobIds.size)
    await this.stop()
  }

  /** Names the files a single run is still waiting for, because they keep changing. */
  private warnAboutUnsettledFiles(): void {
    const paths = this.watcher.pendingPaths(3)
    const more = this.watcher.pendingCount - paths.length
    const message =
      `still waiting for ${this.watcher.pendingCount} file(s) to stop changing: ${paths.join(', ')}` +
      (more > 0 ? ` and ${more} more` : '') +
      `; a file is taken once its size and modification time stay unchanged for ${this.settings.stabilityWindowMs} ms`
    this.logger.warn(`monitor: ${message}`)
    this.emit({ type: 'error', message })
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
    if (this.retentionTimer) clearInterval(this.retentionTimer)
    this.retentionTimer = null
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

  /** Returns the store's own jobs and counts, for reads that must not copy or freeze the whole history. */
  jobView(): JobView {
    return this.jobStore.view()
  }

  job(id: string): Job | undefined {
    return this.store.get(id)
  }

  /** Runs a grid query on the store's jobs without copying them (see `queryJobSource`). */
  queryJobs(query: JobQuery): JobPage {
    const source = { ...this.jobStore.view(), inIdOrder: true }
    return queryJobSource(source, query, (jobId) => this.progressOf(jobId), this.sortedResults)
  }

  /** Builds the accounting report over the jobs in the store and the kept totals of retired days. */
  report(range: ReportRange = {}): AccountingReport {
    return buildAccountingReport(this.jobStore.view().jobs, range, this.jobStore.retiredRows())
  }

  /** Runs only the backup step of a job in `BACKUP_FAILURE` again. */
  retryBackup(jobId: string): Promise<Job> {
    this.touchedJobIds.add(jobId)
    return this.backupHelper.retryBackup(jobId)
  }

  /** Acknowledges the current backup failure of a job in `BACKUP_FAILURE`, through BackupHelper. */
  acknowledgeFailure(jobId: string): Promise<Job> {
    return this.backupHelper.acknowledgeFailure(jobId)
  }

  /** Retries every job in `BACKUP_FAILURE`, at the queue's concurrency; returns the jobs afterwards. */
  async retryAllFailedBackups(): Promise<Job[]> {
    const failed = this.jobStore.view().jobs.filter((job) => job.archivalStatus === 'BACKUP_FAILURE')
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

  private isKnown(path: string, file: FileTimes): boolean {
    if (this.waitingJobs.has(path)) return false
    return this.claimedPaths.has(path) || this.recognition.isKnown(path, file)
  }

  /** Records a job for a stable file and queues it, or processes again a job whose file may now be readable. */
  private async take(file: StableFile): Promise<void> {
    if (!this.running || this.isKnown(file.path, file)) return
    this.claimedPaths.add(file.path)
    try {
      const waitingId = this.waitingJobs.get(file.path)
      if (waitingId) {
        this.waitingJobs.delete(file.path)
        await this.store.updateDetection(waitingId, { detectedSize: file.size, detectedMtimeMs: file.mtimeMs })
        this.logger.info(`job ${waitingId}: ${file.path} is stable again (${file.size} bytes)`)
        this.enqueue(waitingId, () => this.processAndBackUp(waitingId))
        return
      }

      const unreadable = this.recognition.takeUnreadableJob(file)
      if (unreadable) {
        this.touchedJobIds.add(unreadable.id)
        this.logger.info(`job ${unreadable.id}: ${file.path} changed status since it could not be read; reading it again`)
        this.enqueue(unreadable.id, () => this.processAndBackUp(unreadable.id))
        return
      }
      if (await this.recognition.isTouchedOnly(file)) return

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
    if (await this.changedSinceTaken(started)) return this.waitUntilStable(started)
    this.logger.info(`job ${jobId}: processing ${started.fileName}`)
    // Parsing does not wait for RUNNING to reach disk: a job found PENDING or RUNNING after a crash is processed
    // again either way. The result must be on disk before the backup can remove the source.
    const markedRunning = this.store.updateProcessing(jobId, { status: 'RUNNING', startedAt: new Date().toISOString() })

    const outcome = await processIndexFile(started.sourcePath, started.fileName, this.jobTypes, {
      onProgress: (bytesRead, totalBytes) => this.reportProgress(jobId, totalBytes > 0 ? bytesRead / totalBytes : 1),
    }).finally(() => this.progress.delete(jobId))
    await markedRunning
    const grewWhileRead = typeof outcome.size === 'number' && outcome.size !== started.detectedSize
    if (grewWhileRead || (await this.changedSinceTaken(started))) {
      // Nothing read from a file that is still being written is stored, counted or archived.
      await this.store.updateProcessing(jobId, { status: 'PENDING', startedAt: null, finishedAt: null })
      return this.waitUntilStable(started)
    }
    const job = await this.store.updateProcessing(jobId, applyDuplicateRule(this.store, this.logger, jobId, outcome))
    this.logger.info(
      `job ${jobId}: ${job.fileName} ${job.status}` +
        (job.error ? ` (${job.error.code}: ${job.error.message})` : '') +
        `; records ${job.counts.records}, accepted ${job.counts.accepted}, rejected ${job.counts.rejected}`,
    )

    if (job.jobType !== null) await this.backupHelper.runBackupCallback(job)
  }

  /** Returns true when the job's file no longer has the size and modification time it had when it was taken. */
  private async changedSinceTaken(job: Job): Promise<boolean> {
    try {
      const stats = await lstat(job.sourcePath)
      return stats.size !== job.detectedSize || stats.mtimeMs !== job.detectedMtimeMs
    } catch {
      // A missing file is not a change to wait for: processing reports that it is gone.
      return false
    }
  }

  /** Puts a job whose file is still changing back to waiting; the watcher reports the file again once stable. */
  private async waitUntilStable(job: Job): Promise<void> {
    this.waitingJobs.set(job.sourcePath, job.id)
    const message =
      `the file changed after it was taken, so it is probably still being written; it is read again once stable. ` +
      `A stability window longer than the producer's pauses avoids this (now ${this.settings.stabilityWindowMs} ms)`
    this.logger.warn(`job ${job.id}: ${job.sourcePath}: ${message}`)
    await this.store.appendLog(job.id, message)
    this.watcher.track(job.sourcePath)
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
   * Applies changed pipeline options to the running monitor: concurrency, the backup retry policy and retention at
   * once, the watcher's timing by restarting the watcher. Folder changes need a new monitor, so they are not accepted here.
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

    const retentionChanged = next.retentionDays !== this.settings.retentionDays
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
    if (retentionChanged && this.running) await this.retireOldDays()
    this.logger.info(`monitor: settings applied (concurrency ${next.concurrency}, stability window ${next.stabilityWindowMs} ms)`)
  }

  /**
   * Finishes what a previous run left: jobs cut short while `PENDING` or `RUNNING` are processed again (their
   * counts are replaced, never added), unfinished backups are checked or repeated, and move-only files still in
   * the index folder are moved.
   */
  private reconcile(): void {
    let reprocessed = 0
    let backups = 0
    for (const loaded of this.jobStore.view().jobs) {
      if (!needsReconciling(loaded)) continue
      const job = this.store.get(loaded.id)!
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

/** Returns true for a job that a previous run may have left unfinished (see `Monitor.reconcile`). */
function needsReconciling(job: Job): boolean {
  if (job.status === 'PENDING' || job.status === 'RUNNING') return true
  if (job.archivalStatus === 'PENDING' || job.archivalStatus === 'IN_PROGRESS') return true
  return job.backupCallback === 'move-only' && job.jobType !== null
}
