import { readdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import type { CoreLogger } from './logger'
import { StabilityTracker, type StableFile } from './stability'

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

export interface IndexWatcherOptions {
  indexDir: string
  stabilityWindowMs: number
  usePolling: boolean
  pollIntervalMs: number
  sweepIntervalMs: number
  logger: CoreLogger
  /** Returns true when a file with this size and modification time already has a job, so it is not taken again. */
  isKnown: (path: string, size: number, mtimeMs: number) => boolean
  onStable: (file: StableFile) => void
  onFolderMissing: (message: string) => void
  onFolderRestored: () => void
}

/**
 * Finds files in the index folder and reports each once it is stable. chokidar delivers events as they happen;
 * a scan at start and a periodic sweep compare the folder with the job records, because events can be missed
 * (bursts, network shares). Only top-level entries are considered.
 */
export class IndexWatcher {
  private watcher: FSWatcher | null = null
  private sweepTimer: NodeJS.Timeout | null = null
  private readonly tracker: StabilityTracker
  private folderMissing = false
  private sweeping: Promise<void> | null = null
  private stopped = false

  constructor(private readonly options: IndexWatcherOptions) {
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
    this.tracker.stop()
    await this.watcher?.close()
    this.watcher = null
  }

  private async startWatcher(): Promise<void> {
    const { indexDir, usePolling, pollIntervalMs } = this.options
    const watcher = watch(indexDir, {
      depth: 0,
      ignoreInitial: true,
      followSymlinks: false,
      usePolling,
      interval: pollIntervalMs,
      binaryInterval: pollIntervalMs,
      awaitWriteFinish: false,
      ignored: (path) => path !== indexDir && isTemporaryName(basename(path)),
    })
    watcher.on('add', (path) => this.consider(path))
    watcher.on('change', (path) => this.consider(path))
    watcher.on('unlink', (path) => this.tracker.forget(path))
    watcher.on('unlinkDir', (path) => {
      if (path === indexDir) void this.sweep()
    })
    watcher.on('error', (error) => this.options.logger.warn(`watcher: ${(error as Error).message}`))
    this.watcher = watcher
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()))
  }

  private consider(path: string): void {
    if (this.stopped || isTemporaryName(basename(path))) return
    this.tracker.track(path)
  }

  private async sweepOnce(): Promise<void> {
    const { indexDir, logger } = this.options
    let entries
    try {
      entries = await readdir(indexDir, { withFileTypes: true })
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (!this.folderMissing) {
        this.folderMissing = true
        const message = `index folder ${indexDir} cannot be read (${code}): jobs resume when it is back`
        logger.error(`watcher: ${message}`)
        this.options.onFolderMissing(message)
      }
      return
    }

    if (this.folderMissing) {
      this.folderMissing = false
      logger.info(`watcher: index folder ${indexDir} is back; watching again`)
      // chokidar does not follow a folder that was removed and created again, so it starts afresh.
      await this.watcher?.close()
      if (!this.stopped) await this.startWatcher()
      this.options.onFolderRestored()
    }

    for (const entry of entries) {
      if (isTemporaryName(entry.name) || entry.isDirectory()) continue
      this.consider(join(indexDir, entry.name))
    }
  }
}
