import { createHash } from 'node:crypto'
import { link, mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join, sep } from 'node:path'
import type { Stats } from 'node:fs'
import { clashCandidates, isTempNameFor, MAX_CLASH_NAMES, NAME_MAX_BYTES, nameBytes, tempNameFor } from './archive-names'
import { BackupError, errnoOf, fileSystemError, nameTooLongError, type Side } from './backup-error'

export { clashCandidates, MAX_CLASH_NAMES, NAME_MAX_BYTES, TEMP_SUFFIX } from './archive-names'
export { BackupError, errnoOf, isTransientCode, TRANSIENT_CODES } from './backup-error'

const COPY_CHUNK_BYTES = 1024 * 1024

/** Link errors that mean the file system has no hard links, so placement falls back to check-then-rename. */
const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'])

/** Result of `archiveFile`. `alreadyArchived` means an identical file was already there and was kept as is. */
export interface ArchiveOutcome {
  archivePath: string
  sha256: string
  size: number
  alreadyArchived: boolean
}

export interface ArchiveOptions {
  /** Called once the temporary copy is synced and closed, before it is re-read and verified. */
  afterTempWritten?: (tempPath: string) => void | Promise<void>
}

/** Result of `moveFile`. `crossDevice` means the file was copied, verified and unlinked instead of linked. */
export interface MoveOutcome {
  destinationPath: string
  size: number
  alreadyPresent: boolean
  crossDevice: boolean
}

interface Digest {
  sha256: string
  size: number
}

/**
 * Archives `sourcePath` as `destinationPath` and removes the source once the copy is on disk and verified.
 *
 * The copy goes to a short temporary name (see `tempNameFor`) in the destination folder while the source is hashed,
 * so it works across file systems and for file names up to NAME_MAX_BYTES. It fails with `SOURCE_CHANGED` when the
 * source no longer hashes to `expectedSha256`. An existing file is never overwritten: identical content counts as
 * already archived, different content gets the name `<stem>.<first 8 hex of sha256><ext>` (then `-2`, `-3`...),
 * with the stem shortened when that name would exceed NAME_MAX_BYTES. On failure the temporary copy is removed and
 * the source is left alone. Throws BackupError, with code `NAME_TOO_LONG` when the file system rejects a name as
 * too long or no clash name fits.
 */
export async function archiveFile(
  sourcePath: string,
  destinationPath: string,
  expectedSha256: string,
  options: ArchiveOptions = {},
): Promise<ArchiveOutcome> {
  const sourceStats = await statSource(sourcePath)
  if (sourceStats === null) {
    const archived = await findArchivedCopy(destinationPath, expectedSha256)
    if (archived !== null) return { ...archived, sha256: expectedSha256, alreadyArchived: true }
    throw new BackupError(
      'SOURCE_MISSING',
      `backup: source file is gone: ${sourcePath}. It was not archived, and no archived copy with its SHA-256 is ` +
        `at ${destinationPath}. Check whether another program moved or deleted it`,
    )
  }

  await createArchiveFolder(dirname(destinationPath))

  const archived = await findArchivedCopy(destinationPath, expectedSha256)
  if (archived !== null) {
    await removeSourceIfSame(sourcePath, expectedSha256, archived.archivePath)
    return { ...archived, sha256: expectedSha256, alreadyArchived: true }
  }

  return copyAndPlace(sourcePath, destinationPath, expectedSha256, options)
}

/**
 * Moves `sourcePath` into `destinationFolderPath`, keeping its file name, by hard link and unlink on the same file
 * system and by verified copy and unlink across file systems (`EXDEV`). Follows the clash rules of `archiveFile`:
 * it never overwrites. Throws BackupError.
 */
