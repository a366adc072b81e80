import { randomBytes } from 'node:crypto'
import { link, open, readdir, readFile, rm, unlink } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { type CoreLogger, silentLogger } from './logger'
import { StoreError, errnoOf, unwritableError } from './store-error'

// Why not proper-lockfile: it judges a lock stale by its modification time (its README gives the `stale` option a
// default of 10000 ms), so a restart right after a `kill -9` would be refused until the lock ages out. A lock that names its process lets the successor of
// a crashed instance start at once: a dead pid means a stale lock.

/** Name of the lock file in the data folder. */
export const LOCK_FILE_NAME = 'pui-monitor.lock'

/** Contents of the lock file: which process holds the data folder. */
export interface LockOwner {
  pid: number
  hostname: string
  /** ISO time the process took the lock. */
  startedAt: string
}

/** The data folder held by this process until `release()`. */
export interface DataFolderLock {
  readonly path: string
  readonly owner: LockOwner
  /** Removes the lock file if it is still this process's lock. A failure is logged, not thrown. */
  release(): Promise<void>
}

type LockState =
  | { kind: 'missing' }
  | { kind: 'held'; owner: LockOwner }
  | { kind: 'stale'; text: string; reason: string }

/** Rounds of create, inspect and take over before giving up; each round that waits for another process waits 20 ms. */
const MAX_ATTEMPTS = 100
const RETRY_DELAY_MS = 20

/**
 * Takes the data folder for this process by creating `<dataDir>/pui-monitor.lock`.
 *
 * A lock whose process is gone (or whose content is not a lock) is stale and is replaced, with a warning. A lock of
 * a live process on this host, or of any process on another host, raises a `LOCKED` StoreError. A folder that
 * cannot be written raises `UNWRITABLE`.
 */
export async function acquireDataFolderLock(dataDir: string, options: { logger?: CoreLogger } = {}): Promise<DataFolderLock> {
  const logger = options.logger ?? silentLogger
  const lockPath = join(dataDir, LOCK_FILE_NAME)
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() }
  const text = `${JSON.stringify(owner)}\n`

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    if (await createExclusive(lockPath, text)) {
      await removeDeadTempFiles(dataDir, logger)
      return new HeldLock(lockPath, owner, text, logger)
    }

    const state = await inspectLock(lockPath)
    if (state.kind === 'held') {
      throw lockedError(dataDir, lockPath, state.owner)
    }
    if (state.kind === 'stale' && !(await removeStaleLock(lockPath, state, logger))) {
      await delay(RETRY_DELAY_MS)
    }
  }

  const message =
    `data folder lock: could not take ${lockPath} after ${MAX_ATTEMPTS} attempts because other processes kept ` +
    'changing it; start only one PUI Monitor with this data folder'
  throw new StoreError('LOCKED', message, lockPath)
}

class HeldLock implements DataFolderLock {
  private released = false

  constructor(
    readonly path: string,
    readonly owner: LockOwner,
    private readonly text: string,
    private readonly logger: CoreLogger,
  ) {}

  async release(): Promise<void> {
    if (this.released) {
      return
    }
    this.released = true

    // A lock left behind names this process, which is gone once it exits, so the next start replaces it as stale.
    // That is why a failure here is logged and not thrown.
    try {
      const current = await readFile(this.path, 'utf8')
      if (current !== this.text) {
        this.logger.warn(`data folder lock: ${this.path} now belongs to another process; left it in place`)
        return
      }
      await unlink(this.path)
    } catch (error) {
      this.logger.warn(`data folder lock: cannot remove ${this.path} (${errnoOf(error) ?? String(error)}); the next start replaces it`)
    }
  }
}

/**
 * Creates `path` with `text` unless it exists; returns false if it does. The content is written to a temporary
 * file first and hard-linked into place, so no process ever reads a lock file that exists but is still empty.
 */
async function createExclusive(path: string, text: string): Promise<boolean> {
  const tempPath = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  try {
    const handle = await open(tempPath, 'wx')
    try {
      await handle.writeFile(text)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await link(tempPath, path)
    return true
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') {
      return false
    }
    throw unwritableError('data folder lock', path, error)
  } finally {
    await rm(tempPath, { force: true })
  }
}

/** Pattern of the temporary files that `createExclusive` writes for the lock and the takeover guard. Group 1 is the pid. */
const LOCK_TEMP_NAME = new RegExp(`^${LOCK_FILE_NAME.replaceAll('.', '\\.')}(?:\\.takeover)?\\.tmp-(\\d+)-[0-9a-f]{8}$`)

/**
 * Removes the temporary lock files of processes on this host that were killed while they took the lock. It runs
 * only in the process that has just taken the lock.
 */
