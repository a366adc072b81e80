import type { JobCountsSummary } from '../../shared/api'
import type { Job } from '../../shared/job'
import { jobNumberOf } from './job-store-file'
import { JobLookup } from './job-lookup'
import { type CoreLogger } from './logger'
import { partitionDayOf } from './partition-file'
import { type Partition, newPartition } from './partition-folder'

/** The jobs and counts the grid's queries read, valid until the store's next change: read it synchronously. */
export interface JobView {
  /**
   * Every job in the store, in id order. These are the store's own array and job objects, so nothing is copied per
   * query. Jobs loaded at start-up are frozen only when handed out one by one, so readers must not change them.
   */
  jobs: readonly Job[]
  counts: Readonly<JobCountsSummary>
  /** Changes whenever a job is added, changed or retired, so a cached query result can be checked. */
  version: number
}

/**
 * The jobs in memory: one array in id order for lookups by id (binary search) and for the grid, the partition each
 * job is saved in, and the lookups of `JobLookup`. It records which partitions changed since the last save.
 *
 * Jobs loaded from disk are frozen when first handed out (`get`, `all`) instead of at load, because freezing 200,000
 * jobs took about as long as parsing their JSON in a start-up measurement. New and changed jobs are frozen at once.
 */
export class JobCollection {
  /** Every job in id order; ids only grow, so a new job is appended. */
  private jobs: Job[] = []
  readonly partitions = new Map<string, Partition>()
  /** Partitions changed since they were last handed to a save, each with its changed jobs' latest versions by id. */
  readonly dirty = new Map<Partition, Map<string, Job>>()
  /** Set when a day was added or removed, so the manifest's partition list must be saved. */
  daysChanged = false
  readonly lookup = new JobLookup()
  private allJobs: readonly Job[] | null = null
  private version = 0

  constructor(
    partitions: readonly Partition[],
    private readonly folder: string,
    private readonly logger: CoreLogger,
  ) {
    for (const partition of partitions) {
      this.partitions.set(partition.day, partition)
      for (const job of partition.db.data.jobs) this.jobs.push(job)
    }
    this.jobs.sort(byId)
    for (const job of this.jobs) this.lookup.add(job)
  }

  get size(): number {
    return this.jobs.length
  }

  /** Returns every job in id order, as a frozen array of frozen jobs kept until the next change. */
  all(): readonly Job[] {
    this.allJobs ??= Object.freeze(this.jobs.map(deepFreeze))
    return this.allJobs
  }

  view(): JobView {
    return { jobs: this.jobs, counts: this.lookup.counts, version: this.version }
  }

  get(id: string): Job | undefined {
    const position = positionOf(this.jobs, id)
    return position < 0 ? undefined : deepFreeze(this.jobs[position]!)
  }

  /** Adds new jobs, whose ids are above every stored id, and marks their partitions for saving. */
  append(jobs: readonly Job[]): void {
    for (const job of jobs) {
      const day = partitionDayOf(job.detectedAt)
      let partition = this.partitions.get(day)
      if (partition === undefined) {
        partition = newPartition(this.folder, day, { logger: this.logger })
        this.partitions.set(day, partition)
        this.daysChanged = true
      }
      partition.db.data.jobs.push(job)
      this.markChanged(partition, job)
      this.jobs.push(job)
      this.lookup.add(job)
    }
    this.changed()
  }

  /** Replaces a stored job with its next version, in its own partition. */
  replace(current: Job, next: Job): void {
    const partition = this.partitions.get(partitionDayOf(current.detectedAt))!
    const partitionJobs = partition.db.data.jobs

    this.lookup.remove(current, { keepSourcePath: true })
    this.jobs[positionOf(this.jobs, current.id)] = next
    partitionJobs[positionOf(partitionJobs, current.id)] = next
    this.lookup.add(next)
    this.markChanged(partition, next)
    this.changed()
  }

  /** Records that `job` must be saved in `partition`; a later version of the same job replaces it. */
  markChanged(partition: Partition, job: Job): void {
    let changed = this.dirty.get(partition)
    if (changed === undefined) {
      changed = new Map()
      this.dirty.set(partition, changed)
    }
    changed.set(job.id, job)
  }

  /** Takes a whole partition's jobs out of memory, for retention. */
  removePartition(partition: Partition): void {
    const ids = new Set(partition.db.data.jobs.map((job) => job.id))
    for (const job of partition.db.data.jobs) this.lookup.remove(job, { keepSourcePath: false })
    this.jobs = this.jobs.filter((job) => !ids.has(job.id))
    this.partitions.delete(partition.day)
    this.daysChanged = true
    this.changed()
  }

  /** Puts back a partition that `removePartition` took out, when retiring it failed. */
  restorePartition(partition: Partition): void {
    this.partitions.set(partition.day, partition)
    this.jobs = [...this.jobs, ...partition.db.data.jobs].sort(byId)
    for (const job of partition.db.data.jobs) this.lookup.add(job)
    this.daysChanged = true
    this.changed()
  }

  private changed(): void {
    this.allJobs = null
    this.version += 1
  }
}

function byId(a: Job, b: Job): number {
  return jobNumberOf(a.id) - jobNumberOf(b.id)
}

/** Returns the position of the job with `id` in `jobs`, which are in id order, or -1. */
function positionOf(jobs: readonly Job[], id: string): number {
  const target = jobNumberOf(id)
  let low = 0
  let high = jobs.length - 1
  while (low <= high) {
    const middle = (low + high) >>> 1
    const number = jobNumberOf(jobs[middle]!.id)
    if (number === target) return jobs[middle]!.id === id ? middle : -1
    if (number < target) low = middle + 1
    else high = middle - 1
  }
  return -1
}

/** Freezes a value and everything it contains; a value already frozen is taken as frozen throughout. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) {
      deepFreeze(child)
    }
  }
  return value
}