export async function moveFile(sourcePath: string, destinationFolderPath: string): Promise<MoveOutcome> {
  const sourceStats = await statSource(sourcePath)
  if (sourceStats === null) {
    throw new BackupError('SOURCE_MISSING', `backup: source file is gone: ${sourcePath}. It was not moved`)
  }

  await createArchiveFolder(destinationFolderPath)
  const destinationPath = join(destinationFolderPath, basename(sourcePath))

  try {
    const sourceSha256 = async () => (await hashFile(sourcePath, 'index')).sha256
    const placed = await placeWithoutOverwrite(sourcePath, destinationPath, sourceSha256)
    if (placed.alreadyArchived) await removeFile(sourcePath, 'cannot remove moved source file', 'index')
    await syncFolder(destinationFolderPath, 'archive')
    await syncFolder(dirname(sourcePath), 'index')
    const alreadyPresent = placed.alreadyArchived
    return { destinationPath: placed.path, size: sourceStats.size, alreadyPresent, crossDevice: false }
  } catch (error) {
    if (!(error instanceof BackupError) || error.code !== 'EXDEV') throw error
  }

  const copied = await copyAndPlace(sourcePath, destinationPath, null, {})
  const alreadyPresent = copied.alreadyArchived
  return { destinationPath: copied.archivePath, size: copied.size, alreadyPresent, crossDevice: true }
}

/**
 * Looks for `sha256` content at `destinationPath` or one of its clash names. Returns the path and size of the
 * match, or null when there is none. A missing folder counts as no match.
 */
export async function findArchivedCopy(
  destinationPath: string,
  sha256: string,
): Promise<{ archivePath: string; size: number } | null> {
  for (const [index, candidate] of clashCandidates(destinationPath, sha256).entries()) {
    const stats = await statIfPresent(candidate, 'cannot read archived file')
    if (stats === null) {
      // The destination itself may be gone while its clash names remain. After it, the first gap ends the chain.
      if (index === 0) continue
      return null
    }
    if (!stats.isFile()) continue

    const digest = await hashFile(candidate)
    if (digest.sha256 === sha256) return { archivePath: candidate, size: digest.size }
  }
  return null
}

/**
 * Removes the temporary copies that an interrupted backup of `fileName` with content `sha256` left in `folder`, or
 * that an interrupted move across file systems left when `sha256` is null. Returns their paths. A missing folder
 * has none.
 */
export async function removeStaleTemps(folder: string, fileName: string, sha256: string | null): Promise<string[]> {
  let entries: string[]
  try {
    entries = await readdir(folder)
  } catch (error) {
    const code = errnoOf(error)
    if (code === 'ENOENT' || code === 'ENOTDIR') return []
    throw fileSystemError('cannot list archive folder', folder, error, 'archive')
  }

  const stale = entries.filter((name) => isTempNameFor(name, fileName, sha256))

  const removed: string[] = []
  for (const name of stale) {
    await removeFile(join(folder, name), 'cannot remove stale temporary file', 'archive')
    removed.push(join(folder, name))
  }
  return removed
}

/** Reads a whole file and returns its SHA-256 (hex) and size in bytes. Throws BackupError. */
export async function hashFile(path: string, side: Side = 'archive'): Promise<Digest> {
  const handle = await openFile(path, 'r', 'cannot open file to hash', side)
  try {
    const hash = createHash('sha256')
    const size = await readChunks(handle, path, side, (chunk) => hash.update(chunk))
    return { sha256: hash.digest('hex'), size }
  } finally {
    await closeAfterUse(handle)
  }
}

/**
 * Removes `sourcePath` when its content still hashes to `sha256` and syncs its folder. Returns `removed`, `missing`
 * when it was already gone, or `different` (and keeps it) when the file now contains other content.
 */
export async function removeArchivedSource(
  sourcePath: string,
  sha256: string,
): Promise<'removed' | 'missing' | 'different'> {
  if ((await statSource(sourcePath)) === null) return 'missing'
  const digest = await hashFile(sourcePath, 'index')
  if (digest.sha256 !== sha256) return 'different'

  await removeFile(sourcePath, 'cannot remove archived source file', 'index')
  await syncFolder(dirname(sourcePath), 'index')
  return 'removed'
}

