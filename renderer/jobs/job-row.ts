import type { JobRow } from '../../shared/api'
import type { Job } from '../../shared/job'

/**
 * Builds the grid row of a job the API returned whole (after a retry), so the row updates before the next
 * re-query. The tooltip message is the processing error, else the last backup error while the backup is failing.
 */
export function toJobRow(job: Job, progress: number | null = null): JobRow {
  const lastFailure = job.backupAttempts.findLast((attempt) => attempt.outcome === 'failure')
  const backupError = job.archivalStatus === 'BACKUP_FAILURE' ? (lastFailure?.message ?? null) : null
  const durationMs =
    job.startedAt && job.finishedAt ? Date.parse(job.finishedAt) - Date.parse(job.startedAt) : null

  return {
    id: job.id,
    fileName: job.fileName,
    jobType: job.jobType,
    client: job.client,
    cycleDate: job.cycleDate,
    detectedAt: job.detectedAt,
    durationMs,
    accepted: job.counts.accepted,
    rejected: job.counts.rejected,
    pages: job.counts.pages,
    status: job.status,
    archivalStatus: job.archivalStatus,
    errorMessage: job.error?.message ?? backupError,
    progress: job.status === 'RUNNING' ? progress : null,
  }
}
