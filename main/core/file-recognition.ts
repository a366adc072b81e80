import { createHash } from 'node:crypto'
import { constants as fsConstants } from 'node:fs'
import { open } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import type { Job } from '../../shared/job'
import type { JobRepository } from './job-store-contract'
import type { CoreLogger } from './logger'
import type { FileTimes, StableFile } from './stability'

/** Returns true for a job that failed because its file could not be opened or read. */
function isUnreadableFailure(job: Job): boolean {
  return job.status === 'FAILED' && job.error?.code === 'UNREADABLE'
}

/**
 * Returns the SHA-256 of a regular file, read as a stream. Throws for anything else, even when it replaced the file
 * since the last `lstat`: O_NOFOLLOW fails on a symbolic link, and O_NONBLOCK keeps a named pipe from blocking the
 * open, after which the type check rejects it.
 */
async function sha256OfFile(path: string): Promise<string> {
  const handle = await open(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0) | (fsConstants.O_NOFOLLOW ?? 0))
  try {
    if (!(await handle.stat()).isFile()) throw new Error(`${path} is no longer a regular file`)
    const hash = createHash('sha256')
    await pipeline(handle.createReadStream({ autoClose: false }), hash)
    return hash.digest('hex')
  } finally {
    await handle.close()
  }
}

/**
 * Decides whether a file in the index folder is already covered by a job, so each file content becomes one job
 * whatever the watcher events, sweeps and restarts. What it learns without the store (status change times of
 * unreadable files, touched files) is kept in memory only: after a restart such a file is looked at once more.
 */
export class FileRecognition {
  /** Status change time of the file when a job last failed to read it, by job id. */
  private readonly unreadableCtimes = new Map<string, number>()
  /** Files whose modification time changed without a change of content: path → `size:mtimeMs`. */
  private readonly unchangedContent = new Map<string, string>()

  constructor(
    private readonly store: JobRepository,
    private readonly logger: CoreLogger,
  ) {}

  /**
   * Returns true when a job already covers the file at `path` as it is now, so the file is not taken again. A job
   * covers its file until its backup moved it away (`BACKED_UP`). A job that could not read its file covers it
   * only until the file's status changes (a chmod, say), so the file is read again once it may be readable.
   */
  isKnown(path: string, file: FileTimes): boolean {
    if (this.unchangedContent.get(path) === `${file.size}:${file.mtimeMs}`) return true
    return this.store.findBySourcePath(path).some((job) => {
      if (job.detectedSize !== file.size || job.detectedMtimeMs !== file.mtimeMs || job.archivalStatus === 'BACKED_UP') {
        return false
      }
      return !isUnreadableFailure(job) || this.unreadableCtimes.get(job.id) === file.ctimeMs
    })
  }

  /** Returns the job that could not read this very file before, and records the attempt to read it again. */
  takeUnreadableJob(file: StableFile): Job | undefined {
    const job = this.coveringJobs(file.path).find(
      (candidate) => isUnreadableFailure(candidate) && candidate.detectedSize === file.size && candidate.detectedMtimeMs === file.mtimeMs,
    )
    if (job) this.unreadableCtimes.set(job.id, file.ctimeMs)
    return job
  }

  /**
   * Returns true when a file that a job still covers was only touched: same size, new modification time, same
   * SHA-256. Such a file is not a new job; it is remembered so later sweeps skip it without hashing.
   */
  async isTouchedOnly(file: StableFile): Promise<boolean> {
    const candidates = this.coveringJobs(file.path).filter((job) => job.sha256 !== null && job.detectedSize === file.size)
    if (candidates.length === 0 || !file.isFile) return false
    let sha256: string
    try {
      sha256 = await sha256OfFile(file.path)
    } catch (error) {
      // The file is taken as a new job, whose processing reports why it cannot be read.
      this.logger.warn(`monitor: cannot hash ${file.path} to compare it with its job: ${(error as Error).message}`)
      return false
    }
    const same = candidates.find((job) => job.sha256 === sha256)
    if (!same) return false
    this.unchangedContent.set(file.path, `${file.size}:${file.mtimeMs}`)
    this.logger.info(`job ${same.id}: ${file.path} got a new modification time but the same content, so it is not taken again`)
    return true
  }

  /** Jobs recorded for `path` that have not moved their file away. */
  private coveringJobs(path: string): Job[] {
    return this.store.findBySourcePath(path).filter((job) => job.archivalStatus !== 'BACKED_UP')
  }
}
