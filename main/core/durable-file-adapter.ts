import { link, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Adapter } from 'lowdb'
import type { StoreRecovery } from './job-store-contract'
import { type CoreLogger, silentLogger } from './logger'
import { StoreError, errnoOf, unwritableError } from './store-error'

/** Serializer and validator of the data a `DurableFileAdapter` stores. */
export interface StoreFileCodec<T> {
  /** Returns the file text in chunks. Runs synchronously, so later changes to `data` cannot reach this write. */
  serialize(data: T): string[]
  /**
   * Checks parsed JSON: returns the data, or the reason it cannot be used. Throws to stop the load with every
   * file left as it is (a file from a newer app, for example).
   */
  validate(value: unknown, filePath: string): { ok: true; data: T } | { ok: false; reason: string }
}

export interface DurableFileAdapterOptions<T> {
  codec: StoreFileCodec<T>
  /** Never create, move or remove a file: a damaged file raises a `CORRUPT` StoreError instead of being moved aside. */
  readOnly?: boolean
  logger?: CoreLogger
  /** Start of the error message when neither the file nor its last-good copy can be loaded. */
  lossSummary?: string
}

const DEFAULT_LOSS_SUMMARY = 'JOB HISTORY NOT LOADED, starting with an empty store'

type Inspection<T> =
  | { state: 'missing' }
  | { state: 'valid'; data: T; bytes: Buffer }
  | { state: 'bad'; reason: string }

/** Text is written in pieces of about this many characters, so a large store never becomes one huge string. */
const WRITE_BATCH_CHARS = 1 << 20

/**
 * A lowdb adapter that replaces its file atomically and keeps the previous version as `<name>.last-good.json`.
 *
 * The caller must hold the data-folder lock: the adapter assumes it is the only writer of these files, and `read()`
 * removes temporary files left by a crash.
 */
export class DurableFileAdapter<T> implements Adapter<T> {
  readonly lastGoodPath: string
  /** Recovery performed by the last `read()`, or null when the file loaded as it was. */
  recovery: StoreRecovery | null = null
  private readonly folder: string
  private readonly codec: StoreFileCodec<T>
  private readonly readOnly: boolean
  private readonly logger: CoreLogger
  private readonly lossSummary: string
  private lastWrite: Promise<void> = Promise.resolve()

  constructor(
    readonly filePath: string,
    options: DurableFileAdapterOptions<T>,
  ) {
    this.folder = dirname(filePath)
    this.lastGoodPath = filePath.replace(/(\.json)?$/, '.last-good.json')
    this.codec = options.codec
    this.readOnly = options.readOnly ?? false
    this.logger = options.logger ?? silentLogger
    this.lossSummary = options.lossSummary ?? DEFAULT_LOSS_SUMMARY
  }

  /**
   * Loads the file, falling back to the last-good copy when the file is missing or damaged (see `recover`).
   * Returns null for a store that has never been written, or one that had to start empty.
   */
  async read(): Promise<T | null> {
    this.recovery = null
    if (!this.readOnly) {
      await this.removeLeftoverTempFiles()
    }

    const main = await this.inspect(this.filePath)
    if (main.state === 'valid') {
      return main.data
    }
    const lastGood = await this.inspect(this.lastGoodPath)
    return this.readOnly ? this.readWithoutRecovery(main, lastGood) : this.recover(main, lastGood)
  }

  /**
   * Replaces the file with `data`. Writes are queued, so calls never overlap.
   *
   * Steps:
   * 1. write `<file>.tmp-<pid>` and fsync it;
   * 2. hard-link the current file to `<name>.last-good.json` through a temporary link and a rename, so the last-good
   *    copy is always one whole earlier version;
   * 3. rename the temporary file over the file;
   * 4. fsync the folder.
   *
   * A crash before the returned promise resolves leaves either the previous or the new version in the file, never a
   * mix. Once it resolves, the new version is on disk and survives a power loss as well.
   */
  write(data: T): Promise<void> {
    if (this.readOnly) {
      return Promise.reject(new Error(`job store: ${this.filePath} was opened read-only and cannot be written`))
    }
    const chunks = this.codec.serialize(data)
    const written = this.lastWrite.then(() => this.replaceFile(chunks))
    // The queue only orders writes: each caller gets its own write's failure from `written`.
    this.lastWrite = written.then(
      () => undefined,
      () => undefined,
    )
    return written
  }

