import type { JobCountsSummary } from '../../shared/api'
import type { Job } from '../../shared/job'
import { isPosted } from '../../shared/status'

/**
 * Lookups the pipeline makes on every file and every finished job, kept up to date as jobs are added, replaced and
 * retired: job ids by source path, ids of counted jobs by SHA-256, and the counts bar's totals.
 *
 * A key with one id maps to the id itself instead of an array, because most paths and hashes have one job and a
 * history of 200,000 jobs would otherwise keep 400,000 small arrays.
 */
export class JobLookup {
  private readonly idsBySourcePath = new Map<string, string | string[]>()
  private readonly countedIdsBySha256 = new Map<string, string | string[]>()
  private readonly summary: JobCountsSummary = { total: 0, running: 0, failed: 0, backupFailures: 0 }

  /** Counts for the counts bar over every job in the store; read-only for callers. */
  get counts(): Readonly<JobCountsSummary> {
    return this.summary
  }

  add(job: Job): void {
    addId(this.idsBySourcePath, job.sourcePath, job.id)
    if (job.sha256 !== null && isPosted(job.status)) {
      addId(this.countedIdsBySha256, job.sha256, job.id)
    }
    this.count(job, 1)
  }

  /** Removes a job from every lookup: when it is replaced (its source path never changes) or retired. */
  remove(job: Job, options: { keepSourcePath: boolean }): void {
    if (!options.keepSourcePath) {
      removeId(this.idsBySourcePath, job.sourcePath, job.id)
    }
    if (job.sha256 !== null) {
      removeId(this.countedIdsBySha256, job.sha256, job.id)
    }
    this.count(job, -1)
  }

  /** Ids of the jobs recorded for a source path, in the order they were added. */
  idsBySource(sourcePath: string): readonly string[] {
    return asList(this.idsBySourcePath.get(sourcePath))
  }

  /** Ids of the counted jobs with this SHA-256. */
  countedIds(sha256: string): readonly string[] {
    return asList(this.countedIdsBySha256.get(sha256))
  }

  private count(job: Job, step: 1 | -1): void {
    this.summary.total += step
    if (job.status === 'RUNNING') this.summary.running += step
    else if (job.status === 'FAILED') this.summary.failed += step
    if (job.archivalStatus === 'BACKUP_FAILURE') this.summary.backupFailures += step
  }
}

function asList(entry: string | string[] | undefined): readonly string[] {
  if (entry === undefined) return []
  return typeof entry === 'string' ? [entry] : entry
}

function addId(map: Map<string, string | string[]>, key: string, id: string): void {
  const entry = map.get(key)
  if (entry === undefined) {
    map.set(key, id)
  } else if (typeof entry === 'string') {
    if (entry !== id) map.set(key, [entry, id])
  } else if (!entry.includes(id)) {
    entry.push(id)
  }
}

function removeId(map: Map<string, string | string[]>, key: string, id: string): void {
  const entry = map.get(key)
  if (entry === id) {
    map.delete(key)
  } else if (Array.isArray(entry)) {
    const rest = entry.filter((candidate) => candidate !== id)
    if (rest.length === 1) map.set(key, rest[0]!)
    else if (rest.length === 0) map.delete(key)
    else map.set(key, rest)
  }
}
