import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Low } from 'lowdb'
import { z } from 'zod'
import type { Job } from '../../shared/job'
import type { AccountingRow } from '../../shared/report'
import { isPosted } from '../../shared/status'
import { buildAccountingReport } from './accounting'
import { DurableFileAdapter, type StoreFileCodec } from './durable-file-adapter'
import type { CountedJob } from './job-store-contract'
import { describeIssues, jobNumberOf, rejectNewerSchema } from './job-store-file'
import { type CoreLogger } from './logger'
import { PARTITION_NAME, STORE_SCHEMA_VERSION, partitionCodec } from './partition-file'
import { StoreError, errnoOf } from './store-error'

/** File in the data folder that keeps what the accounting report and the duplicate rule need of retired days. */
export const RETIRED_TOTALS_FILE_NAME = 'retired-totals.json'

/** Folder in the data folder where retired partition files are moved; they can be archived or deleted by hand. */
export const RETIRED_FOLDER_NAME = 'retired'

/** Summary kept of one retired partition file. */
export interface RetiredFile {
  /** UTC detection day of the file's jobs. */
  day: string
  retiredAt: string
  jobCount: number
  /** Accounting rows of the file's jobs, as `buildAccountingReport` gave them. */
  rows: AccountingRow[]
  /** Counted jobs as `[sha256, job id, file name]`, so a file sent again is still recognised as a duplicate. */
  counted: [string, string, string][]
}

/** Contents of `retired-totals.json`. */
export interface RetiredTotalsFile {
  schemaVersion: number
  /** Highest job number ever retired, so a store whose newest jobs were all retired never hands out their ids. */
  highestJobNumber: number
  /** Kept totals by file name in the `retired` folder (`2026-11-30.json`). */
  files: Record<string, RetiredFile>
}

const count = z.number().int().nonnegative()
const RetiredTotalsSchema = z.object({
  schemaVersion: z.literal(STORE_SCHEMA_VERSION),
  highestJobNumber: count,
  files: z.record(
    z.string(),
    z.object({
      day: z.string(),
      retiredAt: z.string(),
      jobCount: count,
      rows: z.array(
        z.object({
          client: z.string(),
          jobType: z.string(),
          cycleDate: z.string(),
          jobs: count,
          postedJobs: count,
          failedJobs: count,
          documents: count,
          rejectedRecords: count,
          pages: count,
        }),
      ),
      counted: z.array(z.tuple([z.string(), z.string(), z.string()])),
    }),
  ),
})

const retiredTotalsCodec: StoreFileCodec<RetiredTotalsFile> = {
  serialize: (data) => [`${JSON.stringify(data)}\n`],
  validate: (value, filePath) => {
    rejectNewerSchema(value, filePath, STORE_SCHEMA_VERSION)
    const parsed = RetiredTotalsSchema.safeParse(value)
    return parsed.success ? { ok: true, data: parsed.data } : { ok: false, reason: `unexpected content: ${describeIssues(parsed.error)}` }
  },
}

/** Summarizes the jobs of a partition file about to be retired. */
export function summarizeRetiredJobs(day: string, jobs: readonly Job[], retiredAt: string): RetiredFile {
  const counted: [string, string, string][] = []
  for (const job of jobs) {
    if (job.sha256 !== null && isPosted(job.status)) counted.push([job.sha256, job.id, job.fileName])
  }
  return { day, retiredAt, jobCount: jobs.length, rows: buildAccountingReport(jobs).rows, counted }
}

/**
 * The retired part of the history: accounting rows and counted SHA-256 values of the days that retention moved to
 * `<dataDir>/retired/`, saved in `retired-totals.json`.
 *
 * A partition is moved to the `retired` folder before its summary is saved, so a crash between the two leaves a
 * retired file without a summary. `load` finds such files and summarizes them, which finishes the retirement.
 */
export class RetiredHistory {
  private readonly countedBySha256 = new Map<string, CountedJob>()
  private rowList: AccountingRow[] = []