  private async replaceFile(chunks: Iterable<string | Buffer>): Promise<void> {
    const tempPath = `${this.filePath}.tmp-${process.pid}`
    try {
      await writeAndSync(tempPath, chunks)
      await this.keepLastGood()
      await rename(tempPath, this.filePath)
      await syncFolder(this.folder)
    } catch (error) {
      await rm(tempPath, { force: true }).catch((cleanupError: unknown) => {
        this.logger.warn(`job store: cannot remove the temporary file ${tempPath}`, cleanupError)
      })
      throw unwritableError('job store: saving', this.filePath, error)
    }
  }

  private async keepLastGood(): Promise<void> {
    const linkPath = `${this.lastGoodPath}.tmp-${process.pid}`
    await rm(linkPath, { force: true })
    try {
      await link(this.filePath, linkPath)
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') {
        return
      }
      throw error
    }
    await rename(linkPath, this.lastGoodPath)
    // rename() does nothing when both names are links to the same file, which is the case after a crash between
    // this rename and the next one. The temporary link must then be removed by hand.
    await rm(linkPath, { force: true })
  }

  /**
   * Recovers from a missing or damaged file:
   * - file and last-good copy missing: a new store (null, no recovery);
   * - file missing or damaged, last-good copy valid: the damaged file is moved to `<file>.corrupt-<UTC time>` and the
   *   last-good copy is written in its place (`restored-last-good`);
   * - both unusable: the damaged ones are moved aside and the store starts empty (`started-empty`, logged as an
   *   error).
   */
  private async recover(main: Inspection<T>, lastGood: Inspection<T>): Promise<T | null> {
    if (main.state === 'missing' && lastGood.state === 'missing') {
      return null
    }

    const movedMain = main.state === 'bad' ? await this.moveAside(this.filePath) : null
    if (lastGood.state === 'valid') {
      await this.replaceFile([lastGood.bytes])
      const problem =
        main.state === 'bad' ? `could not be loaded (${main.reason}), so it was moved to ${movedMain}` : 'was missing'
      const message =
        `job store: ${this.filePath} ${problem}; restored it from the last good copy ${this.lastGoodPath}. ` +
        'Changes saved by the last write before the damage are missing.'
      this.recovery = { kind: 'restored-last-good', movedAsidePath: movedMain, message }
      this.logger.warn(message)
      return lastGood.data
    }

    const movedLastGood = lastGood.state === 'bad' ? await this.moveAside(this.lastGoodPath) : null
    const mainProblem = main.state === 'bad' ? `could not be loaded (${main.reason}) and was moved to ${movedMain}` : 'was missing'
    const lastGoodProblem =
      lastGood.state === 'bad'
        ? `could not be loaded either (${lastGood.reason}) and was moved to ${movedLastGood}`
        : 'does not exist'
    const message =
      `job store: ${this.lossSummary}. ${this.filePath} ${mainProblem}; ` +
      `the last good copy ${this.lastGoodPath} ${lastGoodProblem}. ` +
      `To get the jobs back, stop PUI Monitor and put a good copy of ${basename(this.filePath)} in ${this.folder}.`
    this.recovery = { kind: 'started-empty', movedAsidePath: movedMain ?? movedLastGood, message }
    this.logger.error(message)
    return null
  }

  private readWithoutRecovery(main: Inspection<T>, lastGood: Inspection<T>): T | null {
    const advice = 'start PUI Monitor without a read-only command to move it aside and restore the last good copy'
    if (main.state === 'bad') {
      const message = `job store: ${this.filePath} could not be loaded (${main.reason}); ${advice}`
      throw new StoreError('CORRUPT', message, this.filePath)
    }
    if (lastGood.state === 'bad') {
      const message = `job store: ${this.filePath} is missing and ${this.lastGoodPath} could not be loaded (${lastGood.reason}); ${advice}`
      throw new StoreError('CORRUPT', message, this.lastGoodPath)
    }
    if (lastGood.state === 'valid') {
      this.logger.warn(`job store: ${this.filePath} is missing; read the last good copy ${this.lastGoodPath} instead`)
      return lastGood.data
    }
    return null
  }

  private async inspect(path: string): Promise<Inspection<T>> {
    let bytes: Buffer
    try {
      bytes = await readFile(path)
    } catch (error) {
      const errno = errnoOf(error)
      if (errno === 'ENOENT') {
        return { state: 'missing' }
      }
      const message = `job store: cannot read ${path} (${errno ?? String(error)}): check the data folder's permissions`
      throw new StoreError('UNREADABLE', message, path, errno, { cause: error })
    }

    if (bytes.length === 0) {
      return { state: 'bad', reason: 'the file is empty (0 bytes)' }
    }

    let value: unknown
    try {
      value = JSON.parse(stripByteOrderMark(bytes.toString('utf8')))
    } catch (error) {
      // A file system can leave a file of NUL bytes after a power loss; that case gets its own reason.
      if (!bytes.some((byte) => byte !== 0)) {
        return { state: 'bad', reason: `the file contains only NUL bytes (${bytes.length} bytes)` }
      }
      return { state: 'bad', reason: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` }
    }

    const result = this.codec.validate(value, path)
    return result.ok ? { state: 'valid', data: result.data, bytes } : { state: 'bad', reason: result.reason }
  }

  /** Renames a damaged file to `<path>.corrupt-<YYYYMMDDTHHMMSSZ>`, adding `-2`, `-3`... if that name is taken. */
  private async moveAside(path: string): Promise<string> {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
    let target = `${path}.corrupt-${stamp}`
    for (let suffix = 2; await exists(target); suffix += 1) {
      target = `${path}.corrupt-${stamp}-${suffix}`
    }
    try {
      await rename(path, target)
      await syncFolder(this.folder)
    } catch (error) {
      throw unwritableError('job store: moving a damaged file aside', path, error)
    }
    return target
  }

  private async removeLeftoverTempFiles(): Promise<void> {
    const prefixes = [`${basename(this.filePath)}.tmp-`, `${basename(this.lastGoodPath)}.tmp-`]
    let names: string[]
    try {
      names = await readdir(this.folder)
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') {
        return
      }
      throw new StoreError('UNREADABLE', `job store: cannot list ${this.folder} (${errnoOf(error)})`, this.folder, errnoOf(error))
    }

    for (const name of names.filter((entry) => prefixes.some((prefix) => entry.startsWith(prefix)))) {
      const path = join(this.folder, name)
      try {
        await rm(path, { force: true })
      } catch (error) {
        throw unwritableError('job store: removing a temporary file left by a crash', path, error)
      }
      this.logger.info(`job store: removed ${path}, left by an interrupted write`)
    }
  }
}

function stripByteOrderMark(text: string): string {
  return text.startsWith('\uFEFF') ? text.slice(1) : text
}

async function writeAndSync(path: string, chunks: Iterable<string | Buffer>): Promise<void> {
  const handle = await open(path, 'w')
  try {
    // Each writeFile() call continues at the handle's position, after what the previous one wrote.
    let batch: string[] = []
    let batchChars = 0
    for (const chunk of chunks) {
      if (typeof chunk !== 'string' || batchChars >= WRITE_BATCH_CHARS) {
        await handle.writeFile(batch.join(''))
        batch = []
        batchChars = 0
      }
      if (typeof chunk !== 'string') {
        await handle.writeFile(chunk)
      } else {
        batch.push(chunk)
        batchChars += chunk.length
      }
    }
    await handle.writeFile(batch.join(''))
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Fsyncs a folder so the renames in it survive a power loss. */
export async function syncFolder(folder: string): Promise<void> {
  // Windows cannot open a folder as a file; NTFS journals renames itself.
  if (process.platform === 'win32') {
    return
  }
  const handle = await open(folder, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') {
      return false
    }
    throw error
  }
}
