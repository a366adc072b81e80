import { mkdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Low } from 'lowdb'
import { ZERO_COUNTS, type ArchivalFields, type Job, type ProcessingFields } from '../../shared/job'
import { JobSchema } from '../../shared/schemas'
import { isPosted } from '../../shared/status'
import { type DataFolderLock, acquireDataFolderLock } from './data-folder-lock'
import { CoalescingWriter } from './coalescing-writer'
import { DurableFileAdapter } from './durable-file-adapter'
import type { DetectionFields, JobRepository, NewJob, StoreRecovery } from './job-store-contract'
import { type StoreFile, describeIssues, emptyStoreFile, formatJobId, jobNumberOf, storeFileCodec } from './job-store-file'
import { type CoreLogger, silentLogger } from './logger'
import { StoreError, errnoOf, unwritableError } from './store-error'

export { STORE_SCHEMA_VERSION } from './job-store-file'
export { StoreError, type StoreErrorCode } from './store-error'

/** Name of the store file in the data folder. */
export const STORE_FILE_NAME = 'jobs.json'

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
 * The job store: every job in memory, saved to `<dataDir>/jobs.json` through lowdb and a `DurableFileAdapter`.
 *
 * Changes apply to memory at once. Writes are serialized and coalesced, so changes made while a write runs all go
 * into the next single write. Each change's promise resolves once a write containing it is on disk. Jobs handed out
 * are frozen: the only way to change one is through the update methods.
 *
 * NOTE: each write rewrites the whole file, so its duration grows with the number of jobs kept. Coalescing only
 * keeps the number of writes down under load.
 */
export class JobStore implements JobRepository {
  private readonly jobs: Job[]
  private readonly positionById = new Map<string, number>()
  private readonly idsBySourcePath = new Map<string, string[]>()
  private readonly countedIdsBySha256 = new Map<string, Set<string>>()
  private allJobs: readonly Job[] | null = null
  private closed = false
  private readonly writer: CoalescingWriter

  private constructor(
    private readonly db: Low<StoreFile>,
    readonly recovery: StoreRecovery | null,
    private readonly lock: DataFolderLock,
    private readonly logger: CoreLogger,
  ) {
    this.writer = new CoalescingWriter(
      () => db.write(),
      (error, unsavedChanges) => logger.error(`job store: saving failed, ${unsavedChanges} changes are not on disk yet`, error),
    )
    this.jobs = db.data.jobs
    this.jobs.forEach((job, position) => {
      const frozen = deepFreeze(job)
      this.jobs[position] = frozen
      this.positionById.set(job.id, position)
      this.index(frozen)
    })
  }

  /**
   * Opens the store of `dataDir`, creating the folder if needed: takes the data-folder lock, removes temporary
   * files left by a crash, and loads `jobs.json`, recovering from a missing or damaged file (see `recovery`).
   * Throws a StoreError: `LOCKED`, `UNWRITABLE`, `UNREADABLE` or `SCHEMA_TOO_NEW`.
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
      const adapter = new DurableFileAdapter(join(dataDir, STORE_FILE_NAME), { codec: storeFileCodec, logger })
      const db = new Low<StoreFile>(adapter, emptyStoreFile())
      await db.read()
      const store = new JobStore(db, adapter.recovery, lock, logger)
      // Saving the empty store at once makes the next start load it instead of starting empty again silently.
      if (adapter.recovery?.kind === 'started-empty') {
        await store.writer.request()
      }
      logger.info(`job store: opened ${adapter.filePath} with ${store.jobs.length} jobs`)
      return store
    } catch (error) {
      await lock.release()
      throw error
    }
  }

  /**
   * Reads the jobs of `dataDir` without the lock and without writing anything, for read-only commands. A damaged
   * `jobs.json` raises a `CORRUPT` StoreError instead of being moved aside; a missing one is read from its last-good
   * copy. Returns the jobs in id order.
   */
  static async readSnapshot(dataDir: string, options: JobStoreOptions = {}): Promise<Job[]> {
    try {
      await stat(dataDir)
    } catch (error) {
      const message = `job store: the data folder ${dataDir} does not exist (${errnoOf(error)}): check the --data folder`
      throw new StoreError('NO_DATA_FOLDER', message, dataDir, errnoOf(error), { cause: error })
    }
    const path = join(dataDir, STORE_FILE_NAME)
    const adapter = new DurableFileAdapter(path, { codec: storeFileCodec, readOnly: true, logger: options.logger })
    const data = await adapter.read()
    return data?.jobs ?? []
  }

  all(): readonly Job[] {
    this.allJobs ??= Object.freeze([...this.jobs])
    return this.allJobs
  }

  get(id: string): Job | undefined {
    const position = this.positionById.get(id)
    return position === undefined ? undefined : this.jobs[position]
  }

  findBySourcePath(sourcePath: string): Job[] {
    const ids = this.idsBySourcePath.get(sourcePath) ?? []
    return ids.map((id) => this.require(id))
  }

  /** Returns the oldest counted job with this SHA-256 other than `excludeId`. */
  findCountedBySha256(sha256: string, excludeId: string): Job | undefined {
    let oldest: string | undefined
    for (const id of this.countedIdsBySha256.get(sha256) ?? []) {
      if (id !== excludeId && (oldest === undefined || jobNumberOf(id) < jobNumberOf(oldest))) {
        oldest = id
      }
    }
    return oldest === undefined ? undefined : this.require(oldest)
  }

  async create(init: NewJob): Promise<Job> {
    this.assertOpen()
    const id = formatJobId(this.db.data.nextJobNumber)
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

    this.db.data.nextJobNumber += 1
    this.positionById.set(id, this.jobs.length)
    this.jobs.push(job)
    this.index(job)
    this.allJobs = null
    await this.writer.request()
    return job
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
      await this.writer.flush()
    } finally {
      await this.lock.release()
    }
  }

  private async replace(id: string, fields: Partial<Job>): Promise<Job> {
    this.assertOpen()
    const current = this.require(id)
    const next = checkedJob(id, { ...current, ...fields })

    this.unindex(current)
    this.jobs[this.positionById.get(id)!] = next
    this.index(next)
    this.allJobs = null
    await this.writer.request()
    return next
  }

  private index(job: Job): void {
    const sameSource = this.idsBySourcePath.get(job.sourcePath)
    if (sameSource === undefined) {
      this.idsBySourcePath.set(job.sourcePath, [job.id])
    } else if (!sameSource.includes(job.id)) {
      sameSource.push(job.id)
    }

    if (job.sha256 !== null && isPosted(job.status)) {
      const counted = this.countedIdsBySha256.get(job.sha256) ?? new Set<string>()
      counted.add(job.id)
      this.countedIdsBySha256.set(job.sha256, counted)
    }
  }

  /** Removes a job from the SHA-256 index before it is replaced; its source path never changes. */
  private unindex(job: Job): void {
    if (job.sha256 === null) {
      return
    }
    const counted = this.countedIdsBySha256.get(job.sha256)
    counted?.delete(job.id)
    if (counted?.size === 0) {
      this.countedIdsBySha256.delete(job.sha256)
    }
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
