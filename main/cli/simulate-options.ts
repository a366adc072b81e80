import { mkdir, stat, statfs } from 'node:fs/promises'
import { dirname } from 'node:path'
import { SAMPLE_LAYOUTS, type PlanOptions } from './simulate-plan'

export interface SimulateOptions extends PlanOptions {
  /** Index folder to write into, created when missing. */
  to: string
  /** Files started per second. Unlimited when not set. */
  rate?: number
  /** Seed of every random choice: the same seed and options give the same names and bytes. Random when not set. */
  seed?: number
  /** How long a slow writer takes from its first byte to its last, in milliseconds. Default 2000. */
  slowAppendMs?: number
}

/** Maximum `largeMb` (10 GiB), so a mistyped size cannot fill the disk with one file. */
export const MAX_LARGE_MB = 10_240

const BYTES_PER_MIB = 1024 * 1024

/**
 * An option value that `simulate` rejects before it writes any file, including an index folder it cannot create or
 * without room for the large file. The message is one line and names the option.
 */
export class SimulateOptionsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SimulateOptionsError'
  }
}

/** Checks every option against its valid range. Throws SimulateOptionsError naming the first invalid one. */
export function validateOptions(options: SimulateOptions): void {
  const reject = (message: string): never => {
    throw new SimulateOptionsError(`simulate: ${message}`)
  }

  if (!Number.isInteger(options.files) || options.files < 1) {
    reject(`--files must be a whole number of 1 or more, got ${show(options.files)}`)
  }
  if (options.rate !== undefined && !(options.rate > 0)) {
    reject(`--rate must be more than 0 files per second, got ${show(options.rate)}`)
  }
  if (options.badRatio !== undefined && !(options.badRatio >= 0 && options.badRatio <= 1)) {
    reject(`--bad-ratio must be a share from 0 to 1, got ${show(options.badRatio)}`)
  }
  if (options.largeMb !== undefined && !(options.largeMb > 0 && options.largeMb <= MAX_LARGE_MB)) {
    reject(`--large-mb must be more than 0 and at most ${MAX_LARGE_MB} MiB, got ${show(options.largeMb)}`)
  }
  if (options.seed !== undefined && !Number.isInteger(options.seed)) {
    reject(`--seed must be a whole number, got ${show(options.seed)}`)
  }
  if (options.slowAppendMs !== undefined && !(options.slowAppendMs >= 0)) {
    reject(`slowAppendMs must be 0 or more milliseconds, got ${show(options.slowAppendMs)}`)
  }

  if (options.clients?.length === 0) reject('clients must list at least one client, got none')
  for (const client of options.clients ?? []) {
    if (!/^[a-z][a-z0-9-]*$/.test(client)) {
      reject(`client name must start with a lower-case letter followed by lower-case letters, digits and dashes, got ${show(client)}`)
    }
  }

  const jobTypeNames = SAMPLE_LAYOUTS.map((layout) => layout.name)
  if (options.jobTypes?.length === 0) reject(`jobTypes must list at least one of ${jobTypeNames.join(', ')}, got none`)
  for (const jobType of options.jobTypes ?? []) {
    if (!jobTypeNames.includes(jobType)) reject(`job type must be one of ${jobTypeNames.join(', ')}, got ${show(jobType)}`)
  }
}

/**
 * Creates the index folder `options.to` when missing and, with `largeMb`, checks that its file system has room for
 * the large file. The other files are small and are not counted. Throws SimulateOptionsError.
 */
export async function prepareIndexFolder(options: SimulateOptions): Promise<void> {
  await createFolders(options.to)
  if (options.largeMb !== undefined) await checkFreeSpace(options.to, Math.round(options.largeMb * BYTES_PER_MIB))
}

/**
 * Creates `folder` and its missing parents one level at a time. Node 20's `mkdir(path, { recursive: true })` never
 * returns for a path under /proc, so it is not used.
 */
async function createFolders(folder: string): Promise<void> {
  const missing: string[] = []
  for (let path = folder; ; path = dirname(path)) {
    const kind = await entryKind(path)
    if (kind === 'folder') break
    if (kind === 'other') throw notAFolder(folder, path)
    missing.unshift(path)
    if (dirname(path) === path) break
  }

  for (const path of missing) {
    try {
      await mkdir(path)
    } catch (error) {
      const code = errorCode(error)
      if (code === 'EEXIST' && (await entryKind(path)) === 'folder') continue
      if (code === 'EEXIST') throw notAFolder(folder, path)
      const nextStep =
        code === 'ENOENT'
          ? `${dirname(path)} does not accept new folders, so choose another --to`
          : 'check the path and its permissions'
      throw new SimulateOptionsError(`simulate: cannot create index folder ${path} (${code}): ${nextStep}`)
    }
  }
}

/** Returns what is at `path`. A path through a file counts as missing here, and the walk up finds that file. */
async function entryKind(path: string): Promise<'folder' | 'other' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'folder' : 'other'
  } catch (error) {
    const code = errorCode(error)
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing'
    throw new SimulateOptionsError(`simulate: cannot check index folder ${path} (${code}): check the path and its permissions`)
  }
}

function notAFolder(folder: string, path: string): SimulateOptionsError {
  if (path === folder) {
    return new SimulateOptionsError(`simulate: --to ${folder} is a file, not a folder: choose a folder for the index files`)
  }
  return new SimulateOptionsError(
    `simulate: cannot create index folder ${folder} (ENOTDIR) because ${path} is a file, not a folder: choose another --to`,
  )
}

async function checkFreeSpace(folder: string, neededBytes: number): Promise<void> {
  let freeBytes: number
  try {
    const stats = await statfs(folder)
    freeBytes = stats.bavail * stats.bsize
  } catch (error) {
    throw new SimulateOptionsError(`simulate: cannot read free space of ${folder} (${errorCode(error)}): check the index folder`)
  }

  if (neededBytes <= freeBytes) return
  throw new SimulateOptionsError(
    `simulate: --large-mb needs ${describeBytes(neededBytes)} for the large file, but ${folder} has ` +
      `${describeBytes(freeBytes)} free: free space there or choose a smaller --large-mb`,
  )
}

function describeBytes(bytes: number): string {
  return `${(bytes / BYTES_PER_MIB).toFixed(1)} MiB (${bytes} bytes)`
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code
  if (code) return code
  return error instanceof Error ? error.message : String(error)
}
