import { mkdir } from 'node:fs/promises'
import type { JobCountsSummary } from '../../shared/api'
import { ZERO_COUNTS, type ArchivalFields, type Job, type ProcessingFields } from '../../shared/job'
import type { AccountingRow } from '../../shared/report'
import { JobSchema } from '../../shared/schemas'
import { type DataFolderLock, acquireDataFolderLock } from './data-folder-lock'
import { CoalescingWriter } from './coalescing-writer'
import type { CountedJob, DetectionFields, ImportedJob, JobRepository, NewJob, StoreRecovery } from './job-store-contract'
import { describeIssues, formatJobId, jobNumberOf } from './job-store-file'
import { type LoadedStore, type StoreSnapshot, loadPartitionedStore, readStoreSnapshot } from './job-store-loader'
import { JobLookup } from './job-lookup'
import { type CoreLogger, silentLogger } from './logger'
import { partitionDayOf } from './partition-file'
import { type Partition, movePartitionToRetired, newPartition } from './partition-folder'
import { summarizeRetiredJobs } from './retired-history'
import { type RetentionResult, firstKeptDay, reasonToKeep } from './retention'
import { migrateSingleFileStore } from './store-migration'
import { unwritableError } from './store-error'

export { STORE_SCHEMA_VERSION } from './partition-file'
export { STORE_FOLDER_NAME } from './partition-folder'
export { SINGLE_FILE_NAME } from './store-migration'
export type { StoreSnapshot } from './job-store-loader'
export { StoreError, type StoreErrorCode } from './store-error'

/** Entries kept in a job's log; older entries are dropped first so a job retried for days cannot grow unbounded. */
export const MAX_LOG_ENTRIES = 200

export interface JobStoreOptions {
  logger?: CoreLogger
}

/** The jobs and counts the grid's queries read, valid until the store's next change: read it synchronously. */
export interface JobView {
  /** Every job in the store, in id order. The store's own array, so nothing is copied per query. */
  jobs: readonly Job[]
  counts: Readonly<JobCountsSummary>
  /** Changes whenever a job is added, changed or retired, so a cached query result can be checked. */
  version: number
}

const NEW_JOB_KEYS = [
  'fileName',
  'sourcePath',
  'detectedSize',
  'detectedMtimeMs',
  'detectedAt',
  'backupCallback',
  'archivalStatus',
  'jobType',
  'client',
  'cycleDate',
] as const satisfies readonly (keyof NewJob)[]

const PROCESSING_KEYS = [
  'status',
  'jobType',
  'client',
  'cycleDate',
  'sha256',
  'size',
  'counts',
  'rejections',
  'error',
  'duplicateOf',
  'startedAt',
  'finishedAt',
] as const satisfies readonly (keyof ProcessingFields)[]

const ARCHIVAL_KEYS = ['archivalStatus', 'archivePath', 'backupAttempts'] as const satisfies readonly (keyof ArchivalFields)[]
const DETECTION_KEYS = ['detectedSize', 'detectedMtimeMs'] as const satisfies readonly (keyof DetectionFields)[]

// Compile-time check that each key list names every field of its type.
const allKeysListed: [
  Exclude<keyof NewJob, (typeof NEW_JOB_KEYS)[number]>,
  Exclude<keyof ProcessingFields, (typeof PROCESSING_KEYS)[number]>,
  Exclude<keyof ArchivalFields, (typeof ARCHIVAL_KEYS)[number]>,
] extends [never, never, never]
  ? true
  : never = true
void allKeysListed

/**
 * The job store: every job in memory, saved under `<dataDir>/jobs/` through lowdb and a `DurableFileAdapter`, one
 * partition file per UTC day of detection (`2026-11-30.json`) and a small `manifest.json`.
 *
 * Changes apply to memory at once. Writes are serialized and coalesced, so changes made while a write runs all go
 * into the next save, which writes each partition with changes once, and the manifest when a job was added. A
 * write's cost therefore follows the size of the days changed, not of the whole history. Each change's promise
 * resolves once a save containing it is on disk. Jobs handed out are frozen: the only way to change one is through
 * the update methods.
 *
 * For seeding a large history (a migration, a benchmark), use `importJobs(jobs)`: it stores many finished jobs with
 * one write per day instead of one save per job.
 *
 * `retire(retentionDays)` moves days older than the retention period to `<dataDir>/retired/`, keeping their
 * accounting rows and counted SHA-256 values in `retired-totals.json`.
 */
