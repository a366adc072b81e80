import { lstat } from 'node:fs/promises'
import type { Job } from '../../shared/job'
import { errnoOf } from './store-error'

const DAY_MS = 86_400_000

/** How often a running monitor retires days that have grown older than the retention period. */
export const RETENTION_CHECK_INTERVAL_MS = DAY_MS

/** Outcome of one retention run. */
export interface RetentionResult {
  /** Days moved out of the store, oldest first. */
  retiredDays: string[]
  /** Jobs in those days. */
  retiredJobs: number
  /** Days old enough to retire that stay, each with the first job that keeps it. */
  keptDays: { day: string; jobId: string; reason: string }[]
}

/**
 * Returns the first day to keep: days before it are older than `retentionDays` whole days, counted in UTC from
 * `now`. With `retentionDays` 1 and `now` on 2026-12-04, days up to 2026-12-02 are retired.
 */
export function firstKeptDay(now: Date, retentionDays: number): string {
  return new Date(now.getTime() - retentionDays * DAY_MS).toISOString().slice(0, 10)
}

/**
 * Returns why a job must stay in the store, or null when it may be retired. A job stays while it can still change
 * or still matters to the pipeline:
 * - its main status is `PENDING` or `RUNNING`;
 * - its archival status is `PENDING`, `IN_PROGRESS` or `BACKUP_FAILURE` (a failed backup can still be retried);
 * - its file is still in the index folder with the size and modification time it had when detected (failed jobs,
 *   acknowledgements, a move that failed), because the store is what keeps such a file from becoming a new job.
 */
export async function reasonToKeep(job: Job): Promise<string | null> {
  if (job.status === 'PENDING' || job.status === 'RUNNING') {
    return `its status is ${job.status}`
  }
  if (job.archivalStatus === 'PENDING' || job.archivalStatus === 'IN_PROGRESS' || job.archivalStatus === 'BACKUP_FAILURE') {
    return `its archival status is ${job.archivalStatus}`
  }
  if (job.archivalStatus === 'BACKED_UP') {
    return null
  }

  try {
    const stats = await lstat(job.sourcePath)
    if (stats.size === job.detectedSize && stats.mtimeMs === job.detectedMtimeMs) {
      return `its file ${job.sourcePath} is still in the index folder`
    }
    return null
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null
    return `its file ${job.sourcePath} cannot be checked (${errnoOf(error) ?? String(error)})`
  }
}
