import type { Job } from '../../shared/job'

/** Exit codes of the `pui-monitor` command; README.md lists them for users. */
export const EXIT = {
  ok: 0,
  /** An unexpected internal error; the log file has the stack trace. */
  internalError: 1,
  /** Invalid usage, settings, job types, or a data folder that cannot be opened. */
  usage: 2,
  /** At least one job ended `FAILED`; every backup that ran succeeded. */
  jobsFailed: 3,
  /** At least one backup ended `BACKUP_FAILURE`, or a move-only move failed; no job failed. */
  backupsFailed: 4,
  /** Both: failed jobs, and failed backups or moves. */
  jobsAndBackupsFailed: 5,
} as const

/**
 * Chooses the exit code of a run from the jobs it worked on. A failed move of a move-only job counts as a failed
 * backup, although its archival status stays `NOT_REQUIRED`, because the file stayed in the index folder.
 */
export function exitCodeFor(jobs: Iterable<Job>, failedMoveJobIds: ReadonlySet<string> = new Set()): number {
  let jobFailed = false
  let backupFailed = false
  for (const job of jobs) {
    if (job.status === 'FAILED') jobFailed = true
    if (job.archivalStatus === 'BACKUP_FAILURE' || failedMoveJobIds.has(job.id)) backupFailed = true
  }
  if (jobFailed && backupFailed) return EXIT.jobsAndBackupsFailed
  if (jobFailed) return EXIT.jobsFailed
  if (backupFailed) return EXIT.backupsFailed
  return EXIT.ok
}