export class JobStore implements JobRepository {
  /** Every job in id order; ids only grow, so a new job is appended. */
  private jobs: Job[] = []
  private readonly partitions = new Map<string, Partition>()
  private readonly dirty = new Set<Partition>()
  private manifestDirty = false
  private nextJobNumber: number
  private lookup = new JobLookup()
  private allJobs: readonly Job[] | null = null
  private version = 0
  private closed = false
  private readonly writer: CoalescingWriter

  private constructor(
    private readonly loaded: LoadedStore,
    private readonly lock: DataFolderLock,
    private readonly logger: CoreLogger,
  ) {
    this.writer = new CoalescingWriter(
      () => this.save(),
      (error, unsavedChanges) => logger.error(`job store: saving failed, ${unsavedChanges} changes are not on disk yet`, error),
    )
    this.nextJobNumber = loaded.nextJobNumber
    for (const partition of loaded.partitions) {
      this.partitions.set(partition.day, partition)
      for (const job of partition.db.data.jobs) this.jobs.push(deepFreeze(job))
    }
    this.jobs.sort((a, b) => jobNumberOf(a.id) - jobNumberOf(b.id))
    for (const job of this.jobs) this.lookup.add(job)
  }

  /**
   * Recoveries performed at load, one message each; null when every file loaded as it was. `kind` is the most
   * severe one: `started-empty` when a file and its last-good copy were both unusable.
   */
  get recovery(): StoreRecovery | null {
    const recoveries = this.loaded.recoveries
    if (recoveries.length === 0) return null
    const emptied = recoveries.find((recovery) => recovery.kind === 'started-empty')
    return {
      kind: emptied ? 'started-empty' : 'restored-last-good',
      movedAsidePath: (emptied ?? recoveries[0])!.movedAsidePath,
      message: recoveries.map((recovery) => recovery.message).join('\n'),
    }
  }

  /**
   * Opens the store of `dataDir`, creating the folder if needed: takes the data-folder lock, migrates a single-file
   * `jobs.json` (schema 1) on first open, removes temporary files left by a crash, and loads the partitions,
   * recovering missing or damaged files one by one (see `recovery`). Throws a StoreError: `LOCKED`, `UNWRITABLE`,
   * `UNREADABLE` or `SCHEMA_TOO_NEW`.
   */
  static async open(dataDir: string, options: JobStoreOptions = {}): Promise<JobStore> {
    const logger = options.logger ?? silentLogger
    try {
      await mkdir(dataDir, { recursive: true })
    } catch (error) {
      throw unwritableError('job store: creating the data folder', dataDir, error)
    }

    const lock = await acquireDataFolderLock(dataDir, { logger })
    try {
      const migrationRecovery = await migrateSingleFileStore(dataDir, { logger })
      const loaded = await loadPartitionedStore(dataDir, logger)
      if (migrationRecovery) loaded.recoveries.unshift(migrationRecovery)
      const store = new JobStore(loaded, lock, logger)
      logger.info(
        `job store: opened ${loaded.folder} with ${store.jobs.length} jobs in ${store.partitions.size} days` +
          (loaded.retired.rows.length > 0 ? ', and the kept totals of retired days' : ''),
      )
      return store
    } catch (error) {
      await lock.release()
      throw error
    }
  }

  /** Reads the store of `dataDir` for a read-only command, without the lock and without writing (see `readStoreSnapshot`). */
  static readSnapshot(dataDir: string, options: JobStoreOptions = {}): Promise<StoreSnapshot> {
    return readStoreSnapshot(dataDir, options.logger ?? silentLogger)
  }

