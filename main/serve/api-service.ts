import {
  ApiCallError,
  FolderKindSchema,
  JobIdSchema,
  JobQuerySchema,
  ReportRangeSchema,
  SettingsPatchSchema,
  type AcknowledgeResult,
  type BulkRetryResult,
  type FolderKind,
  type JobPage,
  type JobQuery,
  type MonitorStatus,
  type PuiApi,
  type PuiEvent,
  type ReportRangeRequest,
  type SettingsPatch,
} from '../../shared/api'
import type { MonitorEvent } from '../../shared/events'
import type { Job } from '../../shared/job'
import type { AccountingReportData } from '../../shared/report'
import type { Settings } from '../../shared/schemas'
import { reportToCsv } from '../core/accounting'
import { AcknowledgeNotAllowedError, RetryNotAllowedError } from '../core/backup-helper'
import { toJobRow } from '../core/job-query'
import { silentLogger, type CoreLogger } from '../core/logger'
import type { Monitor } from '../core/monitor'
import { saveSettings, SettingsError } from '../core/settings'
import { simulate } from '../cli/simulate'
import { acknowledgeFailures, retryFailedBackups } from './bulk-actions'
import { JobEventBatcher } from './event-batcher'
import { parseRequest } from './validation'

/** Seed of the sample files, so "load sample files" writes the same demo set every time. */
export const SAMPLE_SEED = 20_261_130
/** Number of sample files written per request, and the share of them that are bad on purpose. */
export const SAMPLE_FILE_COUNT = 12
export const SAMPLE_BAD_RATIO = 0.25

/** Services that only the desktop app provides; serve mode has none of them. */
export interface DesktopServices {
  /** Shows a native folder picker starting at `current`; resolves to the chosen path, or null when cancelled. */
  chooseFolder(kind: FolderKind, current: string): Promise<string | null>
}

export interface ApiServiceOptions {
  logger?: CoreLogger
  /** Shortest time between two batches of job events, in milliseconds. Default 200. */
  batchIntervalMs?: number
  /** Desktop services. Without them `chooseFolder` rejects with `NOT_AVAILABLE`, and the status reports serve mode. */
  desktop?: DesktopServices
  /** Called with the settings after each successful `updateSettings`, so the desktop app can apply its own ones. */
  onSettingsSaved?: (settings: Settings) => void
}

/**
 * The renderer's API over a `Monitor`, free of any transport: serve mode binds it to HTTP and the desktop app to IPC.
 * Every argument is validated with the schemas of `shared/api.ts`, and every failure rejects with an `ApiCallError`.
 *
 * Create it before `monitor.start()`, because it learns about a missing index folder only from the monitor's events.
 */
export class ApiService implements PuiApi {
  private readonly logger: CoreLogger
  private readonly options: ApiServiceOptions
  private readonly listeners = new Set<(event: PuiEvent) => void>()
  private readonly batcher: JobEventBatcher
  private readonly unsubscribeMonitor: () => void
  /** Jobs last seen `PENDING` or `RUNNING`, so a job that later turns up `FAILED` is announced once. */
  private readonly unfinished = new Set<string>()
  private indexFolderProblem: string | null = null
  /** Settings as last saved. Their folders may differ from the running ones until the next start. */
  private configured: Settings
  private settingsUpdate: Promise<unknown> = Promise.resolve()
  /** The sample files' write, once requested; a second request is rejected. */
  private sampleLoad: Promise<{ files: unknown[] }> | null = null

  constructor(
    private readonly monitor: Monitor,
    options: ApiServiceOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger
    this.options = options
    this.configured = { ...monitor.settings }
    for (const job of monitor.jobView().jobs) {
      if (job.status === 'PENDING' || job.status === 'RUNNING') this.unfinished.add(job.id)
    }
    this.batcher = new JobEventBatcher({
      intervalMs: options.batchIntervalMs,
      lookupJob: (jobId) => monitor.job(jobId),
      toRow: (job, progress) => toJobRow(job, monitor.progressOf(job.id) ?? progress),
      deliver: (events) => events.forEach((event) => this.deliver(event)),
    })
    this.unsubscribeMonitor = monitor.subscribe((event) => this.onMonitorEvent(event))
  }

