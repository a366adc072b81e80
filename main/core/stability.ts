import { lstat } from 'node:fs/promises'
import type { Stats } from 'node:fs'

/** Size, modification time and type of a file once its size and modification time stopped changing. */
export interface StableFile {
  path: string
  size: number
  mtimeMs: number
  /** Status change time: it moves on chmod and chown too, which leave the modification time alone. */
  ctimeMs: number
  isFile: boolean
  isSymbolicLink: boolean
}

/** The parts of a file's status that tell whether it changed since a job took it. */
export type FileTimes = Pick<StableFile, 'size' | 'mtimeMs' | 'ctimeMs'>

interface Candidate {
  size: number
  mtimeMs: number
  /** When the current size and modification time were first seen. */
  unchangedSince: number
}

/** Files checked per tick, so a burst of thousands of files does not open thousands of `lstat` calls at once. */
const STAT_BATCH_SIZE = 64

/**
 * Takes a file only after its size and modification time have stayed the same for `windowMs`. One timer checks
 * every tracked file, instead of one timer per file, so a burst of files costs one `lstat` per file per tick.
 */
export class StabilityTracker {
  private readonly candidates = new Map<string, Candidate | null>()
  private timer: NodeJS.Timeout | null = null
  private checking = false

  constructor(
    private readonly windowMs: number,
    private readonly onStable: (file: StableFile) => void,
    private readonly onError: (path: string, error: NodeJS.ErrnoException) => void,
    /** Returns true for a file that already has a job with this size and modification time; it is dropped at once. */
    private readonly isKnown: (path: string, stats: FileTimes) => boolean = () => false,
    private readonly tickMs = Math.max(20, Math.min(250, Math.floor(windowMs / 4))),
  ) {}

  /** Starts (or keeps) watching `path`; a file already tracked keeps its progress. */
  track(path: string): void {
    if (!this.candidates.has(path)) this.candidates.set(path, null)
    this.schedule()
  }

  /** Forgets `path`, for example because it was deleted. */
  forget(path: string): void {
    this.candidates.delete(path)
  }

  /** Up to `limit` of the files being watched until they are stable. */
  pendingPaths(limit: number): string[] {
    const paths: string[] = []
    for (const path of this.candidates.keys()) {
      if (paths.length >= limit) break
      paths.push(path)
    }
    return paths
  }

  get pendingCount(): number {
    return this.candidates.size
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.candidates.clear()
  }

  private schedule(): void {
    if (this.timer || this.checking) return
    this.timer = setTimeout(() => {
      this.timer = null
      void this.check()
    }, this.tickMs)
  }

  private async check(): Promise<void> {
    this.checking = true
    const stable: StableFile[] = []
    try {
      const paths = [...this.candidates.keys()]
      for (let start = 0; start < paths.length; start += STAT_BATCH_SIZE) {
        await Promise.all(paths.slice(start, start + STAT_BATCH_SIZE).map((path) => this.checkOne(path, stable)))
      }
      // Files that settle in the same round are reported in name order, so job ids do not depend on which
      // lstat call returned first.
      stable.sort(byPath)
      for (const file of stable) this.onStable(file)
    } finally {
      this.checking = false
      if (this.candidates.size > 0) this.schedule()
    }
  }

  private async checkOne(path: string, stable: StableFile[]): Promise<void> {
    let stats: Stats
    try {
      stats = await lstat(path)
    } catch (error) {
      this.candidates.delete(path)
      const code = (error as NodeJS.ErrnoException).code
      // A file renamed or removed before it settled is simply no longer a candidate.
      if (code !== 'ENOENT') this.onError(path, error as NodeJS.ErrnoException)
      return
    }

    if (!this.candidates.has(path)) return
    if (this.isKnown(path, stats)) {
      this.candidates.delete(path)
      return
    }
    const now = Date.now()
    const previous = this.candidates.get(path)
    if (!previous || previous.size !== stats.size || previous.mtimeMs !== stats.mtimeMs) {
      this.candidates.set(path, { size: stats.size, mtimeMs: stats.mtimeMs, unchangedSince: now })
      if (this.windowMs > 0) return
    } else if (now - previous.unchangedSince < this.windowMs) {
      return
    }

    this.candidates.delete(path)
    stable.push({
      path,
      size: stats.size,
      mtimeMs: stats.mtimeMs,
      ctimeMs: stats.ctimeMs,
      isFile: stats.isFile(),
      isSymbolicLink: stats.isSymbolicLink(),
    })
  }
}

/** Orders files by path, comparing UTF-16 code units so the order does not depend on the locale. */
function byPath(a: StableFile, b: StableFile): number {
  if (a.path < b.path) return -1
  if (a.path > b.path) return 1
  return 0
}