  all(): readonly Job[] {
    this.allJobs ??= Object.freeze([...this.jobs])
    return this.allJobs
  }

  /** The store's jobs and counts for the grid's queries, without a copy (see `JobView`). */
  view(): JobView {
    return { jobs: this.jobs, counts: this.lookup.counts, version: this.version }
  }

  /** Accounting rows kept for retired days, for `buildAccountingReport`. */
  retiredRows(): readonly AccountingRow[] {
    return this.loaded.retired.rows
  }

  get(id: string): Job | undefined {
    const position = positionOf(this.jobs, id)
    return position < 0 ? undefined : this.jobs[position]
  }

  findBySourcePath(sourcePath: string): Job[] {
    return this.lookup.idsBySource(sourcePath).map((id) => this.require(id))
  }

  findCountedBySha256(sha256: string, excludeId: string): CountedJob | undefined {
    let oldest: CountedJob | undefined = this.loaded.retired.findCounted(sha256)
    for (const id of this.lookup.countedIds(sha256)) {
      if (id !== excludeId && (oldest === undefined || jobNumberOf(id) < jobNumberOf(oldest.id))) {
        oldest = this.require(id)
      }
    }
    return oldest === undefined || oldest.id === excludeId ? undefined : oldest
  }

  async create(init: NewJob): Promise<Job> {
    this.assertOpen()
    const id = formatJobId(this.nextJobNumber)
    const job = checkedJob(id, {
      status: 'PENDING',
      jobType: null,
      client: null,
      cycleDate: null,
      sha256: null,
      size: null,
      counts: { ...ZERO_COUNTS },
      rejections: [],
      error: null,
      duplicateOf: null,
      startedAt: null,
      finishedAt: null,
      archivePath: null,
      backupAttempts: [],
      log: [],
      ...pick(init, NEW_JOB_KEYS),
      id,
    })

    this.append([job])
    await this.writer.request()
    return job
  }

  /**
   * Stores many jobs at once, for seeding a history: assigns ids in the given order, validates each job like
   * `create`, and saves each day touched with one write. Returns the stored jobs. The jobs keep every field they
   * are given, archival fields included, so this is for whole records from elsewhere, never for the pipeline's own
   * changes.
   */
  async importJobs(records: readonly ImportedJob[]): Promise<Job[]> {
    this.assertOpen()
    const imported = records.map((record, offset) => {
      const id = formatJobId(this.nextJobNumber + offset)
      return checkedJob(id, { ...record, id })
    })

    this.append(imported)
    await this.writer.request()
    return imported
  }

  async updateProcessing(id: string, patch: Partial<ProcessingFields>): Promise<Job> {
    return this.replace(id, pick(patch, PROCESSING_KEYS))
  }

  async updateArchival(id: string, patch: Partial<ArchivalFields>): Promise<Job> {
    return this.replace(id, pick(patch, ARCHIVAL_KEYS))
  }

  async updateDetection(id: string, patch: DetectionFields): Promise<Job> {
    return this.replace(id, pick(patch, DETECTION_KEYS))
  }

  async appendLog(id: string, message: string): Promise<Job> {
    const entry = { at: new Date().toISOString(), message }
    return this.replace(id, { log: [...this.require(id).log, entry].slice(-MAX_LOG_ENTRIES) })
  }

  /** Resolves once every change made so far is on disk; retries a write that failed. */
  flush(): Promise<void> {
    return this.writer.flush()
  }

  async close(): Promise<void> {
    if (this.closed) {
      return
    }
    this.closed = true
    try {
      if (this.loaded.manifest.data.nextJobNumber !== this.nextJobNumber) {
        this.manifestDirty = true
        await this.writer.request()
      }
      await this.writer.flush()
    } finally {
      await this.lock.release()
    }
  }