  private constructor(
    private readonly db: Low<RetiredTotalsFile>,
    readonly folder: string,
  ) {
    for (const file of Object.values(db.data.files)) this.index(file)
  }

  /**
   * Loads `retired-totals.json` and summarizes retired files it does not list yet. With `readOnly`, nothing is
   * written and nothing is moved aside.
   */
  static async load(dataDir: string, options: { logger: CoreLogger; readOnly: boolean }): Promise<RetiredHistory> {
    const adapter = new DurableFileAdapter(join(dataDir, RETIRED_TOTALS_FILE_NAME), {
      codec: retiredTotalsCodec,
      readOnly: options.readOnly,
      logger: options.logger,
      lossSummary: 'RETIRED TOTALS NOT LOADED, so the report leaves out the retired days',
    })
    const db = new Low<RetiredTotalsFile>(adapter, { schemaVersion: STORE_SCHEMA_VERSION, highestJobNumber: 0, files: {} })
    await db.read()
    const history = new RetiredHistory(db, join(dataDir, RETIRED_FOLDER_NAME))

    const finished = await history.summarizeUnlistedFiles(options.logger)
    if (finished > 0 && !options.readOnly) await history.save()
    return history
  }

  /** Accounting rows of every retired file, for `buildAccountingReport`. */
  get rows(): readonly AccountingRow[] {
    return this.rowList
  }

  get highestJobNumber(): number {
    return this.db.data.highestJobNumber
  }

  /** Returns true when a file of this name in the `retired` folder is already summarized. */
  has(fileName: string): boolean {
    return Object.hasOwn(this.db.data.files, fileName)
  }

  /** Returns the oldest retired counted job with this SHA-256. */
  findCounted(sha256: string): CountedJob | undefined {
    return this.countedBySha256.get(sha256)
  }

  /** Adds the summary of a file just moved into the `retired` folder, in memory; `save` writes it. */
  add(fileName: string, file: RetiredFile, highestJobNumber: number): void {
    this.db.data.files[fileName] = file
    this.db.data.highestJobNumber = Math.max(this.db.data.highestJobNumber, highestJobNumber)
    this.index(file)
  }

  save(): Promise<void> {
    return this.db.write()
  }

  private index(file: RetiredFile): void {
    this.rowList = [...this.rowList, ...file.rows]
    for (const [sha256, id, fileName] of file.counted) {
      const known = this.countedBySha256.get(sha256)
      if (known === undefined || jobNumberOf(id) < jobNumberOf(known.id)) this.countedBySha256.set(sha256, { id, fileName })
    }
  }

  private async summarizeUnlistedFiles(logger: CoreLogger): Promise<number> {
    let names: string[]
    try {
      names = await readdir(this.folder)
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return 0
      const message = `job store: cannot list ${this.folder} (${errnoOf(error)}): check the data folder's permissions`
      throw new StoreError('UNREADABLE', message, this.folder, errnoOf(error), { cause: error })
    }

    let finished = 0
    for (const name of names.filter((entry) => entry.endsWith('.json') && !this.has(entry))) {
      const path = join(this.folder, name)
      const day = PARTITION_NAME.exec(name.replace(/-\d+\.json$/, '.json'))?.[1] ?? name
      let value: unknown
      try {
        value = JSON.parse(await readFile(path, 'utf8'))
      } catch (error) {
        logger.error(`job store: cannot summarize the retired file ${path} (${(error as Error).message}); its totals are not in the report until it is repaired`)
        continue
      }
      const result = partitionCodec.validate(value, path)
      if (!result.ok) {
        logger.error(`job store: cannot summarize the retired file ${path} (${result.reason}); its totals are not in the report until it is repaired`)
        continue
      }
      const jobs = result.data.jobs
      const highest = jobs.length > 0 ? jobNumberOf(jobs[jobs.length - 1]!.id) : 0
      this.add(name, summarizeRetiredJobs(day, jobs, new Date().toISOString()), highest)
      logger.info(`job store: summarized ${path}, retired before its totals were saved (${jobs.length} jobs)`)
      finished += 1
    }
    return finished
  }
}