  /** Stops listening to the monitor and drops undelivered events. */
  close(): void {
    this.unsubscribeMonitor()
    this.batcher.clear()
    this.listeners.clear()
  }

  async listJobs(query: JobQuery): Promise<JobPage> {
    const parsed = parseRequest(JobQuerySchema, query, 'job query')
    return this.monitor.queryJobs(parsed)
  }

  async getJob(id: string): Promise<Job> {
    return this.requireJob(id)
  }

  async retryBackup(id: string): Promise<Job> {
    const job = this.requireJob(id)
    if (job.archivalStatus !== 'BACKUP_FAILURE') {
      throw new ApiCallError({
        code: 'CONFLICT',
        message: `cannot retry the backup of job ${job.id} (${job.fileName}): its archival status is ${job.archivalStatus}, and only a job in BACKUP_FAILURE can be retried`,
      })
    }
    try {
      return await this.monitor.retryBackup(job.id)
    } catch (error) {
      if (error instanceof RetryNotAllowedError) throw new ApiCallError({ code: 'CONFLICT', message: error.message })
      throw this.toInternal(`retry the backup of job ${job.id}`, error)
    }
  }

  /** Retries the jobs in `BACKUP_FAILURE` that match the query's filters, at the monitor's concurrency. */
  async retryFailedBackups(query: JobQuery): Promise<BulkRetryResult> {
    const parsed = parseRequest(JobQuerySchema, query, 'job query')
    return retryFailedBackups(this.monitor, parsed, this.logger)
  }

  async acknowledgeFailure(id: string): Promise<Job> {
    const job = this.requireJob(id)
    if (job.archivalStatus !== 'BACKUP_FAILURE') {
      throw new ApiCallError({
        code: 'CONFLICT',
        message: `cannot acknowledge job ${job.id} (${job.fileName}): its archival status is ${job.archivalStatus}, and only a backup failure can be acknowledged`,
      })
    }
    try {
      return await this.monitor.acknowledgeFailure(job.id)
    } catch (error) {
      if (error instanceof AcknowledgeNotAllowedError) throw new ApiCallError({ code: 'CONFLICT', message: error.message })
      throw this.toInternal(`acknowledge the backup failure of job ${job.id}`, error)
    }
  }

  async acknowledgeFailures(query: JobQuery): Promise<AcknowledgeResult> {
    const parsed = parseRequest(JobQuerySchema, query, 'job query')
    return this.internal('acknowledge the backup failures', () => acknowledgeFailures(this.monitor, parsed, this.logger))
  }

  async getReport(range: ReportRangeRequest): Promise<AccountingReportData> {
    const parsed = parseRequest(ReportRangeSchema, range, 'report range')
    if (parsed.from && parsed.to && parsed.from > parsed.to) {
      throw new ApiCallError({ code: 'INVALID_REQUEST', message: `invalid report range: from ${parsed.from} is after to ${parsed.to}` })
    }
    return this.monitor.report(parsed)
  }

  async exportReportCsv(range: ReportRangeRequest): Promise<string> {
    return reportToCsv(await this.getReport(range))
  }

  async getSettings(): Promise<Settings> {
    return { ...this.configured }
  }

  /**
   * Validates and saves the patch to `settings.json`, then applies it to the running monitor. Pipeline options take
   * effect at once. Folder changes are saved and returned but take effect at the next start, so the returned settings
   * then differ from the folders in `getStatus()`, which are the running ones.
   */
  async updateSettings(patch: SettingsPatch): Promise<Settings> {
    const parsed = this.parseSettingsPatch(patch)
    // One update at a time, because each reads and rewrites settings.json.
    const update = this.settingsUpdate.then(() => this.saveAndApply(parsed))
    this.settingsUpdate = update.catch(() => undefined)
    return update
  }

