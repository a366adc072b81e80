import { z } from 'zod'
import { ARCHIVAL_STATUSES, BACKUP_CALLBACKS, JOB_STATUSES } from './status'
import type { Job } from './job'

export const JobStatusSchema = z.enum(JOB_STATUSES)
export const ArchivalStatusSchema = z.enum(ARCHIVAL_STATUSES)
export const BackupCallbackSchema = z.enum(BACKUP_CALLBACKS)

const isoTime = z.string().min(1)

export const JobSchema = z.object({
  id: z.string().regex(/^J\d{6,}$/),
  fileName: z.string(),
  sourcePath: z.string(),
  detectedSize: z.number().int().nonnegative(),
  detectedMtimeMs: z.number(),
  detectedAt: isoTime,
  backupCallback: BackupCallbackSchema,
  status: JobStatusSchema,
  jobType: z.string().nullable(),
  client: z.string().nullable(),
  cycleDate: z.string().nullable(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  size: z.number().int().nonnegative().nullable(),
  counts: z.object({
    records: z.number().int().nonnegative(),
    accepted: z.number().int().nonnegative(),
    rejected: z.number().int().nonnegative(),
    pages: z.number().int().nonnegative(),
  }),
  rejections: z.array(z.object({ line: z.number().int().positive(), reason: z.string() })),
  error: z
    .object({
      code: z.enum([
        'NO_JOB_TYPE',
        'BAD_FILE_NAME',
        'UNREADABLE',
        'BINARY',
        'EMPTY',
        'TOO_MANY_REJECTED',
        'NO_ACCEPTED_RECORD',
        'RECORD_TOO_LARGE',
        'DUPLICATE',
        'SYMLINK',
        'NOT_A_FILE',
        'HEADER_MISMATCH',
      ]),
      message: z.string(),
    })
    .nullable(),
  duplicateOf: z.string().nullable(),
  startedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
  archivalStatus: ArchivalStatusSchema,
  archivePath: z.string().nullable(),
  backupAttempts: z.array(
    z.object({
      at: isoTime,
      outcome: z.enum(['success', 'failure']),
      code: z.string().nullable(),
      message: z.string(),
      durationMs: z.number().nonnegative(),
    }),
  ),
  log: z.array(z.object({ at: isoTime, message: z.string() })),
  // Stores written before failures could be acknowledged have no such field.
  failureAcknowledgedAt: isoTime.nullable().default(null),
})

// The schema and the hand-written interface must describe the same shape.
type SchemaJob = z.infer<typeof JobSchema>
const sameShape: [SchemaJob, Job] extends [Job, SchemaJob] ? true : never = true
void sameShape

/** Column kinds an index file record can have. */
export const COLUMN_KINDS = ['digits', 'text', 'date', 'document-file', 'integer'] as const

export const ColumnSchema = z
  .object({
    name: z.string().min(1),
    kind: z.enum(COLUMN_KINDS),
    required: z.boolean().default(true),
    /** Maximum length in characters (`text`, `digits`). */
    maxLength: z.number().int().positive().optional(),
    /** Inclusive range for `integer` columns. */
    min: z.number().int().optional(),
    max: z.number().int().optional(),
    /** Allowed lower-case extensions for `document-file` columns, with the dot. */
    extensions: z.array(z.string().regex(/^\.[a-z0-9]+$/)).optional(),
  })
  .strict()

export const JobTypeSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and dashes, starting with a letter'),
    description: z.string().default(''),
    /** Regular expression over the whole file name with named groups `client` and `cycle` (YYYYMMDD). */
    fileNamePattern: z.string().min(1),
    delimiter: z.string().length(1),
    /** `optional`: a first line equal to the column names is skipped; `none`: every line is a record. */
    header: z.enum(['optional', 'required', 'none']).default('optional'),
    columns: z.array(ColumnSchema).min(1),
    /** Name of the `integer` column summed as pages. */
    pagesColumn: z.string().nullable().default(null),
    /** Largest share of rejected records (0 to 1) that still posts the job as `WARNING`. */
    rejectionThreshold: z.number().min(0).max(1),
    encoding: z.enum(['utf-8', 'windows-1252']).default('utf-8'),
    backupCallback: BackupCallbackSchema,
    /** Path under the archive folder, with `<client>`, `<jobtype>`, `<yyyy>`, `<mm>`, `<dd>` and `<file>`. */
    archiveLayout: z.string().default('<client>/<yyyy>/<mm>/<file>'),
  })
  .strict()

export type ColumnDefinition = z.infer<typeof ColumnSchema>
export type JobType = z.infer<typeof JobTypeSchema>

export const JobTypesFileSchema = z.object({ jobTypes: z.array(JobTypeSchema) }).strict()

/** Settings the core runs with. Times are in milliseconds. */
export const SettingsSchema = z
  .object({
    // 32,767 characters is the longest path Windows accepts; Linux and macOS accept less.
    indexDir: z.string().min(1).max(32_767),
    archiveDir: z.string().min(1).max(32_767),
    dataDir: z.string().min(1).max(32_767),
    /** How long size and modification time must stay unchanged before a file is taken. */
    stabilityWindowMs: z.number().int().min(0).max(3_600_000),
    /** Poll the index folder instead of using OS events (network shares). */
    usePolling: z.boolean(),
    pollIntervalMs: z.number().int().min(50).max(600_000),
    /** How often the index folder is compared with the job records to catch missed events. */
    sweepIntervalMs: z.number().int().min(100).max(86_400_000),
    /** Jobs processed and backed up at the same time. */
    concurrency: z.number().int().min(1).max(64),
    /** Automatic retries after a transient backup error, before `BACKUP_FAILURE`. */
    backupRetries: z.number().int().min(0).max(20),
    backupRetryMinDelayMs: z.number().int().min(0).max(600_000),
    backupRetryMaxDelayMs: z.number().int().min(0).max(3_600_000),
    /** Days of history kept in the store; older days leave it, their accounting totals kept. 0 keeps everything. */
    retentionDays: z.number().int().min(0).max(36_500),
    /** Desktop app: closing the window hides it to the tray instead of quitting. */
    closeToTray: z.boolean(),
    /** Desktop app: start when the user logs in. */
    startAtLogin: z.boolean(),
  })
  .strict()

export type Settings = z.infer<typeof SettingsSchema>
