import { z } from 'zod'
import type { Job } from '../../shared/job'
import { JobSchema } from '../../shared/schemas'
import type { StoreFileCodec } from './durable-file-adapter'
import { StoreError } from './store-error'

/** Version of the single-file `jobs.json` layout, which the partitioned store (schema 2) migrates on first open. */
export const SINGLE_FILE_SCHEMA_VERSION = 1

/** Contents of the single-file `jobs.json` (schema 1). */
export interface StoreFile {
  schemaVersion: number
  /** Number of the next job id; always above every id in `jobs`. */
  nextJobNumber: number
  /** Jobs in id order. */
  jobs: Job[]
}

const StoreFileSchema = z.object({
  schemaVersion: z.literal(SINGLE_FILE_SCHEMA_VERSION),
  nextJobNumber: z.number().int().positive(),
  jobs: z.array(JobSchema),
})

/** Shape issues named in a load error; the rest are counted. */
const MAX_REPORTED_ISSUES = 3

/** Returns a store file with no jobs. */
export function emptyStoreFile(): StoreFile {
  return { schemaVersion: SINGLE_FILE_SCHEMA_VERSION, nextJobNumber: 1, jobs: [] }
}

/** Formats a job number as its id: `J` and at least six digits (`J000042`). */
export function formatJobId(jobNumber: number): string {
  return `J${String(jobNumber).padStart(6, '0')}`
}

/** Returns the number in a job id (`J000042` → 42). */
export function jobNumberOf(id: string): number {
  return Number(id.slice(1))
}

/** Lists zod issues as `path: message`, for load and update errors. */
export function describeIssues(error: z.ZodError): string {
  const listed = error.issues.slice(0, MAX_REPORTED_ISSUES).map((issue) => {
    const path = issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('')
    return `${path.replace(/^\./, '') || '(root)'}: ${issue.message}`
  })
  const more = error.issues.length - listed.length
  return more > 0 ? `${listed.join('; ')} (and ${more} more)` : listed.join('; ')
}

// Jobs are frozen and replaced, never changed in place, so a job object's JSON never goes stale. Caching it
// means a write serializes only the jobs changed since the previous write.
const jobJsonCache = new WeakMap<Job, string>()

/** Returns a job's JSON text, cached per frozen job object. */
export function jobJson(job: Job): string {
  let json = jobJsonCache.get(job)
  if (json === undefined) {
    json = JSON.stringify(job)
    jobJsonCache.set(job, json)
  }
  return json
}

/** Writes one job per line, so the file stays readable and a damaged region points at the job concerned. */
/** Returns the first job id that appears twice in `jobs`, which must be sorted by id, or null. */
export function repeatedJobId(jobs: readonly Job[]): string | null {
  for (let index = 1; index < jobs.length; index += 1) {
    const id = jobs[index]!.id
    if (id === jobs[index - 1]!.id) return id
  }
  return null
}

function serializeStoreFile(data: StoreFile): string[] {
  const chunks = [`{\n"schemaVersion": ${data.schemaVersion},\n"nextJobNumber": ${data.nextJobNumber},\n"jobs": [\n`]
  data.jobs.forEach((job, index) => {
    chunks.push(jobJson(job), index < data.jobs.length - 1 ? ',\n' : '\n')
  })
  chunks.push(']\n}\n')
  return chunks
}

/**
 * Throws a `SCHEMA_TOO_NEW` StoreError when parsed JSON declares a schema version above `readableVersion`, so a
 * file written by a newer app stops the load and stays as it is.
 */
export function rejectNewerSchema(value: unknown, filePath: string, readableVersion: number): void {
  const version = typeof value === 'object' && value !== null ? (value as { schemaVersion?: unknown }).schemaVersion : null
  if (typeof version === 'number' && version > readableVersion) {
    const message =
      `${filePath} was written by a newer PUI Monitor (schema ${version}, this version reads ${readableVersion}): ` +
      'upgrade the app; the file was left unchanged'
    throw new StoreError('SCHEMA_TOO_NEW', message, filePath)
  }
}

function validateStoreFile(value: unknown, filePath: string): { ok: true; data: StoreFile } | { ok: false; reason: string } {
  rejectNewerSchema(value, filePath, SINGLE_FILE_SCHEMA_VERSION)

  const parsed = StoreFileSchema.safeParse(value)
  if (!parsed.success) {
    return { ok: false, reason: `unexpected content: ${describeIssues(parsed.error)}` }
  }

  const jobs = parsed.data.jobs.sort((a, b) => jobNumberOf(a.id) - jobNumberOf(b.id))
  const repeated = repeatedJobId(jobs)
  if (repeated !== null) return { ok: false, reason: `unexpected content: job id ${repeated} appears twice` }

  // A hand-edited file may have a counter at or below an existing id; moving it past them keeps new ids unique.
  const lastNumber = jobs.length > 0 ? jobNumberOf(jobs[jobs.length - 1]!.id) : 0
  const nextJobNumber = Math.max(parsed.data.nextJobNumber, lastNumber + 1)
  return { ok: true, data: { schemaVersion: SINGLE_FILE_SCHEMA_VERSION, nextJobNumber, jobs } }
}

/**
 * Reads and writes the single-file `jobs.json` of schema 1. Validation rejects a wrong shape with a reason naming the first issues, and throws
 * a `SCHEMA_TOO_NEW` StoreError for a file from a newer app, which must stay untouched.
 */
export const storeFileCodec: StoreFileCodec<StoreFile> = {
  serialize: serializeStoreFile,
  validate: validateStoreFile,
}
