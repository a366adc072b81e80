import type { JobRow } from './api'
import type { Job } from './job'

/**
 * Builds the grid row of a job. `progress` is kept only while the job is `RUNNING`. The server builds rows for
 * pages and events. The renderer builds one from the whole job a retry returns, so the row updates at once.
 */
export function toJobRow(job: Job, progress: number | null = null): JobRow {
  return {
    id: job.id,
    fileName: job.fileName,
    jobType: job.jobType,
    client: job.client,
    cycleDate: job.cycleDate,
    detectedAt: job.detectedAt,
    durationMs: durationOf(job),
    accepted: job.counts.accepted,
    rejected: job.counts.rejected,
    pages: job.counts.pages,
    status: job.status,
    archivalStatus: job.archivalStatus,
    errorMessage: errorMessageOf(job),
    progress: job.status === 'RUNNING' ? progress : null,
    failureAcknowledgedAt: job.archivalStatus === 'BACKUP_FAILURE' ? job.failureAcknowledgedAt : null,
  }
}

/** Processing time of a finished job in milliseconds; null while it runs or when a time is missing. */
export function durationOf(job: Job): number | null {
  if (job.status === 'PENDING' || job.status === 'RUNNING' || job.startedAt === null || job.finishedAt === null) return null
  const duration = Date.parse(job.finishedAt) - Date.parse(job.startedAt)
  return Number.isFinite(duration) && duration >= 0 ? duration : null
}

function errorMessageOf(job: Job): string | null {
  if (job.error) return job.error.message
  const lastAttempt = job.backupAttempts.at(-1)
  return lastAttempt?.outcome === 'failure' ? lastAttempt.message : null
}

/** Returns true for a backup failure that is not acknowledged: it counts in the tray and raises notifications. */
export function isUnacknowledgedFailure(job: Pick<JobRow, 'archivalStatus' | 'failureAcknowledgedAt'>): boolean {
  return job.archivalStatus === 'BACKUP_FAILURE' && job.failureAcknowledgedAt === null
}