  /**
   * Moves the days detected more than `retentionDays` days before `now` out of the store (see `RetiredHistory`),
   * unless one of their jobs must stay (see `reasonToKeep`); 0 keeps everything. The report and the duplicate rule
   * give the same results afterwards. A day whose move fails stays in the store, and the failure is logged.
   */
  async retire(retentionDays: number, now = new Date()): Promise<RetentionResult> {
    this.assertOpen()
    const result: RetentionResult = { retiredDays: [], retiredJobs: 0, keptDays: [] }
    if (retentionDays === 0) return result
    const keepFrom = firstKeptDay(now, retentionDays)
    await this.writer.flush()

    for (const partition of [...this.partitions.values()].filter((candidate) => candidate.day < keepFrom)) {
      const jobs = [...partition.db.data.jobs]
      const kept = await firstReasonToKeep(jobs)
      if (kept) {
        result.keptDays.push({ day: partition.day, ...kept })
        continue
      }
      // A change that arrived during the checks makes the day wait for the next run.
      const changed = this.dirty.has(partition) || jobs.some((job, index) => partition.db.data.jobs[index] !== job)
      if (changed || jobs.length !== partition.db.data.jobs.length) continue
      if (await this.retirePartition(partition)) {
        result.retiredDays.push(partition.day)
        result.retiredJobs += jobs.length
      }
    }

    if (result.retiredDays.length > 0) await this.writer.request()
    this.logger.info(
      `retention: retired ${result.retiredDays.length} days (${result.retiredJobs} jobs) detected before ${keepFrom}` +
        (result.keptDays.length > 0
          ? `; kept ${result.keptDays.length} older days with jobs that must stay, the first ${result.keptDays[0]!.day} because job ${result.keptDays[0]!.jobId}: ${result.keptDays[0]!.reason}`
          : ''),
    )
    return result
  }

  /** Takes a partition out of memory, moves its file to the retired folder and saves its totals. */
  private async retirePartition(partition: Partition): Promise<boolean> {
    const jobs = partition.db.data.jobs
    this.removeFromMemory(partition)
    let fileName: string
    try {
      fileName = await movePartitionToRetired(partition, this.loaded.retired.folder)
    } catch (error) {
      this.logger.error(`retention: cannot retire the jobs detected on ${partition.day}; they stay in the store`, error)
      this.restoreToMemory(partition)
      return false
    }

    const highest = jobs.length > 0 ? jobNumberOf(jobs[jobs.length - 1]!.id) : 0
    this.loaded.retired.add(fileName, summarizeRetiredJobs(partition.day, jobs, new Date().toISOString()), highest)
    try {
      await this.loaded.retired.save()
    } catch (error) {
      // The file is already in the retired folder, and the next start summarizes it again.
      this.logger.error(`retention: cannot save the totals of ${partition.day}; they are saved again at the next start`, error)
    }
    return true
  }

  private removeFromMemory(partition: Partition): void {
    const ids = new Set(partition.db.data.jobs.map((job) => job.id))
    for (const job of partition.db.data.jobs) this.lookup.remove(job, { keepSourcePath: false })
    this.jobs = this.jobs.filter((job) => !ids.has(job.id))
    this.partitions.delete(partition.day)
    this.manifestDirty = true
    this.changed()
  }

  private restoreToMemory(partition: Partition): void {
    this.partitions.set(partition.day, partition)
    this.jobs = [...this.jobs, ...partition.db.data.jobs].sort((a, b) => jobNumberOf(a.id) - jobNumberOf(b.id))
    for (const job of partition.db.data.jobs) this.lookup.add(job)
    this.manifestDirty = true
    this.changed()
  }

  /** Adds new jobs, whose ids are above every stored id, to memory and marks their partitions for saving. */
  private append(jobs: readonly Job[]): void {
    for (const job of jobs) {
      const day = partitionDayOf(job.detectedAt)
      let partition = this.partitions.get(day)
      if (partition === undefined) {
        partition = newPartition(this.loaded.folder, day, { logger: this.logger })
        this.partitions.set(day, partition)
        this.manifestDirty = true
      }
      partition.db.data.jobs.push(job)
      this.dirty.add(partition)
      this.jobs.push(job)
      this.lookup.add(job)
    }
    // The manifest's counter is saved with the next new day and at close, not with every job: a start takes the
    // next id from the highest id found anyway, so a stale counter never hands out an id twice.
    this.nextJobNumber += jobs.length
    this.changed()
  }

