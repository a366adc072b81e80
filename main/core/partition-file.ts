import { z } from 'zod'
import type { Job } from '../../shared/job'
import { JobSchema } from '../../shared/schemas'
import type { StoreFileCodec } from './durable-file-adapter'
import { describeIssues, jobJson, jobNumberOf, rejectNewerSchema, repeatedJobId } from './job-store-file'

/** Version of the partitioned store layout (`jobs/manifest.json` and one file per day) that this app writes. */
export const STORE_SCHEMA_VERSION = 2

/** Name of a partition file: the UTC day its jobs were detected, `YYYY-MM-DD.json`. */
export const PARTITION_NAME = /^(\d{4}-\d{2}-\d{2})\.json$/

/** Contents of `jobs/<day>.json`: the jobs detected on one UTC day. */
export interface PartitionFile {
  schemaVersion: number
  /** UTC day of the jobs' `detectedAt`, `YYYY-MM-DD`. */
  day: string
  /** Jobs in id order. */
  jobs: Job[]
  /**
   * Sequence number of the last journal line (`<day>.journal`) folded into this file, 0 when none. Replay skips
   * lines up to it, so a journal left by a crash during compaction never brings back an older version of a job.
   */
  journalSeq: number
}

/** Contents of `jobs/manifest.json`. */
export interface ManifestFile {
  schemaVersion: number
  /**
   * Number of the next job id as last saved. The store starts from the highest of this and every id it finds,
   * because a crash can save a partition without the manifest.
   */
  nextJobNumber: number
  /** Days with a partition as last saved. The store lists the folder instead of trusting this list. */
  partitions: string[]
}

const DAY = /^\d{4}-\d{2}-\d{2}$/

const PartitionFileSchema = z.object({
  schemaVersion: z.literal(STORE_SCHEMA_VERSION),
  day: z.string().regex(DAY),
  jobs: z.array(JobSchema),
  journalSeq: z.number().int().nonnegative().default(0),
})

const ManifestFileSchema = z.object({
  schemaVersion: z.literal(STORE_SCHEMA_VERSION),
  nextJobNumber: z.number().int().positive(),
  partitions: z.array(z.string().regex(DAY)),
})

/** Returns the UTC day (`YYYY-MM-DD`) a job belongs to: the day of its `detectedAt`. */
export function partitionDayOf(detectedAt: string): string {
  const day = dayOrNull(detectedAt)
  if (day === null) {
    throw new Error(`job store: detectedAt ${JSON.stringify(detectedAt)} is not an ISO time, so the job has no partition day`)
  }
  return day
}

/** Returns the UTC day of `detectedAt`, or null when it is not an ISO time. */
export function dayOrNull(detectedAt: string): string | null {
  if (detectedAt.endsWith('Z') && DAY.test(detectedAt.slice(0, 10))) {
    return detectedAt.slice(0, 10)
  }
  const time = Date.parse(detectedAt)
  return Number.isNaN(time) ? null : new Date(time).toISOString().slice(0, 10)
}

/** Returns an empty partition for `day`. */
export function emptyPartition(day: string): PartitionFile {
  return { schemaVersion: STORE_SCHEMA_VERSION, day, jobs: [], journalSeq: 0 }
}

/** Writes one job per line, so the file stays readable and a damaged region points at the job concerned. */
function serializePartition(data: PartitionFile): string[] {
  const chunks = [
    `{\n"schemaVersion": ${data.schemaVersion},\n"day": ${JSON.stringify(data.day)},\n"journalSeq": ${data.journalSeq},\n"jobs": [\n`,
  ]
  data.jobs.forEach((job, index) => {
    chunks.push(jobJson(job), index < data.jobs.length - 1 ? ',\n' : '\n')
  })
  chunks.push(']\n}\n')
  return chunks
}

function validatePartition(value: unknown, filePath: string): { ok: true; data: PartitionFile } | { ok: false; reason: string } {
  rejectNewerSchema(value, filePath, STORE_SCHEMA_VERSION)
  const parsed = PartitionFileSchema.safeParse(value)
  if (!parsed.success) {
    return { ok: false, reason: `unexpected content: ${describeIssues(parsed.error)}` }
  }

  const jobs = parsed.data.jobs.sort((a, b) => jobNumberOf(a.id) - jobNumberOf(b.id))
  const repeated = repeatedJobId(jobs)
  if (repeated !== null) return { ok: false, reason: `unexpected content: job id ${repeated} appears twice` }
  // A job's changes are saved to the partition of its detection day, so a job in another day's file would end up
  // in two files.
  const misplaced = jobs.find((job) => dayOrNull(job.detectedAt) !== parsed.data.day)
  if (misplaced) {
    return { ok: false, reason: `unexpected content: job ${misplaced.id} was detected at ${misplaced.detectedAt}, not on ${parsed.data.day}` }
  }
  return { ok: true, data: { schemaVersion: STORE_SCHEMA_VERSION, day: parsed.data.day, jobs, journalSeq: parsed.data.journalSeq } }
}

/**
 * Reads and writes a partition file. A wrong shape is rejected with a reason naming the first issues; a file from a
 * newer app throws a `SCHEMA_TOO_NEW` StoreError.
 */
export const partitionCodec: StoreFileCodec<PartitionFile> = {
  serialize: serializePartition,
  validate: validatePartition,
}

/** Reads and writes `jobs/manifest.json`, with the same rules as `partitionCodec`. */
export const manifestCodec: StoreFileCodec<ManifestFile> = {
  serialize: (data) => [`${JSON.stringify(data, null, 2)}\n`],
  validate: (value, filePath) => {
    rejectNewerSchema(value, filePath, STORE_SCHEMA_VERSION)
    const parsed = ManifestFileSchema.safeParse(value)
    return parsed.success ? { ok: true, data: parsed.data } : { ok: false, reason: `unexpected content: ${describeIssues(parsed.error)}` }
  },
}
