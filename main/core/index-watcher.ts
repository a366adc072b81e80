import type { Stats } from 'node:fs'
import { readdir, realpath, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import type { CoreLogger } from './logger'
import { StabilityTracker, type FileTimes, type StableFile } from './stability'

/**
 * Returns true for names upstream producers use while a file is still being written: dot-files, `*.tmp`,
 * `*.part`, `*.filepart` and names ending in `~`. Such a file is taken once it is renamed into place.
 */
export function isTemporaryName(fileName: string): boolean {
  const lower = fileName.toLowerCase()
  return (
    lower.startsWith('.') ||
    lower.endsWith('.tmp') ||
    lower.endsWith('.part') ||
    lower.endsWith('.filepart') ||
    lower.endsWith('~')
  )
}

/** How often a missing index folder is looked for, in milliseconds. */
const MISSING_FOLDER_RECHECK_MS = 1_000

export interface IndexWatcherOptions {
  indexDir: string
  stabilityWindowMs: number
  usePolling: boolean
  pollIntervalMs: number
  sweepIntervalMs: number
  logger: CoreLogger
  /** Returns true when a file with this size and modification time already has a job, so it is not taken again. */
  isKnown: (path: string, stats: FileTimes) => boolean
  /** Called once per file whose name is not valid UTF-8, which cannot be opened by its decoded name. */
  onInvalidName: (message: string) => void
  onStable: (file: StableFile) => void
  onFolderMissing: (message: string) => void
  onFolderRestored: () => void
}

/**
 * Finds files in the index folder and reports each once it is stable. chokidar delivers events as they happen.
 * A scan at start and a periodic sweep also compare the folder with the job records, because events can be missed
 * (bursts, network shares). Only top-level entries are considered.
 */
export class IndexWatcher {
  private watcher: FSWatcher | null = null
  private sweepTimer: NodeJS.Timeout | null = null
  private readonly tracker: StabilityTracker
  private folderMissing = false
  /** Identity (inode and birth time) of the folder chokidar watches, to notice a folder replaced between sweeps. */
  private watchedFolder: string | null = null
  /**
   * Real path of the index folder, resolved when the watcher starts and whenever the folder is replaced. chokidar
   * watches it instead of a symbolic link, which it would report as a file, and file paths are built on it.
   */
  private watchedPath: string
  private missingFolderTimer: NodeJS.Timeout | null = null
  /** Names (as hex) already reported as invalid UTF-8, so each is reported once. */
  private readonly reportedNames = new Set<string>()
  private sweeping: Promise<void> | null = null
  private stopped = false

  constructor(private readonly options: IndexWatcherOptions) {
    this.watchedPath = options.indexDir
    this.tracker = new StabilityTracker(
      options.stabilityWindowMs,
      options.onStable,
      (path, error) => options.logger.warn(`watcher: cannot read ${path} (${error.code}): ${error.message}`),
      options.isKnown,
    )
  }

  /** Starts the OS watcher and runs the start-up scan. Resolves when the scan has queued every file present. */
  async start(): Promise<void> {
    this.stopped = false
    await this.startWatcher()
    await this.sweep()
    this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepIntervalMs)
  }

  /** Watches `path` until it is stable and reports it again, for a file that changed after it was taken. */
  track(path: string): void {
    this.consider(path)
  }

  /** Up to `limit` of the files seen but not yet stable. */
  pendingPaths(limit: number): string[] {
    return this.tracker.pendingPaths(limit)
  }

  /** Number of files seen but not yet stable. */
  get pendingCount(): number {
    return this.tracker.pendingCount
  }

  /** Compares the folder with the job records and tracks every file that has no job yet. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce().finally(() => {
      this.sweeping = null
    })
    return this.sweeping
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.sweepTimer) clearInterval(this.sweepTimer)
    this.sweepTimer = null
    if (this.missingFolderTimer) clearTimeout(this.missingFolderTimer)
    this.missingFolderTimer = null
    this.tracker.stop()
    await this.watcher?.close()
    this.watcher = null
  }

  private async startWatcher(): Promise<void> {
    const { indexDir, usePolling, pollIntervalMs } = this.options
    this.watchedPath = await realpath(indexDir).catch((error: NodeJS.ErrnoException) => {
      // A missing folder is watched by its name until it is back; the sweep reports it.
      this.options.logger.debug(`watcher: cannot resolve index folder ${indexDir} (${error.code}); watching it by name`)
      return indexDir
    })
    if (this.watchedPath !== indexDir) this.options.logger.info(`watcher: index folder ${indexDir} is ${this.watchedPath}; watching that`)
    const watchedPath = this.watchedPath
    const watcher = watch(watchedPath, {
      depth: 0,
      ignoreInitial: true,
      followSymlinks: false,
      usePolling,
      interval: pollIntervalMs,
      binaryInterval: pollIntervalMs,
      awaitWriteFinish: false,
      ignored: (path) => path !== watchedPath && isTemporaryName(basename(path)),
    })
    watcher.on('add', (path) => this.consider(path))
    watcher.on('change', (path) => this.consider(path))
    watcher.on('unlink', (path) => this.tracker.forget(path))
    watcher.on('unlinkDir', (path) => {
      if (path === watchedPath) void this.sweep()
    })
    watcher.on('error', (error) => this.options.logger.warn(`watcher: ${(error as Error).message}`))
    this.watcher = watcher
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()))
    this.watchedFolder = await stat(indexDir).then(folderIdentity, () => null)
  }

  private async restartWatcher(): Promise<void> {
    // chokidar does not follow a folder that was removed or replaced, so it starts afresh on the new one.
    await this.watcher?.close()
    this.watcher = null
    if (!this.stopped) await this.startWatcher()
  }

  private consider(path: string): void {
    if (this.stopped || isTemporaryName(basename(path))) return
    if (path === this.watchedPath || path === this.options.indexDir) return
    this.tracker.track(path)
  }

  private async sweepOnce(): Promise<void> {
    const { indexDir, logger } = this.options
    let entries
    let identity: string
    try {
      identity = folderIdentity(await stat(indexDir))
      entries = await readdir(indexDir, { withFileTypes: true, encoding: 'buffer' })
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (!this.folderMissing) {
        this.folderMissing = true
        const message =
          code === 'ENOTDIR'
            ? `index folder ${indexDir} is a file, not a folder: replace it with a folder; jobs resume when it is back`
            : `index folder ${indexDir} cannot be read (${code}): jobs resume when it is back`
        logger.error(`watcher: ${message}`)
        this.options.onFolderMissing(message)
      }
      this.scheduleMissingFolderCheck()
      return
    }

    if (this.folderMissing) {
      this.folderMissing = false
      logger.info(`watcher: index folder ${indexDir} is back; watching again`)
      await this.restartWatcher()
      this.options.onFolderRestored()
    } else if (this.watchedFolder !== null && identity !== this.watchedFolder) {
      logger.warn(`watcher: index folder ${indexDir} was replaced by another folder; watching the new one`)
      await this.restartWatcher()
    }

    for (const entry of entries) {
      const name = entry.name.toString('utf8')
      if (isTemporaryName(name) || entry.isDirectory()) continue
      if (!Buffer.from(name, 'utf8').equals(entry.name)) {
        this.reportInvalidName(entry.name)
        continue
      }
      this.consider(join(this.watchedPath, name))
    }
  }

  /** Looks again soon for a missing folder, sooner than the periodic sweep, so a quick re-creation is noticed. */
  private scheduleMissingFolderCheck(): void {
    if (this.stopped || this.missingFolderTimer) return
    this.missingFolderTimer = setTimeout(() => {
      this.missingFolderTimer = null
      void this.sweep()
    }, Math.min(MISSING_FOLDER_RECHECK_MS, this.options.sweepIntervalMs))
  }

  private reportInvalidName(raw: Buffer): void {
    const key = raw.toString('hex')
    if (this.reportedNames.has(key)) return
    this.reportedNames.add(key)
    const message =
      `file name ${escapeFileName(raw)} in ${this.options.indexDir} is not valid UTF-8, so it cannot be processed: ` +
      'the file stays in the index folder; rename it using UTF-8 characters'
    this.options.logger.warn(`watcher: ${message}`)
    this.options.onInvalidName(message)
  }
}

/**
 * Returns the identity of the folder at a path, which changes when the folder is replaced. The inode alone is not enough, because file systems
 * such as ext4 give a folder created right after a removal the freed inode number again.
 */
function folderIdentity(stats: Stats): string {
  return `${stats.ino}:${stats.birthtimeMs}`
}

/** Shows a raw file name with printable ASCII as is and every other byte as `\xNN`, for messages and logs. */
export function escapeFileName(raw: Buffer): string {
  let text = ''
  for (const byte of raw) {
    text += byte >= 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`
  }
  return text
}
