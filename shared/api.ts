import { z } from 'zod'
import type { AccountingReportData } from './report'
import type { Job } from './job'
import type { Settings } from './schemas'
import { ArchivalStatusSchema, JobStatusSchema, SettingsSchema } from './schemas'
import type { Notice } from './notification-policy'
import type { ArchivalStatus, JobStatus } from './status'

/** Job ids as the store writes them; anything else (a path, say) is rejected before it reaches the core. */
export const JobIdSchema = z.string().regex(/^J\d{6,12}$/, 'a job id such as J000042')

/** Columns the grid can sort on. */
export const JOB_SORT_COLUMNS = [
  'id',
  'fileName',
  'jobType',
  'client',
  'cycleDate',
  'detectedAt',
  'durationMs',
  'accepted',
  'rejected',
  'pages',
  'status',
  'archivalStatus',
] as const
export type JobSortColumn = (typeof JOB_SORT_COLUMNS)[number]

const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .refine((value) => {
    const date = new Date(`${value}T00:00:00Z`)
    return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value)
  }, 'a real calendar date as YYYY-MM-DD')

/** Filter, sort and page of a job list request. Every field is optional; an empty query lists everything. */
export const JobQuerySchema = z
  .object({
    /** Matches file name, client or job id, ignoring case. */
    text: z.string().max(200).optional(),
    status: z.array(JobStatusSchema).max(10).optional(),
    archivalStatus: z.array(ArchivalStatusSchema).max(10).optional(),
    jobType: z.array(z.string().max(100)).max(100).optional(),
    /** First and last day the job was detected, inclusive, in UTC. */
    detectedFrom: isoDay.optional(),
    detectedTo: isoDay.optional(),
    /** Only jobs whose Action cell is red: `FAILED` or `BACKUP_FAILURE`. */
    failuresOnly: z.boolean().optional(),
    sort: z.object({ column: z.enum(JOB_SORT_COLUMNS), direction: z.enum(['asc', 'desc']) }).strict().optional(),
    offset: z.number().int().min(0).optional(),
    /** Rows per page; at most 1,000, so a request never ships the whole history. */
    limit: z.number().int().min(1).max(1_000).optional(),
  })
  .strict()
export type JobQuery = z.infer<typeof JobQuerySchema>

/** One grid row: what the grid shows of a job, without the rejection sample, attempts or log. */
export interface JobRow {
  id: string
  fileName: string
  jobType: string | null
  client: string | null
  cycleDate: string | null
  detectedAt: string
  /** Processing time in milliseconds, null until the job has finished. */
  durationMs: number | null
  accepted: number
  rejected: number
  pages: number
  status: JobStatus
  archivalStatus: ArchivalStatus
  /** The processing error or the last backup error, for the row's tooltip. */
  errorMessage: string | null
  /** Share of the file read so far (0 to 1) while the job is `RUNNING`; null otherwise. */
  progress: number | null
  /** ISO time the current backup failure was acknowledged; null when it was not, or when there is none. */
  failureAcknowledgedAt: string | null
}

/** Counts for the counts bar; they ignore the query's filters. */
export interface JobCountsSummary {
  total: number
  running: number
  failed: number
  backupFailures: number
}

export interface JobPage {
  /** Rows matching the query before paging. */
  total: number
  offset: number
  rows: JobRow[]
  counts: JobCountsSummary
}

/**
 * A report date as YYYY-MM-DD, or as YYYYMMDD like the cycle date in file names, returned as YYYY-MM-DD. The
 * command line's `report --from` and `--to` accept the same two forms.
 */
const reportDay = z
  .string()
  .transform((value) => (/^\d{8}$/.test(value) ? `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6)}` : value))
  .pipe(isoDay)

export const ReportRangeSchema = z
  .object({ from: reportDay.nullable().optional(), to: reportDay.nullable().optional() })
  .strict()
export type ReportRangeRequest = z.infer<typeof ReportRangeSchema>

