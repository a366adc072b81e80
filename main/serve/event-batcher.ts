import type { JobRow, PuiEvent } from '../../shared/api'
import type { Job } from '../../shared/job'

/** Shortest time between two batches of job events, in milliseconds. */
export const DEFAULT_BATCH_INTERVAL_MS = 200

export interface JobEventBatcherOptions {
  intervalMs?: number
  /** Current version of a job, for jobs that only reported progress since the last batch. */
  lookupJob: (jobId: string) => Job | undefined
  /** Builds the row of a job, with the last progress fraction reported in this batch or null. */
  toRow: (job: Job, progress: number | null) => JobRow
  /** Receives each batch: `jobs-changed`, then `job-failed`, then `backup-failed`, each only when non-empty. */
  deliver: (events: PuiEvent[]) => void
}

/**
 * Collects job changes and sends them at most once per interval, so a burst of thousands of files reaches the
 * renderer as a few batches per second instead of one event per store write. Each job appears once per batch, in its
 * last version.
 */
export class JobEventBatcher {
  private readonly intervalMs: number
  /** Changed jobs by id. Null marks a job that only reported progress, which is looked up when the batch is sent. */
  private changed = new Map<string, Job | null>()
  private fractions = new Map<string, number>()
  private failed = new Map<string, Job>()
  private backupFailed = new Map<string, Job>()
  private timer: NodeJS.Timeout | null = null
  private lastFlushAt = Number.NEGATIVE_INFINITY

  constructor(private readonly options: JobEventBatcherOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_BATCH_INTERVAL_MS
  }

  jobChanged(job: Job): void {
    this.changed.set(job.id, job)
    this.schedule()
  }

  /** Records a job whose main status has just become `FAILED`, which is also sent as changed. */
  jobFailed(job: Job): void {
    this.failed.set(job.id, job)
    this.jobChanged(job)
  }

  backupFailure(job: Job): void {
    this.backupFailed.set(job.id, job)
    this.schedule()
  }

  progress(jobId: string, fraction: number): void {
    this.fractions.set(jobId, fraction)
    if (!this.changed.has(jobId)) this.changed.set(jobId, null)
    this.schedule()
  }

  /** Sends what has been collected now. */
  flush(): void {
    this.cancelTimer()
    this.lastFlushAt = Date.now()
    const { changed, fractions, failed, backupFailed } = this
    this.clear()

    const events: PuiEvent[] = []
    const rows: JobRow[] = []
    for (const [jobId, changedJob] of changed) {
      const job = changedJob ?? this.options.lookupJob(jobId)
      if (job) rows.push(this.options.toRow(job, fractions.get(jobId) ?? null))
    }
    if (rows.length > 0) events.push({ type: 'jobs-changed', rows })
    if (failed.size > 0) events.push({ type: 'job-failed', rows: this.rowsOf(failed) })
    if (backupFailed.size > 0) events.push({ type: 'backup-failed', rows: this.rowsOf(backupFailed) })
    if (events.length > 0) this.options.deliver(events)
  }

  /** Drops what has been collected and stops the timer. */
  clear(): void {
    this.cancelTimer()
    this.changed = new Map()
    this.fractions = new Map()
    this.failed = new Map()
    this.backupFailed = new Map()
  }

  private rowsOf(jobs: Map<string, Job>): JobRow[] {
    return [...jobs.values()].map((job) => this.options.toRow(job, null))
  }

  private schedule(): void {
    if (this.timer !== null) return
    // The first change after a quiet spell goes out on the next tick, and later ones wait for the interval to pass.
    const delay = Math.max(0, this.lastFlushAt + this.intervalMs - Date.now())
    this.timer = setTimeout(() => {
      this.timer = null
      this.flush()
    }, delay)
    this.timer.unref()
  }

  private cancelTimer(): void {
    if (this.timer === null) return
    clearTimeout(this.timer)
    this.timer = null
  }
}