  private async replace(id: string, fields: Partial<Job>): Promise<Job> {
    this.assertOpen()
    const current = this.require(id)
    const next = checkedJob(id, { ...current, ...fields })
    const partition = this.partitions.get(partitionDayOf(current.detectedAt))!
    const partitionJobs = partition.db.data.jobs

    this.lookup.remove(current, { keepSourcePath: true })
    this.jobs[positionOf(this.jobs, id)] = next
    partitionJobs[positionOf(partitionJobs, id)] = next
    this.lookup.add(next)
    this.dirty.add(partition)
    this.changed()
    await this.writer.request()
    return next
  }

  private changed(): void {
    this.allJobs = null
    this.version += 1
  }

  /**
   * Writes each partition with changes and, when needed, the manifest. Every write takes its snapshot before this
   * returns, as CoalescingWriter requires; a partition whose write fails is written again by the next save.
   */
  private async save(): Promise<void> {
    const writes: Promise<void>[] = []
    for (const partition of this.dirty) {
      writes.push(
        partition.db.write().catch((error: unknown) => {
          this.dirty.add(partition)
          throw error
        }),
      )
    }
    this.dirty.clear()

    if (this.manifestDirty) {
      this.manifestDirty = false
      const manifest = this.loaded.manifest
      manifest.data = { ...manifest.data, nextJobNumber: this.nextJobNumber, partitions: [...this.partitions.keys()].sort() }
      writes.push(
        manifest.write().catch((error: unknown) => {
          this.manifestDirty = true
          throw error
        }),
      )
    }

    const failure = (await Promise.allSettled(writes)).find((outcome) => outcome.status === 'rejected')
    if (failure) throw failure.reason
  }

  private require(id: string): Job {
    const job = this.get(id)
    if (job === undefined) {
      throw new Error(`job store: no job ${id}`)
    }
    return job
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new Error('job store: the store is closed; open it again to make changes')
    }
  }
}

/** Returns the position of the job with `id` in `jobs`, which are in id order, or -1. */
function positionOf(jobs: readonly Job[], id: string): number {
  const wanted = jobNumberOf(id)
  let low = 0
  let high = jobs.length - 1
  while (low <= high) {
    const middle = (low + high) >>> 1
    const number = jobNumberOf(jobs[middle]!.id)
    if (number === wanted) return jobs[middle]!.id === id ? middle : -1
    if (number < wanted) low = middle + 1
    else high = middle - 1
  }
  return -1
}

async function firstReasonToKeep(jobs: readonly Job[]): Promise<{ jobId: string; reason: string } | null> {
  for (const job of jobs) {
    const reason = await reasonToKeep(job)
    if (reason !== null) return { jobId: job.id, reason }
  }
  return null
}

/** Validates a job about to be stored and returns a frozen copy, so no caller keeps a reference into the store. */
function checkedJob(id: string, candidate: Record<string, unknown>): Job {
  const parsed = JobSchema.safeParse(candidate)
  if (!parsed.success) {
    throw new Error(`job store: invalid values for job ${id}: ${describeIssues(parsed.error)}`)
  }
  return deepFreeze(structuredClone(parsed.data))
}

/**
 * Copies only `keys` from `source`, dropping every other key at run time whatever type the caller used. A key
 * set to undefined is skipped, as if it were absent from the partial object.
 */
function pick<K extends string>(source: object, keys: readonly K[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {}
  for (const key of keys) {
    const value: unknown = (source as Record<string, unknown>)[key]
    if (Object.hasOwn(source, key) && value !== undefined) {
      picked[key] = value
    }
  }
  return picked
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value)
    for (const child of Object.values(value)) {
      deepFreeze(child)
    }
  }
  return value
}
