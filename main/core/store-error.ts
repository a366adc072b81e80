/**
 * Reason the job store or its data-folder lock could not be used.
 *
 * - `SCHEMA_TOO_NEW`: a newer version of the app wrote the store file; it is left unchanged.
 * - `LOCKED`: another PUI Monitor is using the data folder.
 * - `UNWRITABLE`: a file in the data folder cannot be created, written or renamed.
 * - `UNREADABLE`: a store file exists but cannot be read (permissions, a folder in its place).
 * - `CORRUPT`: a read-only load found a damaged store file; only a writing open recovers it.
 * - `NO_DATA_FOLDER`: a read-only load was given a data folder that does not exist.
 * - `CONFLICT`: the data folder contains jobs both in an earlier version's `jobs.json` and in `jobs/`. Neither is touched.
 */
export type StoreErrorCode = 'SCHEMA_TOO_NEW' | 'LOCKED' | 'UNWRITABLE' | 'UNREADABLE' | 'CORRUPT' | 'NO_DATA_FOLDER' | 'CONFLICT'

/** An error of the job store that the app shows as is: the message names the path and what to do next. */
export class StoreError extends Error {
  override readonly name = 'StoreError'

  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** The file or folder concerned. */
    readonly path: string,
    /** The Node error code behind it (`EROFS`, `ENOSPC`, ...), when there is one. */
    readonly errno: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** Returns the Node error code of a file-system error, or null for anything else. */
export function errnoOf(error: unknown): string | null {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    return error.code
  }
  return null
}

/** Returns what the user can do about a failed write in the data folder, by Node error code. */
export function writeAdvice(errno: string | null): string {
  switch (errno) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'free some space on that disk, or choose another --data folder'
    case 'EROFS':
      return 'the file system is read-only: remount it read-write or choose another --data folder'
    case 'EACCES':
    case 'EPERM':
      return 'give this user write permission on the data folder, or choose another --data folder'
    default:
      return 'check that the data folder exists and is writable, or choose another --data folder'
  }
}

/** Wraps a failed file-system write in the data folder as an `UNWRITABLE` StoreError; other errors pass through. */
export function unwritableError(operation: string, path: string, error: unknown): Error {
  if (error instanceof StoreError) {
    return error
  }
  const errno = errnoOf(error)
  if (errno === null) {
    return error instanceof Error ? error : new Error(String(error))
  }
  const message = `${operation}: cannot write ${path} (${errno}): ${writeAdvice(errno)}`
  return new StoreError('UNWRITABLE', message, path, errno, { cause: error })
}
