import type { ArchivalFields, Job, ProcessingFields } from '../../shared/job'

/** Fields given when a job is first recorded; the store assigns the id and the defaults of the rest. */
export type NewJob = Pick<
  Job,
  'fileName' | 'sourcePath' | 'detectedSize' | 'detectedMtimeMs' | 'detectedAt' | 'backupCallback' | 'archivalStatus'
> &
  Partial<Pick<Job, 'jobType' | 'client' | 'cycleDate'>>

/** A whole job record from elsewhere (a migration, a seeded history): every field but the id, which the store assigns. */
export type ImportedJob = Omit<Job, 'id'>

/** The job whose content is counted, as the duplicate rule names it; a retired job is known by these fields only. */
export type CountedJob = Pick<Job, 'id' | 'fileName'>

/** Size and modification time of a job's file as last taken, which tell whether the file changed since. */
export type DetectionFields = Pick<Job, 'detectedSize' | 'detectedMtimeMs'>

/**
 * Recovery the store performed because a file it loaded was missing or unreadable: a day file restored from its
 * last-good copy, a day that started empty, or a day's journal with a damaged line that was moved aside.
 */
export interface StoreRecovery {
  kind: 'restored-last-good' | 'started-empty' | 'journal-damaged'
  /** New path of the unreadable file after it was moved aside, or null when there was none. */
  movedAsidePath: string | null
  message: string
}

/**
 * The job store as the rest of the core uses it.
 *
 * Every update changes the in-memory job synchronously, before the returned promise settles, so a check and an
 * update made in the same tick cannot interleave with another job's. The promise resolves once the write that
 * contains the change is fsynced and renamed into place.
 */
export interface JobRepository {
  readonly recovery: StoreRecovery | null
  all(): readonly Job[]
  get(id: string): Job | undefined
  /** Jobs recorded for a path in the index folder, oldest first. */
  findBySourcePath(sourcePath: string): Job[]
  /**
   * The oldest job with this SHA-256 whose counts are in the accounting report, other than `excludeId`, including
   * jobs that retention removed from the store.
   */
  findCountedBySha256(sha256: string, excludeId: string): CountedJob | undefined
  create(init: NewJob): Promise<Job>
  /** Main-status fields only; other keys are dropped at run time as well as rejected by the type. */
  updateProcessing(id: string, patch: Partial<ProcessingFields>): Promise<Job>
  /** Archival fields only: the one path BackupHelper uses. */
  updateArchival(id: string, patch: Partial<ArchivalFields>): Promise<Job>
  /** Records the file's size and modification time when a job takes its file again after it changed. */
  updateDetection(id: string, patch: DetectionFields): Promise<Job>
  appendLog(id: string, message: string): Promise<Job>
  flush(): Promise<void>
  /** Flushes pending writes and releases the data-folder lock. */
  close(): Promise<void>
}