async function copyAndPlace(
  sourcePath: string,
  destinationPath: string,
  expectedSha256: string | null,
  options: ArchiveOptions,
): Promise<ArchiveOutcome> {
  const folder = dirname(destinationPath)
  const tempPath = join(folder, tempNameFor(basename(destinationPath), expectedSha256))
  // A process killed during an earlier copy of this file may have left its temporary copy behind. Removing such
  // copies here covers every path that copies, whatever status the job had on disk when the process stopped.
  await removeStaleTemps(folder, basename(destinationPath), expectedSha256)

  try {
    const copied = await copyToTemp(sourcePath, tempPath)
    if (expectedSha256 !== null && copied.digest.sha256 !== expectedSha256) {
      throw new BackupError(
        'SOURCE_CHANGED',
        `backup: source file changed since processing: expected sha256 ${expectedSha256}, found ` +
          `${copied.digest.sha256} in ${sourcePath}. Its new content was not archived as this job's file and is ` +
          'taken as a new job. The content this job counted is not in the archive, so ask the producer to send it ' +
          'again if it must be archived',
      )
    }

    await options.afterTempWritten?.(tempPath)
    await verifyCopy(tempPath, copied.digest)

    const placed = await placeWithoutOverwrite(tempPath, destinationPath, async () => copied.digest.sha256)
    await removeFile(tempPath, 'cannot remove temporary file', 'archive', { missingOk: true })
    await syncFolder(folder, 'archive')

    await removeUnchangedSource(sourcePath, copied.sourceStats, placed.path)
    const { sha256, size } = copied.digest
    return { archivePath: placed.path, sha256, size, alreadyArchived: placed.alreadyArchived }
  } catch (error) {
    throw await discardTemp(tempPath, error)
  }
}

async function copyToTemp(sourcePath: string, tempPath: string): Promise<{ digest: Digest; sourceStats: Stats }> {
  const source = await openFile(sourcePath, 'r', 'cannot open source file', 'index')
  let temp: FileHandle | undefined
  try {
    const sourceStats = await source.stat()
    if (!sourceStats.isFile()) {
      throw new BackupError('NOT_A_FILE', `backup: source ${sourcePath} is not a regular file, so it was not archived`)
    }

    temp = await openFile(tempPath, 'wx', 'cannot create temporary file', 'archive')
    const hash = createHash('sha256')
    const target = temp
    const size = await readChunks(source, sourcePath, 'index', async (chunk) => {
      hash.update(chunk)
      await writeAll(target, chunk, tempPath)
    })

    await callFs(() => target.sync(), 'cannot sync temporary file', tempPath, 'archive')
    temp = undefined
    await callFs(() => target.close(), 'cannot close temporary file', tempPath, 'archive')
    return { digest: { sha256: hash.digest('hex'), size }, sourceStats }
  } finally {
    if (temp !== undefined) await closeAfterUse(temp)
    await closeAfterUse(source)
  }
}

async function verifyCopy(tempPath: string, expected: Digest): Promise<void> {
  // This read goes through the file system and may be served from the page cache. The fsync before it has already
  // written the data to the device.
  const found = await hashFile(tempPath)
  if (found.sha256 === expected.sha256 && found.size === expected.size) return
  throw new BackupError(
    'VERIFY_FAILED',
    `backup: the copy ${tempPath} does not match its source after writing: expected ${expected.size} bytes with ` +
      `sha256 ${expected.sha256}, found ${found.size} bytes with sha256 ${found.sha256}. The copy was removed. ` +
      'Check the archive disk if this repeats',
  )
}

/**
 * Puts `fromPath` at the first free clash candidate by hard link (which fails with EEXIST instead of replacing),
 * then unlinks `fromPath`. An identical file already at a candidate is kept and `fromPath` stays for the caller.
 */
async function placeWithoutOverwrite(
  fromPath: string,
  destinationPath: string,
  sha256Of: () => Promise<string>,
): Promise<{ path: string; alreadyArchived: boolean }> {
  let sha256: string | null = null
  let candidates = [destinationPath]

  for (let index = 0; index < candidates.length; index += 1) {
    const candidate = candidates[index] as string
    if (await linkOrRename(fromPath, candidate)) return { path: candidate, alreadyArchived: false }

    if (sha256 === null) {
      sha256 = await sha256Of()
      candidates = clashCandidates(destinationPath, sha256)
    }
    const existing = await hashFile(candidate)
    if (existing.sha256 === sha256) return { path: candidate, alreadyArchived: true }
  }

  if (candidates.length === 1) throw noClashNameFits(destinationPath, sha256 as string)
  throw new BackupError(
    'TOO_MANY_CLASHES',
    `backup: ${MAX_CLASH_NAMES} files with other content already use the name ${destinationPath} or its clash ` +
      'names. Move some of them out of the archive folder, then retry the backup',
  )
}