async function removeDeadTempFiles(dataDir: string, logger: CoreLogger): Promise<void> {
  let names: string[]
  try {
    names = await readdir(dataDir)
  } catch (error) {
    logger.warn(`data folder lock: cannot list ${dataDir} to remove temporary lock files (${errnoOf(error) ?? String(error)})`)
    return
  }

  for (const name of names) {
    // NOTE: a temporary file name has no host. So a process on another host that shares the folder may be writing
    // its temporary file under a pid that is dead here. Its start then fails as UNWRITABLE, not LOCKED.
    const pid = Number(LOCK_TEMP_NAME.exec(name)?.[1] ?? Number.NaN)
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || (await isProcessAlive(pid))) continue
    await rm(join(dataDir, name), { force: true })
    logger.warn(`data folder lock: removed ${join(dataDir, name)}, left by process ${pid}, which was stopped while it took the lock`)
  }
}

async function inspectLock(path: string): Promise<LockState> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const errno = errnoOf(error)
    if (errno === 'ENOENT') {
      return { kind: 'missing' }
    }
    const message = `data folder lock: cannot read ${path} (${errno ?? String(error)}): remove it if it is not a file`
    throw new StoreError('UNREADABLE', message, path, errno, { cause: error })
  }

  const owner = parseOwner(text)
  if (owner === null) {
    return { kind: 'stale', text, reason: 'its content is not a PUI Monitor lock' }
  }
  if (owner.hostname !== hostname() || (await isProcessAlive(owner.pid))) {
    return { kind: 'held', owner }
  }
  return { kind: 'stale', text, reason: `its process ${owner.pid} is no longer running` }
}

function parseOwner(text: string): LockOwner | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) {
    return null
  }
  const { pid, hostname: host, startedAt } = value as Record<string, unknown>
  // pid 0 and negative pids address process groups, which kill(pid, 0) would report as alive.
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) {
    return null
  }
  if (typeof host !== 'string' || typeof startedAt !== 'string') {
    return null
  }
  return { pid, hostname: host, startedAt }
}

/**
 * Removes a stale lock if it is still the one that was inspected. Only the process holding the takeover guard
 * `<lock>.takeover` may do it, so two processes starting at the same time cannot both replace the same stale lock.
 * Returns false when another process was taking over, so the caller should wait and look again.
 */
async function removeStaleLock(lockPath: string, stale: { text: string; reason: string }, logger: CoreLogger): Promise<boolean> {
  const guardPath = `${lockPath}.takeover`
  const guardOwner: LockOwner = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() }
  if (!(await createExclusive(guardPath, JSON.stringify(guardOwner)))) {
    await removeDeadGuard(guardPath, logger)
    return false
  }

  try {
    const current = await readFile(lockPath, 'utf8').catch((error: unknown) => {
      if (errnoOf(error) === 'ENOENT') {
        return null
      }
      throw error
    })
    if (current === stale.text) {
      await unlink(lockPath)
      logger.warn(`data folder lock: replaced the stale lock ${lockPath} because ${stale.reason}`)
    }
    return true
  } catch (error) {
    throw unwritableError('data folder lock: replacing a stale lock', lockPath, error)
  } finally {
    await rm(guardPath, { force: true })
  }
}

/** Removes a takeover guard whose process died while holding it; a live guard is left to its process. */
async function removeDeadGuard(guardPath: string, logger: CoreLogger): Promise<void> {
  const state = await inspectLock(guardPath)
  if (state.kind !== 'stale') {
    return
  }
  // NOTE: a guard is held for a few file operations, so a dead holder needs a crash inside that window. If two
  // processes find the same dead guard, the second removal can hit the first one's new guard.
  if ((await readFile(guardPath, 'utf8').catch(() => null)) === state.text) {
    await rm(guardPath, { force: true })
    logger.warn(`data folder lock: removed ${guardPath} because ${state.reason}`)
  }
}

/** Returns true while the process exists and is not a zombie waiting to be reaped. */
async function isProcessAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0)
  } catch (error) {
    const errno = errnoOf(error)
    if (errno === 'ESRCH') {
      return false
    }
    if (errno !== 'EPERM') {
      throw error
    }
  }
  return !(await isZombie(pid))
}

/** Reads the process state from /proc where there is one (Linux); a zombie has exited but is not reaped yet. */
async function isZombie(pid: number): Promise<boolean> {
  if (process.platform !== 'linux') {
    return false
  }
  let stat: string
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  } catch (error) {
    // The process may have been reaped since kill() saw it.
    return errnoOf(error) === 'ENOENT'
  }
  // The command name in brackets may contain spaces; the state is the field after its closing bracket.
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
}

function lockedError(dataDir: string, lockPath: string, owner: LockOwner): StoreError {
  const where = owner.hostname === hostname() ? '' : ` on host ${owner.hostname}`
  const message =
    `another PUI Monitor${where} (pid ${owner.pid}, started ${owner.startedAt}) is using the data folder ${dataDir}; ` +
    `stop it or choose another --data folder. If no PUI Monitor is running there, delete ${lockPath}`
  return new StoreError('LOCKED', message, lockPath)
}