  /**
   * Checks the shape of a settings change only. The values are checked by `saveSettings`, whose messages name the
   * setting, the value and the allowed range, the same as at start-up.
   */
  private parseSettingsPatch(patch: unknown): SettingsPatch {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw new ApiCallError({ code: 'INVALID_REQUEST', message: 'invalid settings: expected an object of settings to change' })
    }
    const known = new Set(Object.keys(SettingsPatchSchema.shape))
    const unknown = Object.keys(patch).filter((key) => !known.has(key))
    if (unknown.length > 0) {
      throw new ApiCallError({
        code: 'INVALID_REQUEST',
        message: `invalid settings: unknown setting ${unknown.join(', ')}; known settings are ${[...known].join(', ')}`,
      })
    }
    return patch as SettingsPatch
  }

  private async saveAndApply(patch: SettingsPatch): Promise<Settings> {
    let next: Settings
    try {
      next = await saveSettings(this.configured, patch, 'form')
    } catch (error) {
      if (error instanceof SettingsError) throw new ApiCallError({ code: 'INVALID_SETTINGS', message: error.problems.join('; ') })
      throw this.toInternal('save the settings', error)
    }
    this.configured = next

    const running = this.monitor.settings
    await this.internal('apply the settings', () =>
      this.monitor.applyOptions({ ...next, indexDir: running.indexDir, archiveDir: running.archiveDir, dataDir: running.dataDir }),
    )
    if (next.indexDir !== running.indexDir || next.archiveDir !== running.archiveDir) {
      this.logger.info(`api: folder changes saved: index ${next.indexDir} and archive ${next.archiveDir} take effect at the next start`)
    }
    try {
      this.options.onSettingsSaved?.({ ...next })
    } catch (error) {
      this.logger.error(`api: applying the saved settings outside the core failed: ${(error as Error).stack ?? error}`)
    }
    return { ...next }
  }

  async getStatus(): Promise<MonitorStatus> {
    return this.status()
  }

  async pause(): Promise<MonitorStatus> {
    this.monitor.pause()
    return this.status()
  }

  async resume(): Promise<MonitorStatus> {
    this.monitor.resume()
    return this.status()
  }

  /**
   * Writes the demo index files into the running index folder under free names, so nothing is overwritten. Rejects
   * with `CONFLICT` once the job history has a job, or once this service has written them, because a second set has
   * the same content, so its files would come back as duplicates.
   */
  async loadSampleFiles(): Promise<{ written: number }> {
    const to = this.monitor.settings.indexDir
    if (this.sampleLoad) {
      throw new ApiCallError({
        code: 'CONFLICT',
        message: `cannot load the sample files again: they were already written to ${to}, and a second set would only add duplicates. Wait for them to appear in the job grid`,
      })
    }
    const { total } = this.monitor.queryJobs({ limit: 1 }).counts
    if (total > 0) {
      throw new ApiCallError({
        code: 'CONFLICT',
        message: `cannot load the sample files: the job history already has ${total} ${total === 1 ? 'job' : 'jobs'}, and sample files are only for an empty history. Drop your own index files into ${to} instead`,
      })
    }

    this.sampleLoad = this.internal('write the sample files', () =>
      simulate({ to, files: SAMPLE_FILE_COUNT, badRatio: SAMPLE_BAD_RATIO, seed: SAMPLE_SEED, slowAppendMs: 0 }),
    )
    try {
      const summary = await this.sampleLoad
      this.logger.info(`api: wrote ${summary.files.length} sample files into ${to}`)
      return { written: summary.files.length }
    } catch (error) {
      // A failed write may be tried again.
      this.sampleLoad = null
      throw error
    }
  }

  async chooseFolder(kind: FolderKind): Promise<string | null> {
    const parsed = parseRequest(FolderKindSchema, kind, 'folder kind')
    const desktop = this.options.desktop
    if (!desktop) {
      throw new ApiCallError({
        code: 'NOT_AVAILABLE',
        message: 'choosing a folder with a picker is not available in serve mode: type the folder path in Settings instead',
      })
    }
    const current = parsed === 'index' ? this.configured.indexDir : this.configured.archiveDir
    return this.internal(`show the ${parsed} folder picker`, () => desktop.chooseFolder(parsed, current))
  }

  subscribe(listener: (event: PuiEvent) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
      if (this.listeners.size === 0) this.batcher.clear()
    }
  }

  private status(): MonitorStatus {
    return {
      paused: this.monitor.isPaused,
      indexDir: this.monitor.settings.indexDir,
      archiveDir: this.monitor.settings.archiveDir,
      indexFolderProblem: this.indexFolderProblem,
      desktop: this.options.desktop !== undefined,
    }
  }

  /** Returns the job, or throws `NOT_FOUND` for an unknown id and for a string that is not an id (a path, say). */
  private requireJob(id: unknown): Job {
    if (typeof id !== 'string') {
      throw new ApiCallError({ code: 'INVALID_REQUEST', message: `invalid job id: expected a string such as J000042, got ${typeof id}` })
    }
    if (!JobIdSchema.safeParse(id).success) {
      throw new ApiCallError({ code: 'NOT_FOUND', message: `no job ${JSON.stringify(id.slice(0, 40))}: job ids look like J000042` })
    }
    const job = this.monitor.job(id)
    if (!job) throw new ApiCallError({ code: 'NOT_FOUND', message: `no job ${id} in this data folder` })
    return job
  }

  private onMonitorEvent(event: MonitorEvent): void {
    switch (event.type) {
      case 'job-changed':
        return this.onJobChanged(event.job)
      case 'backup-failed':
        if (this.listeners.size > 0) this.batcher.backupFailure(event.job)
        return
      case 'job-progress':
        if (this.listeners.size > 0) this.batcher.progress(event.jobId, event.fraction)
        return
      case 'index-folder-missing':
        this.indexFolderProblem = event.message
        return this.deliver({ type: 'status-changed', status: this.status() })
      case 'index-folder-restored':
        this.indexFolderProblem = null
        return this.deliver({ type: 'status-changed', status: this.status() })
      case 'watching-paused':
      case 'watching-resumed':
        return this.deliver({ type: 'status-changed', status: this.status() })
      case 'store-recovered':
      case 'error':
        // The monitor logs these itself, and the renderer has no event for them.
        return
      default: {
        const unknownEvent: never = event
        this.logger.warn(`api: unknown monitor event ${JSON.stringify(unknownEvent)}`)
      }
    }
  }

  private onJobChanged(job: Job): void {
    const wasUnfinished = this.unfinished.has(job.id)
    if (job.status === 'PENDING' || job.status === 'RUNNING') this.unfinished.add(job.id)
    else this.unfinished.delete(job.id)

    if (this.listeners.size === 0) return
    if (wasUnfinished && job.status === 'FAILED') this.batcher.jobFailed(job)
    else this.batcher.jobChanged(job)
  }

  private deliver(event: PuiEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch (error) {
        this.logger.error(`api: an event listener failed on ${event.type}: ${(error as Error).stack ?? error}`)
      }
    }
  }

  /** Runs `action`, turning any error other than an `ApiCallError` into `INTERNAL`. */
  private async internal<T>(operation: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action()
    } catch (error) {
      throw this.toInternal(operation, error)
    }
  }

  private toInternal(operation: string, error: unknown): ApiCallError {
    if (error instanceof ApiCallError) return error
    this.logger.error(`api: cannot ${operation}: ${(error as Error).stack ?? error}`)
    return new ApiCallError({ code: 'INTERNAL', message: `cannot ${operation}: ${(error as Error).message ?? String(error)}` })
  }
}