function noClashNameFits(destinationPath: string, sha256: string): BackupError {
  const name = basename(destinationPath)
  return new BackupError(
    'NAME_TOO_LONG',
    `backup: a file with other content already has the name ${destinationPath}, and no clash name fits: the file ` +
      `name ${name} is ${nameBytes(name)} bytes, and with the suffix .${sha256.slice(0, 8)} it is longer than the ` +
      `archive file system allows (${NAME_MAX_BYTES} bytes). Rename the file in the index folder to a shorter ` +
      'name, then retry the backup',
  )
}

/** Returns false when `candidate` exists. */
async function linkOrRename(fromPath: string, candidate: string): Promise<boolean> {
  try {
    await link(fromPath, candidate)
  } catch (error) {
    const code = errnoOf(error)
    if (code === 'EEXIST') return false
    if (code === null || !LINK_UNSUPPORTED.has(code)) {
      throw fileSystemError('cannot place file at', candidate, error, 'archive')
    }

    // NOTE: without hard links, a file created between this check and the rename would be replaced.
    if ((await statIfPresent(candidate, 'cannot check archive name')) !== null) return false
    await callFs(() => rename(fromPath, candidate), 'cannot place file at', candidate, 'archive')
    return true
  }

  await removeFile(fromPath, 'cannot remove file after linking it to its new name', 'archive')
  return true
}

async function removeUnchangedSource(sourcePath: string, copiedFrom: Stats, archivePath: string): Promise<void> {
  const now = await statSource(sourcePath)
  if (now === null) return

  const sameFile = now.ino === copiedFrom.ino && now.dev === copiedFrom.dev
  const same = sameFile && now.size === copiedFrom.size && now.mtimeMs === copiedFrom.mtimeMs
  if (!same) {
    throw new BackupError(
      'SOURCE_CHANGED',
      `backup: source file ${sourcePath} changed while it was archived. The archived copy ${archivePath} contains ` +
        'the processed content, and the source was kept so its new content is not lost',
    )
  }

  await removeFile(sourcePath, 'cannot remove archived source file', 'index', { missingOk: true })
  await syncFolder(dirname(sourcePath), 'index')
}

async function removeSourceIfSame(sourcePath: string, sha256: string, archivePath: string): Promise<void> {
  const outcome = await removeArchivedSource(sourcePath, sha256)
  if (outcome !== 'different') return
  throw new BackupError(
    'SOURCE_CHANGED',
    `backup: source file changed since processing: ${sourcePath} no longer has sha256 ${sha256}. That content ` +
      `is already archived as ${archivePath}, so the source was kept and not archived again`,
  )
}

async function createArchiveFolder(folder: string): Promise<void> {
  try {
    await makeFolders(folder)
  } catch (error) {
    if (errnoOf(error) !== 'ENAMETOOLONG') throw fileSystemError('cannot create archive folder', folder, error, 'archive')
    throw nameTooLongError('cannot create archive folder', folder, { folder: longestName(folder) }, error)
  }
}

/** Returns the longest name in `path` by UTF-8 bytes, the one most likely to exceed NAME_MAX. */
function longestName(path: string): string {
  return path.split(sep).reduce((longest, name) => (nameBytes(name) > nameBytes(longest) ? name : longest), '')
}

/** Creates missing folders like `mkdir -p` but keeps the errno: Node 20's recursive mkdir reports EROFS as ENOENT. */
async function makeFolders(folder: string): Promise<void> {
  try {
    await mkdir(folder)
    return
  } catch (error) {
    const code = errnoOf(error)
    if (code === 'EEXIST') return expectFolder(folder)
    if (code !== 'ENOENT' || dirname(folder) === folder) throw error
  }

  await makeFolders(dirname(folder))
  try {
    await mkdir(folder)
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') throw error
    await expectFolder(folder)
  }
}

