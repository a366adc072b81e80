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
  /** At least one backup ended `BACKUP_FAILURE`; no job failed. */
  backupsFailed: 4,
  /** Both: failed jobs and failed backups. */
  jobsAndBackupsFailed: 5,
} as const

/** Chooses the exit code of a run from the jobs it worked on. */
export function exitCodeFor(jobs: Iterable<Job>): number {
  let jobFailed = false
  let backupFailed = false
  for (const job of jobs) {
    if (job.status === 'FAILED') jobFailed = true
    if (job.archivalStatus === 'BACKUP_FAILURE') backupFailed = true
  }
  if (jobFailed && backupFailed) return EXIT.jobsAndBackupsFailed
  if (jobFailed) return EXIT.jobsFailed
  if (backupFailed) return EXIT.backupsFailed
  return EXIT.ok
}
