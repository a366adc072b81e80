import { mkdir } from 'node:fs/promises'
import { ZERO_COUNTS, type ArchivalFields, type Job, type ProcessingFields } from '../../shared/job'
import type { AccountingRow } from '../../shared/report'
import { JobSchema } from '../../shared/schemas'
import { type DataFolderLock, acquireDataFolderLock } from './data-folder-lock'
import { CoalescingWriter } from './coalescing-writer'
import type { CountedJob, DetectionFields, ImportedJob, JobRepository, NewJob, StoreRecovery } from './job-store-contract'
import { describeIssues, formatJobId, jobNumberOf } from './job-store-file'
import { type LoadedStore, type StoreSnapshot, loadPartitionedStore, readStoreSnapshot } from './job-store-loader'
import { JobCollection, type JobView, deepFreeze } from './job-collection'
import { type CoreLogger, silentLogger } from './logger'
import { type RetentionResult, retireOldDays } from './retention'
import type { Partition } from './partition-folder'
import { appendToJournal, compactPartition, shouldCompact } from './partition-journal'
import { migrateSingleFileStore } from './store-migration'
import { unwritableError } from './store-error'

export { STORE_SCHEMA_VERSION } from './partition-file'
export { STORE_FOLDER_NAME } from './partition-folder'
export { SINGLE_FILE_NAME } from './store-migration'
export type { StoreSnapshot } from './job-store-loader'
export type { JobView } from './job-collection'
export { StoreError, type StoreErrorCode } from './store-error'

/** Entries kept in a job's log; older entries are dropped first so a job retried for days cannot grow unbounded. */
export const MAX_LOG_ENTRIES = 200

export interface JobStoreOptions {
  logger?: CoreLogger
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

const ARCHIVAL_KEYS = ['archivalStatus', 'archivePath', 'backupAttempts', 'failureAcknowledgedAt'] as const satisfies readonly (keyof ArchivalFields)[]
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
 * The job store: every job in memory, saved under `<dataDir>/jobs/`, one partition per UTC day of detection
 * (`2026-11-30.json`, written through lowdb and a `DurableFileAdapter`) with its append-only journal
 * (`2026-11-30.journal`), and a small `manifest.json`.
 *
 * Changes apply to memory at once. Writes are serialized and coalesced, so changes made while a write runs all go
 * into the next save. A save appends the changed jobs' records to each changed day's journal in one write and
 * fdatasyncs it, and writes the manifest when a day was added. Its cost therefore follows the number of changes,
 * not the size of the day or of the history. Once a journal contains more lines than its day has jobs (and at least
 * MIN_COMPACTION_LINES), or MAX_JOURNAL_BYTES, the save compacts it instead: it rewrites the day file whole and
 * removes the journal. Opening the store and closing it compact every journal. Each change's promise resolves once
 * a save containing it is on disk. Jobs handed out are frozen: the only way to change one is through the update
 * methods.
 *
 * For seeding a large history (a migration, a benchmark), use `importJobs(jobs)`: it stores many finished jobs with
 * one day-file write per day instead of one save per job.
 *
 * `retire(retentionDays)` moves days older than the retention period to `<dataDir>/retired/`, keeping their
 * accounting rows and counted SHA-256 values in `retired-totals.json`.
 */
export class JobStore implements JobRepository {
  private readonly collection: JobCollection
  private nextJobNumber: number
  /** Set when the manifest must be saved although no day was added or removed (its counter, at close). */
  private manifestDirty = false
  /** Days whose next save rewrites the day file instead of appending to the journal (imported jobs). */
  private readonly compactDays = new Set<Partition>()
  /** Set at close: every save from then on compacts each journal. */
  private compactAll = false
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
    this.collection = new JobCollection(loaded.partitions, loaded.folder, logger)
  }

  /**
   * Recoveries performed at load, one message each; null when every file loaded as it was. `kind` is the most
   * severe one: `started-empty` when a file and its last-good copy were both unusable, `journal-damaged` when only a
   * journal had a damaged line.
   */
  get recovery(): StoreRecovery | null {
    const recoveries = this.loaded.recoveries
    if (recoveries.length === 0) return null
    const emptied = recoveries.find((recovery) => recovery.kind === 'started-empty')
    let kind: StoreRecovery['kind'] = 'journal-damaged'
    if (emptied) kind = 'started-empty'
    else if (recoveries.some((recovery) => recovery.kind === 'restored-last-good')) kind = 'restored-last-good'
    return {
      kind,
      movedAsidePath: (emptied ?? recoveries[0])!.movedAsidePath,
      message: recoveries.map((recovery) => recovery.message).join('\n'),
    }
  }

