import { basename } from 'node:path'
import { nameBytes } from './archive-names'

/** Maximum path length in bytes, counting the final NUL, that Linux system calls accept (PATH_MAX). */
const PATH_MAX_BYTES = 4096

/**
 * Error codes that may clear without anyone acting, so BackupHelper retries them automatically. They cover:
 * - a busy or locked file (EBUSY, EPERM, EAGAIN), common on Windows while a virus scanner has it open;
 * - exhausted handles (EMFILE, ENFILE) and a full disk that cleanup may free (ENOSPC);
 * - network share errors (ETIMEDOUT, EIO, ESTALE, ECONNRESET, EHOSTDOWN, ENETUNREACH);
 * - a copy that did not read back as written (VERIFY_FAILED).
 * Every other code needs a person: SOURCE_CHANGED, SOURCE_MISSING, NOT_A_FILE, TOO_MANY_CLASHES, NAME_TOO_LONG,
 * EROFS, ENOTDIR, EACCES, EISDIR and unknown codes.
 */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set(
  ['EBUSY', 'EPERM', 'EAGAIN', 'EMFILE', 'ENFILE', 'ENOSPC', 'ETIMEDOUT'].concat(
    ['EIO', 'ESTALE', 'ECONNRESET', 'EHOSTDOWN', 'ENETUNREACH', 'VERIFY_FAILED'],
  ),
)

/** A failed backup or move step. `code` is the errno (`ENOSPC`) or a product code (`SOURCE_CHANGED`). */
export class BackupError extends Error {
  readonly code: string
  readonly transient: boolean

  constructor(code: string, message: string, options: { cause?: unknown; transient?: boolean } = {}) {
    super(message, { cause: options.cause })
    this.name = 'BackupError'
    this.code = code
    this.transient = options.transient ?? TRANSIENT_CODES.has(code)
  }
}

/** Returns true when an error with this code is worth retrying automatically. */
export function isTransientCode(code: string): boolean {
  return TRANSIENT_CODES.has(code)
}

/** Returns the errno code of a Node file-system error, or null for anything else. */
export function errnoOf(error: unknown): string | null {
  if (typeof error !== 'object' || error === null || !('code' in error)) return null
  return typeof error.code === 'string' ? error.code : null
}

/** The side of a backup a path is on, which decides the next step an error message suggests. */
export type Side = 'archive' | 'index'

/** Wraps a Node file-system error as `backup: <operation> <path> (<code>): <what to do>`. */
export function fileSystemError(operation: string, path: string, error: unknown, side: Side): BackupError {
  if (error instanceof BackupError) return error
  const code = errnoOf(error) ?? 'EUNKNOWN'
  if (code === 'ENAMETOOLONG') return nameTooLongError(operation, path, { file: basename(path) }, error)
  const detail = error instanceof Error ? error.message : String(error)
  const message = `backup: ${operation} ${path} (${code}): ${nextStep(code, side)}. ${detail}`
  return new BackupError(code, message, { cause: error })
}

/**
 * Builds the `NAME_TOO_LONG` error for ENAMETOOLONG, naming the file or folder name that was too long, or the whole
 * path when it reaches PATH_MAX.
 */
export function nameTooLongError(
  operation: string,
  path: string,
  name: { file: string } | { folder: string },
  error: unknown,
): BackupError {
  const pathBytes = Buffer.byteLength(path)
  const failed = `backup: ${operation} ${path} (ENAMETOOLONG)`
  let message: string
  if (pathBytes >= PATH_MAX_BYTES) {
    message =
      `${failed}: the path is ${pathBytes} bytes, longer than the operating system allows. Choose a shorter ` +
      'archive folder or rename the file in the index folder, then retry the backup'
  } else if ('file' in name) {
    message =
      `${failed}: the file name ${name.file} is ${nameBytes(name.file)} bytes, longer than the archive file ` +
      'system allows. Rename the file in the index folder to a shorter name, then retry the backup'
  } else {
    message =
      `${failed}: the folder name ${name.folder} is ${nameBytes(name.folder)} bytes, longer than the archive file ` +
      "system allows. Rename the file in the index folder or change its job type's archive layout so the folder " +
      'name is shorter, then retry the backup'
  }
  return new BackupError('NAME_TOO_LONG', message, { cause: error })
}

function nextStep(code: string, side: Side): string {
  const folder = side === 'archive' ? 'archive folder' : 'index folder'
  switch (code) {
    case 'ENOSPC':
      return `the ${side} disk is full. Free space, then retry the backup`
    case 'EROFS':
      return `the ${folder} is on a read-only file system. Remount it read-write or choose another ${folder}`
    case 'ENOTDIR':
      return `a part of the path is a file, not a folder. Move that file or choose another ${folder}`
    case 'EACCES':
    case 'EPERM':
      return `check the ${folder}'s permissions`
    case 'EBUSY':
    case 'EAGAIN':
      return 'another program is using the file. Close it, then retry the backup'
    default:
      return `check the ${folder}, then retry the backup`
  }
}
