import type { Stats } from 'node:fs'
import { lstat } from 'node:fs/promises'
import { ZERO_COUNTS, type JobCounts, type ProcessingError, type ProcessingFields } from '../../shared/job'
import { assertNever, type JobStatus } from '../../shared/status'
import type { JobTypeRegistry } from './job-types'
import { parseIndexFile, symbolicLinkError, type ParseOptions } from './parser'

/** Main status and error of a processed file. */
export interface StatusDecision {
  status: Extract<JobStatus, 'SUCCESS' | 'WARNING' | 'FAILED'>
  error: ProcessingError | null
}

/** Main-status fields that processing sets. Archival fields are not part of the type, so they cannot be set. */
export type ProcessingOutcome = Partial<ProcessingFields> & { status: JobStatus }

export interface ProcessOptions extends ParseOptions {
  /** Clock for `startedAt` and `finishedAt`. */
  now?: () => Date
}

function formatPercent(ratio: number): string {
  return `${Number((ratio * 100).toFixed(2))}%`
}

/**
 * Decides the main status from the counts. `FAILED` when the file could not be processed, when no record was
 * accepted, or when the share of rejected records is above `rejectionThreshold` (a share from 0 to 1). A share
 * equal to the threshold still posts as `WARNING`.
 */
export function decideStatus(
  counts: JobCounts,
  rejectionThreshold: number,
  fatal: ProcessingError | null,
): StatusDecision {
  if (fatal !== null) return { status: 'FAILED', error: fatal }

  if (counts.accepted === 0) {
    const message =
      `no accepted record: all ${counts.records} records were rejected; ` +
      'fix the rejected lines and send the file again'
    return { status: 'FAILED', error: { code: 'NO_ACCEPTED_RECORD', message } }
  }

  const share = counts.rejected / counts.records
  if (share > rejectionThreshold) {
    const message =
      `too many rejected records: ${counts.rejected} of ${counts.records} (${formatPercent(share)}) is above ` +
      `the job type's threshold of ${formatPercent(rejectionThreshold)}; fix the rejected lines and send the file again`
    return { status: 'FAILED', error: { code: 'TOO_MANY_REJECTED', message } }
  }

  return { status: counts.rejected > 0 ? 'WARNING' : 'SUCCESS', error: null }
}

type EntryKind = 'file' | 'symlink' | 'directory' | 'fifo' | 'socket' | 'device'

function entryKind(stats: Stats): EntryKind {
  if (stats.isSymbolicLink()) return 'symlink'
  if (stats.isFile()) return 'file'
  if (stats.isDirectory()) return 'directory'
  if (stats.isFIFO()) return 'fifo'
  if (stats.isSocket()) return 'socket'
  return 'device'
}

/** Returns why the entry at `sourcePath` is not processed, or null for a regular file. */
function entryProblem(sourcePath: string, kind: EntryKind): ProcessingError | null {
  const notAFile = (description: string): ProcessingError => ({
    code: 'NOT_A_FILE',
    message: `not a regular file: ${sourcePath} is ${description}; index files must be regular files`,
  })

  switch (kind) {
    case 'file':
      return null
    case 'symlink':
      return symbolicLinkError(sourcePath)
    case 'directory':
      return notAFile('a folder')
    case 'fifo':
      return notAFile('a named pipe')
    case 'socket':
      return notAFile('a socket')
    case 'device':
      return notAFile('a device')
    default:
      return assertNever(kind)
  }
}

async function checkEntry(sourcePath: string): Promise<ProcessingError | null> {
  try {
    return entryProblem(sourcePath, entryKind(await lstat(sourcePath)))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === undefined) throw error
    const hint = code === 'ENOENT' ? 'the file was moved or deleted before processing' : 'check the index folder'
    return { code: 'UNREADABLE', message: `cannot read ${sourcePath} (${code}): ${hint}` }
  }
}

/**
 * Processes one index file: matches its name to a job type, checks that it is a regular file (symbolic links are
 * not followed), parses it and decides the main status.
 *
 * A file whose name matches no job type fails without being opened. The result contains main-status fields only;
 * the backup step is the caller's.
 */
export async function processIndexFile(
  sourcePath: string,
  fileName: string,
  registry: JobTypeRegistry,
  options: ProcessOptions = {},
): Promise<ProcessingOutcome> {
  const now = options.now ?? (() => new Date())
  const startedAt = now().toISOString()
  const unprocessed = { sha256: null, size: null, counts: { ...ZERO_COUNTS }, rejections: [] }

  const match = registry.match(fileName)
  if (!match.ok) {
    return {
      ...unprocessed,
      status: 'FAILED',
      jobType: null,
      client: null,
      cycleDate: null,
      error: match.error,
      startedAt,
      finishedAt: now().toISOString(),
    }
  }

  const { jobType, client, cycleDate } = match
  const named = { jobType: jobType.name, client, cycleDate, startedAt }

  const entryError = await checkEntry(sourcePath)
  if (entryError !== null) {
    return { ...unprocessed, ...named, status: 'FAILED', error: entryError, finishedAt: now().toISOString() }
  }

  const parsed = await parseIndexFile(sourcePath, jobType, options)
  const { status, error } = decideStatus(parsed.counts, jobType.rejectionThreshold, parsed.fatal)
  return {
    ...named,
    status,
    error,
    sha256: parsed.sha256,
    size: parsed.size,
    counts: parsed.counts,
    rejections: parsed.rejections,
    finishedAt: now().toISOString(),
  }
}
