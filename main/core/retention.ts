import { lstat } from 'node:fs/promises'
import type { Job } from '../../shared/job'
import type { JobCollection } from './job-collection'
import { jobNumberOf } from './job-store-file'
import { type CoreLogger } from './logger'
import { type Partition, movePartitionToRetired } from './partition-folder'
import { compactPartition } from './partition-journal'
import { type RetiredHistory, summarizeRetiredJobs } from './retired-history'
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

/** Parts of the store that a retention run uses. */
export interface RetentionContext {
  collection: JobCollection
  retired: RetiredHistory
  logger: CoreLogger
  /** Resolves once every change so far is on disk. */
  flush(): Promise<void>
  /** Saves the manifest after days were removed. */
  requestSave(): Promise<void>
}

/**
 * Moves the days detected more than `retentionDays` days before `now` out of the store, unless one of their jobs
 * must stay (see `reasonToKeep`). For each day, in order: its jobs leave memory, its journal is folded into its day
 * file, the file moves to the `retired`
 * folder (see `movePartitionToRetired`), and its summary is saved in `retired-totals.json`. The accounting report
 * and the duplicate rule give the same results afterwards. A day whose move fails goes back into memory and stays,
 * and the failure is logged.
 */
export async function retireOldDays(context: RetentionContext, retentionDays: number, now: Date): Promise<RetentionResult> {
  const result: RetentionResult = { retiredDays: [], retiredJobs: 0, keptDays: [] }
  if (retentionDays === 0) return result
  const keepFrom = firstKeptDay(now, retentionDays)
  await context.flush()

  const candidates = [...context.collection.partitions.values()].filter((partition) => partition.day < keepFrom)
  for (const partition of candidates.sort((a, b) => a.day.localeCompare(b.day))) {
    const jobs = [...partition.db.data.jobs]
    const reasonToKeep = await firstReasonToKeep(jobs)
    if (reasonToKeep) {
      result.keptDays.push({ day: partition.day, ...reasonToKeep })
      continue
    }
    // A change that arrived during the checks makes the day wait for the next run.
    const current = partition.db.data.jobs
    const changed = context.collection.dirty.has(partition) || current.length !== jobs.length || jobs.some((job, index) => current[index] !== job)
    if (changed) continue
    if (await retirePartition(context, partition)) {
      result.retiredDays.push(partition.day)
      result.retiredJobs += jobs.length
    }
  }

  if (result.retiredDays.length > 0) await context.requestSave()
  const firstKept = result.keptDays[0]
  context.logger.info(
    `retention: retired ${plural(result.retiredDays.length, 'day')} (${plural(result.retiredJobs, 'job')}) detected before ${keepFrom}` +
      (firstKept
        ? `; kept ${result.keptDays.length} older days with jobs that must stay, the first ${firstKept.day} because job ${firstKept.jobId}: ${firstKept.reason}`
        : ''),
  )
  return result
}

async function retirePartition(context: RetentionContext, partition: Partition): Promise<boolean> {
  const jobs = partition.db.data.jobs
  context.collection.removePartition(partition)
  let fileName: string
  try {
    // The day file moves alone, so the journal's lines are folded into it first.
    const journal = partition.journal
    if (journal.bytes > 0 || journal.mustCompact) await compactPartition(partition)
    fileName = await movePartitionToRetired(partition, context.retired.folder)
  } catch (error) {
    context.logger.error(`retention: cannot retire the jobs detected on ${partition.day}; they stay in the store`, error)
    context.collection.restorePartition(partition)
    return false
  }

  const highest = jobs.length > 0 ? jobNumberOf(jobs[jobs.length - 1]!.id) : 0
  context.retired.add(fileName, summarizeRetiredJobs(partition.day, jobs, new Date().toISOString()), highest)
  try {
    await context.retired.save()
  } catch (error) {
    // The file is already in the retired folder, and the next start summarizes it again.
    context.logger.error(`retention: cannot save the totals of ${partition.day}; they are saved again at the next start`, error)
  }
  return true
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

async function firstReasonToKeep(jobs: readonly Job[]): Promise<{ jobId: string; reason: string } | null> {
  for (const job of jobs) {
    const reason = await reasonToKeep(job)
    if (reason !== null) return { jobId: job.id, reason }
  }
  return null
}