  /**
   * Opens the store of `dataDir`, creating the folder if needed. It takes the data-folder lock, migrates a
   * single-file `jobs.json` (schema 1) on first open and removes temporary files left by a crash. Then it loads the
   * partitions, recovering missing or damaged files one by one (see `recovery`). Throws a StoreError: `LOCKED`, `UNWRITABLE`,
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
        `job store: opened ${loaded.folder} with ${store.collection.size} jobs in ${store.collection.partitions.size} days` +
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
    return this.collection.all()
  }

  /** Returns the store's jobs and counts for the grid's queries and for internal reads, without a copy (see `JobView`). */
  view(): JobView {
    return this.collection.view()
  }

  /** Accounting rows kept for retired days, for `buildAccountingReport`. */
  retiredRows(): readonly AccountingRow[] {
    return this.loaded.retired.rows
  }

  get(id: string): Job | undefined {
    return this.collection.get(id)
  }

  findBySourcePath(sourcePath: string): Job[] {
    return this.collection.lookup.idsBySource(sourcePath).map((id) => this.require(id))
  }

  findCountedBySha256(sha256: string, excludeId: string): CountedJob | undefined {
    let oldest: CountedJob | undefined = this.loaded.retired.findCounted(sha256)
    for (const id of this.collection.lookup.countedIds(sha256)) {
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

    this.collection.append([job])
    // The manifest's counter is saved with the next new day and at close, not with every job: a start takes the
    // next id from the highest id found anyway, so a stale counter never hands out an id twice.
    this.nextJobNumber += 1
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

    this.collection.append(imported)
    for (const partition of this.collection.dirty.keys()) this.compactDays.add(partition)
    this.nextJobNumber += imported.length
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
      this.compactAll = true
      if (this.loaded.manifest.data.nextJobNumber !== this.nextJobNumber) this.manifestDirty = true
      await this.writer.request()
      await this.writer.flush()
    } finally {
      await this.lock.release()
    }
  }

  /**
   * Moves the days detected more than `retentionDays` days before `now` out of the store (see `retireOldDays`); 0
   * keeps everything.
   */
  async retire(retentionDays: number, now = new Date()): Promise<RetentionResult> {
    this.assertOpen()
    return retireOldDays(
      {
        collection: this.collection,
        retired: this.loaded.retired,
        logger: this.logger,
        flush: () => this.writer.flush(),
        requestSave: () => this.writer.request(),
      },
      retentionDays,
      now,
    )
  }

  private async replace(id: string, fields: Partial<Job>): Promise<Job> {
    this.assertOpen()
    const current = this.require(id)
    const next = checkedJob(id, { ...current, ...fields })

    this.collection.replace(current, next)
    await this.writer.request()
    return next
  }

  /**
   * Saves each partition with changes (see `savePartition`) and, when needed, the manifest. Every write takes its
   * snapshot before this returns, as CoalescingWriter requires. The changes of a partition whose write fails are
   * saved again by the next save.
   */
  private async save(): Promise<void> {
    const { dirty } = this.collection
    const writes: Promise<void>[] = []
    const saving = [...dirty]
    dirty.clear()
    for (const [partition, changed] of saving) {
      writes.push(
        this.savePartition(partition, [...changed.values()]).catch((error: unknown) => {
          for (const job of changed.values()) {
            if (!dirty.get(partition)?.has(job.id)) this.collection.markChanged(partition, job)
          }
          throw error
        }),
      )
    }
    if (this.compactAll) {
      for (const partition of this.collection.partitions.values()) {
        const journal = partition.journal
        if (!changedIn(saving, partition) && (journal.bytes > 0 || journal.mustCompact)) writes.push(compactPartition(partition))
      }
    }

    if (this.manifestDirty || this.collection.daysChanged) {
      this.manifestDirty = false
      this.collection.daysChanged = false
      const manifest = this.loaded.manifest
      const partitions = [...this.collection.partitions.keys()].sort()
      manifest.data = { ...manifest.data, nextJobNumber: this.nextJobNumber, partitions }
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

  /** Appends `changed` to the partition's journal, or compacts the partition when that is due (see `shouldCompact`). */
  private savePartition(partition: Partition, changed: Job[]): Promise<void> {
    const compact = this.compactAll || this.compactDays.delete(partition) || shouldCompact(partition, changed.length)
    if (!compact) return appendToJournal(partition, changed)
    return compactPartition(partition).catch((error: unknown) => {
      if (!this.compactAll) this.compactDays.add(partition)
      throw error
    })
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

function changedIn(saving: readonly [Partition, unknown][], partition: Partition): boolean {
  return saving.some(([candidate]) => candidate === partition)
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
