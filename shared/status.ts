/**
 * Main status of a processing job. Accounting reports read only this value and the counts.
 *
 * - `PENDING`: detected and recorded, not processed yet.
 * - `RUNNING`: being parsed and validated.
 * - `SUCCESS`: posted; every record was accepted.
 * - `WARNING`: posted; some records were rejected, fewer than the job type's threshold.
 * - `FAILED`: nothing posted: over the threshold, no accepted record, unreadable, no matching job type,
 *   or the same content as a job that was already counted.
 */
export const JOB_STATUSES = ['PENDING', 'RUNNING', 'SUCCESS', 'WARNING', 'FAILED'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

/**
 * Archival status of a processing job: the outcome of its backup callback, kept apart from the main status.
 *
 * - `NOT_REQUIRED`: the job type's callback is `move-only` or `none`, or the file matched no job type.
 * - `PENDING`: processing is not finished, or the backup has not started.
 * - `IN_PROGRESS`: BackupHelper is copying, verifying or retrying.
 * - `BACKED_UP`: the archived copy is on disk with the recorded SHA-256 and the source is removed.
 * - `BACKUP_FAILURE`: automatic retries ran out. The grid shows it in red and offers a retry; it changes
 *   neither the main status nor the accounting report.
 */
export const ARCHIVAL_STATUSES = ['NOT_REQUIRED', 'PENDING', 'IN_PROGRESS', 'BACKED_UP', 'BACKUP_FAILURE'] as const
export type ArchivalStatus = (typeof ARCHIVAL_STATUSES)[number]

/** Archival status values that describe a backup outcome; none of them is a main status. */
export type BackupOutcomeStatus = Extract<ArchivalStatus, 'IN_PROGRESS' | 'BACKED_UP' | 'BACKUP_FAILURE'>

/** Main statuses whose counts go into the accounting report. */
export const POSTED_STATUSES: readonly JobStatus[] = ['SUCCESS', 'WARNING']

/** Action a job type takes on its index file after processing. */
export const BACKUP_CALLBACKS = ['archive', 'move-only', 'none'] as const
export type BackupCallback = (typeof BACKUP_CALLBACKS)[number]

/** Throws at run time when a switch over a status union meets a value that the types rule out. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`)
}

/** Returns true when the job's counts belong in the accounting report. */
export function isPosted(status: JobStatus): boolean {
  switch (status) {
    case 'SUCCESS':
    case 'WARNING':
      return true
    case 'PENDING':
    case 'RUNNING':
    case 'FAILED':
      return false
    default:
      return assertNever(status)
  }
}

/** Returns true when the grid's Action cell gets the red error background. */
export function needsAttention(status: JobStatus, archivalStatus: ArchivalStatus): boolean {
  return status === 'FAILED' || archivalStatus === 'BACKUP_FAILURE'
}
