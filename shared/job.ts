import type { ArchivalStatus, BackupCallback, JobStatus } from './status'

/** Counts of one processing job. `pages` sums the page column of accepted records only. */
export interface JobCounts {
  records: number
  accepted: number
  rejected: number
  pages: number
}

export const ZERO_COUNTS: JobCounts = Object.freeze({ records: 0, accepted: 0, rejected: 0, pages: 0 })

/** One rejected record: its 1-based line number in the index file and why it was rejected. */
export interface Rejection {
  line: number
  reason: string
}

/** Machine-readable reason for a `FAILED` main status. */
export type ProcessingErrorCode =
  | 'NO_JOB_TYPE'
  | 'BAD_FILE_NAME'
  | 'UNREADABLE'
  | 'BINARY'
  | 'EMPTY'
  | 'TOO_MANY_REJECTED'
  | 'NO_ACCEPTED_RECORD'
  | 'RECORD_TOO_LARGE'
  | 'DUPLICATE'
  | 'SYMLINK'
  | 'NOT_A_FILE'
  /** The first line names columns, but not the job type's columns in its order. */
  | 'HEADER_MISMATCH'

/** Reason for a failed processing, in words a developer can act on. */
export interface ProcessingError {
  code: ProcessingErrorCode
  message: string
}

/** One run of BackupHelper over a job's file, successful or not. */
export interface BackupAttempt {
  /** ISO time the attempt started. */
  at: string
  outcome: 'success' | 'failure'
  /** Node error code (`EACCES`, `ENOSPC`, ...) or a product code such as `SOURCE_CHANGED`; null on success. */
  code: string | null
  message: string
  durationMs: number
}

/** A line in a job's own event log: what happened to the job and when. */
export interface JobLogEntry {
  at: string
  message: string
}

/**
 * The main-status part of a job: written only by processing and by reconciliation that re-runs processing.
 * BackupHelper never receives or returns this shape.
 */
export interface ProcessingFields {
  status: JobStatus
  jobType: string | null
  client: string | null
  /** Cycle date from the file name, `YYYY-MM-DD`. */
  cycleDate: string | null
  /** SHA-256 of the file as processed, hex; null when the file could not be read. */
  sha256: string | null
  size: number | null
  counts: JobCounts
  /** At most 100 rejected records per job. */
  rejections: Rejection[]
  error: ProcessingError | null
  /** Id of the earlier job with the same content, when this one failed as a duplicate. */
  duplicateOf: string | null
  startedAt: string | null
  finishedAt: string | null
}

/**
 * The archival part of a job: written only by BackupHelper. Its type has no main-status field, so a backup
 * outcome cannot reach the main status or the counts.
 */
export interface ArchivalFields {
  archivalStatus: ArchivalStatus
  /** Path of the archived copy, once it exists. */
  archivePath: string | null
  backupAttempts: BackupAttempt[]
  /**
   * ISO time a user acknowledged the current `BACKUP_FAILURE`, or null. An acknowledged failure stays red in the grid
   * but no longer counts in the tray. BackupHelper clears it whenever it records a new backup outcome.
   */
  failureAcknowledgedAt: string | null
}

/** A processing job as stored and as the renderer receives it. */
export interface Job extends ProcessingFields, ArchivalFields {
  /** Stable id such as `J000042`; never a path. */
  id: string
  fileName: string
  /** Absolute path of the file in the index folder when it was detected. */
  sourcePath: string
  /** Size and modification time seen when the file was taken, used to recognise it again without hashing. */
  detectedSize: number
  detectedMtimeMs: number
  detectedAt: string
  backupCallback: BackupCallback
  log: JobLogEntry[]
}