async function expectFolder(path: string): Promise<void> {
  if ((await stat(path)).isDirectory()) return
  throw Object.assign(new Error(`${path} is a file, not a folder`), { code: 'ENOTDIR' })
}

async function syncFolder(folder: string, side: Side): Promise<void> {
  // Windows cannot open a folder for fsync; NTFS journals the directory entry itself.
  if (process.platform === 'win32') return
  const handle = await openFile(folder, 'r', 'cannot open folder to sync', side)
  try {
    await callFs(() => handle.sync(), 'cannot sync folder', folder, side)
  } finally {
    await closeAfterUse(handle)
  }
}

async function statSource(sourcePath: string): Promise<Stats | null> {
  return statIfPresent(sourcePath, 'cannot read source file', 'index')
}

async function statIfPresent(path: string, operation: string, side: Side = 'archive'): Promise<Stats | null> {
  try {
    return await stat(path)
  } catch (error) {
    const code = errnoOf(error)
    // A name longer than the file system allows cannot exist there, so it is reported where it is created.
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return null
    throw fileSystemError(operation, path, error, side)
  }
}

async function removeFile(path: string, operation: string, side: Side, options = { missingOk: false }): Promise<void> {
  try {
    await unlink(path)
  } catch (error) {
    if (options.missingOk && errnoOf(error) === 'ENOENT') return
    throw fileSystemError(operation, path, error, side)
  }
}

/** Removes the temporary copy after a failure and returns the error to throw, noting a copy that stayed behind. */
async function discardTemp(tempPath: string, error: unknown): Promise<unknown> {
  try {
    await unlink(tempPath)
    return error
  } catch (removeError) {
    const code = errnoOf(removeError)
    if (code === 'ENOENT') return error
    if (!(error instanceof BackupError)) return error
    return new BackupError(
      error.code,
      `${error.message}. The temporary copy ${tempPath} could not be removed (${code}). Delete it by hand`,
      { cause: error, transient: error.transient },
    )
  }
}

async function openFile(path: string, flags: string, operation: string, side: Side): Promise<FileHandle> {
  try {
    return await open(path, flags, 0o644)
  } catch (error) {
    if (side === 'index' && errnoOf(error) === 'ENOENT') {
      const message = `backup: source file is gone: ${path}. It disappeared before it was copied`
      throw new BackupError('SOURCE_MISSING', message)
    }
    throw fileSystemError(operation, path, error, side)
  }
}

async function readChunks(
  handle: FileHandle,
  path: string,
  side: Side,
  onChunk: (chunk: Buffer) => unknown,
): Promise<number> {
  const buffer = Buffer.allocUnsafe(COPY_CHUNK_BYTES)
  let size = 0
  for (;;) {
    const read = () => handle.read(buffer, 0, buffer.length, null)
    const { bytesRead } = await callFs(read, 'cannot read file', path, side)
    if (bytesRead === 0) return size
    await onChunk(buffer.subarray(0, bytesRead))
    size += bytesRead
  }
}

async function writeAll(handle: FileHandle, chunk: Buffer, path: string): Promise<void> {
  let offset = 0
  while (offset < chunk.length) {
    const { bytesWritten } = await callFs(
      () => handle.write(chunk, offset, chunk.length - offset, null),
      'cannot write temporary file',
      path,
      'archive',
    )
    offset += bytesWritten
  }
}

async function callFs<T>(action: () => Promise<T>, operation: string, path: string, side: Side): Promise<T> {
  try {
    return await action()
  } catch (error) {
    throw fileSystemError(operation, path, error, side)
  }
}

/**
 * Closes a read handle, or a write handle whose step already failed. A close error is not reported, because the data
 * was already read or the caller is already throwing the first error. Written copies are closed with `callFs`.
 */
async function closeAfterUse(handle: FileHandle): Promise<void> {
  await handle.close().catch((error: unknown) => {
    void error
  })
}