/** Settings the renderer may change; folders are validated by the core with the same rules as the command line. */
export const SettingsPatchSchema = SettingsSchema.omit({ dataDir: true }).partial().strict()
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>

/** State of the monitor itself, for the header and the tray. */
export interface MonitorStatus {
  paused: boolean
  indexDir: string
  archiveDir: string
  /** Message while the index folder cannot be read; null when it is fine. */
  indexFolderProblem: string | null
  /** True in the desktop app, which has folder pickers, the tray and OS notifications; false in serve mode. */
  desktop: boolean
}

/** Folders a user can choose with a folder picker in the desktop app. */
export const FolderKindSchema = z.enum(['index', 'archive'])
export type FolderKind = z.infer<typeof FolderKindSchema>

/** Outcome of acknowledging backup failures. */
export interface AcknowledgeResult {
  /** Failures acknowledged by this call; failures that were already acknowledged are not counted again. */
  acknowledged: number
}

/** Outcome of a bulk retry. */
export interface BulkRetryResult {
  retried: number
  backedUp: number
  stillFailing: number
}

/** Events pushed to the renderer. Job changes arrive in batches so a burst does not redraw the grid per job. */
export type PuiEvent =
  | { type: 'jobs-changed'; rows: JobRow[] }
  | { type: 'backup-failed'; rows: JobRow[] }
  | { type: 'job-failed'; rows: JobRow[] }
  | { type: 'status-changed'; status: MonitorStatus }
  /** The user clicked an OS notification of the desktop app: the renderer shows its job or its failures. */
  | { type: 'notice-opened'; notice: Notice }

/** A failure the API returns instead of throwing; `code` is stable, `message` is for people. */
export interface ApiError {
  code: 'INVALID_REQUEST' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'INVALID_SETTINGS' | 'NOT_AVAILABLE' | 'INTERNAL'
  message: string
}

/**
 * The renderer's API. Serve mode binds it to HTTP and server-sent events; the desktop app binds it to IPC. Methods
 * take job ids, never file paths. Failed calls reject with an `ApiCallError` carrying an `ApiError`.
 */
export interface PuiApi {
  listJobs(query: JobQuery): Promise<JobPage>
  getJob(id: string): Promise<Job>
  retryBackup(id: string): Promise<Job>
  /** Retries the jobs in `BACKUP_FAILURE` that match the query's filters (its sort and page are ignored). */
  retryFailedBackups(query: JobQuery): Promise<BulkRetryResult>
  /**
   * Acknowledges the backup failure of one job in `BACKUP_FAILURE`: it stays red but no longer counts in the tray.
   * Acknowledging it again changes nothing.
   */
  acknowledgeFailure(id: string): Promise<Job>
  /** Acknowledges every unacknowledged backup failure that matches the query's filters (its sort and page are ignored). */
  acknowledgeFailures(query: JobQuery): Promise<AcknowledgeResult>
  getReport(range: ReportRangeRequest): Promise<AccountingReportData>
  exportReportCsv(range: ReportRangeRequest): Promise<string>
  getSettings(): Promise<Settings>
  updateSettings(patch: SettingsPatch): Promise<Settings>
  getStatus(): Promise<MonitorStatus>
  pause(): Promise<MonitorStatus>
  resume(): Promise<MonitorStatus>
  /** Copies the bundled sample index files into the index folder; returns how many were written. */
  loadSampleFiles(): Promise<{ written: number }>
  /**
   * Shows the desktop app's folder picker for the index or archive folder and returns the chosen path, or null
   * when the user cancelled. Nothing is saved until `updateSettings`. Serve mode rejects with `NOT_AVAILABLE`.
   */
  chooseFolder(kind: FolderKind): Promise<string | null>
  /** Subscribes to pushed events; returns the function that unsubscribes. */
  subscribe(listener: (event: PuiEvent) => void): () => void
}

/** The error every API method rejects with. */
export class ApiCallError extends Error {
  constructor(readonly error: ApiError) {
    super(error.message)
    this.name = 'ApiCallError'
  }
}
