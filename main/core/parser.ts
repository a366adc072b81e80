import { createHash } from 'node:crypto'
import { constants as fsConstants } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parse } from 'csv-parse'
import { ZERO_COUNTS, type JobCounts, type ProcessingError, type Rejection } from '../../shared/job'
import type { JobType } from '../../shared/schemas'
import { RecordCollector } from './record-validation'

/** Default number of rejected records kept per job. The rest are only counted. */
export const DEFAULT_MAX_REJECTIONS = 100

/** Default maximum line length in bytes. A longer line fails the whole file as `RECORD_TOO_LARGE`. */
export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024

const READ_CHUNK_BYTES = 64 * 1024
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])
const NUL = 0x00
const LF = 0x0a

export interface ParseOptions {
  /** Maximum number of rejected records kept as samples. All of them are counted. */
  maxRejections?: number
  /** Maximum line length in bytes, line ending included. */
  maxRecordBytes?: number
  /** Called after each chunk read. `totalBytes` is the file size when it was opened. */
  onProgress?: (bytesRead: number, totalBytes: number) => void
}

/**
 * Outcome of parsing one index file. `sha256` and `size` describe the whole file, and both are null when the file
 * was not read to the end. When `fatal` is set the counts are zero and there are no rejections.
 */
export interface ParseResult {
  sha256: string | null
  size: number | null
  counts: JobCounts
  rejections: Rejection[]
  fatal: ProcessingError | null
}

class FatalParseError extends Error {
  constructor(readonly error: ProcessingError) {
    super(error.message)
  }
}

/**
 * Stream stage between the file and the CSV parser. It hashes and counts every byte, stops at a NUL byte or an
 * over-long line, and removes a leading UTF-8 byte order mark from what it passes on.
 */
class IndexFileTap extends Transform {
  bytesRead = 0
  bomFound = false
  /** Hex SHA-256 of every byte read, set only once the input ended. */
  sha256: string | null = null

  private readonly hash = createHash('sha256')
  /** Bytes held back until there are enough to recognise a byte order mark, or null once decided. */
  private head: Buffer | null = Buffer.alloc(0)
  private line = 1
  private lineBytes = 0

  constructor(
    private readonly maxRecordBytes: number,
    private readonly totalBytes: number,
    private readonly onProgress: ParseOptions['onProgress'],
  ) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const nulIndex = chunk.indexOf(NUL)
    if (nulIndex !== -1) {
      const offset = this.bytesRead + nulIndex
      const message = `binary file: NUL byte at offset ${offset}; index files are text`
      callback(new FatalParseError({ code: 'BINARY', message }))
      return
    }

    this.hash.update(chunk)
    this.bytesRead += chunk.length
    this.onProgress?.(this.bytesRead, this.totalBytes)

    let data = chunk
    if (this.head !== null) {
      data = Buffer.concat([this.head, chunk])
      if (data.length < UTF8_BOM.length) {
        this.head = data
        callback()
        return
      }
      data = this.removeBom(data)
    }
    this.forward(data, callback)
  }

  override _flush(callback: TransformCallback): void {
    this.sha256 = this.hash.digest('hex')
    const rest = this.head === null ? Buffer.alloc(0) : this.removeBom(this.head)
    this.forward(rest, callback)
  }

  private removeBom(data: Buffer): Buffer {
    this.head = null
    if (data.subarray(0, UTF8_BOM.length).equals(UTF8_BOM)) {
      this.bomFound = true
      return data.subarray(UTF8_BOM.length)
    }
    return data
  }

  private forward(data: Buffer, callback: TransformCallback): void {
    let start = 0
    for (;;) {
      const newline = data.indexOf(LF, start)
      const end = newline === -1 ? data.length : newline + 1
      this.lineBytes += end - start
      if (this.lineBytes > this.maxRecordBytes) {
        const message =
          `record too large: line ${this.line} is longer than ${this.maxRecordBytes} bytes; ` +
          'check that the file has one record per line with LF or CRLF line endings'
        callback(new FatalParseError({ code: 'RECORD_TOO_LARGE', message }))
        return
      }
      if (newline === -1) break

      this.line += 1
      this.lineBytes = 0
      start = end
    }
    callback(null, data)
  }
}

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string'
}

function unreadable(path: string, error: NodeJS.ErrnoException): ProcessingError {
  const hints: Record<string, string> = {
    ENOENT: 'the file was moved or deleted before it was read',
    EACCES: "check the file's permissions",
    EPERM: "check the file's permissions",
    EISDIR: 'the path is a folder, not an index file',
  }
  const hint = hints[error.code ?? ''] ?? 'check the file and the disk it is on'
  return { code: 'UNREADABLE', message: `cannot read ${path} (${error.code}): ${hint}` }
}

/** Error of an index file that is a symbolic link, which is never followed. */
export function symbolicLinkError(path: string): ProcessingError {
  return { code: 'SYMLINK', message: `symbolic link not followed: ${path}; put the index file itself in the index folder` }
}

function failed(fatal: ProcessingError): ParseResult {
  return { sha256: null, size: null, counts: { ...ZERO_COUNTS }, rejections: [], fatal }
}

function emptyFileError(tap: IndexFileTap, collector: RecordCollector): ProcessingError {
  let contents = 'only an empty line'
  if (tap.bytesRead === 0) contents = '0 bytes'
  else if (collector.headerSkipped) contents = 'only a header line'
  else if (tap.bomFound && tap.bytesRead === UTF8_BOM.length) contents = 'only a byte order mark'

  return { code: 'EMPTY', message: `no records: the file contains ${contents}; check that its producer finished it` }
}

async function parseOpenFile(handle: FileHandle, path: string, jobType: JobType, options: ParseOptions) {
  const stats = await handle.stat()
  // A folder is left to the read below, which fails with EISDIR.
  if (!stats.isFile() && !stats.isDirectory()) {
    return failed({ code: 'NOT_A_FILE', message: `not a regular file: ${path}; index files must be regular files` })
  }

  const tap = new IndexFileTap(options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES, stats.size, options.onProgress)
  const collector = new RecordCollector(jobType, options.maxRejections ?? DEFAULT_MAX_REJECTIONS)
  // NOTE: a line of up to maxRecordBytes that is mostly delimiters becomes one field object per delimiter before
  // the field count is checked, so the limit also bounds the memory such a line takes.
  const parser = parse({
    delimiter: jobType.delimiter,
    // Pipe-delimited index files do not quote, so a `"` is an ordinary character.
    quote: false,
    relax_column_count: true,
    record_delimiter: ['\r\n', '\n'],
    // Buffers instead of strings, so that invalid bytes reject one record rather than become U+FFFD.
    encoding: null,
  })

  try {
    await pipeline(
      handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES, autoClose: false }),
      tap,
      parser,
      async (records: AsyncIterable<Uint8Array[]>) => {
        for await (const fields of records) collector.add(fields)
      },
    )
  } catch (error) {
    if (error instanceof FatalParseError) return failed(error.error)
    if (isErrnoException(error) && error.syscall !== undefined) return failed(unreadable(path, error))
    throw error
  }

  if (collector.headerMismatch !== null) {
    return { sha256: tap.sha256, size: tap.bytesRead, counts: collector.counts, rejections: [], fatal: collector.headerMismatch }
  }
  const fatal = collector.counts.records === 0 ? emptyFileError(tap, collector) : null
  const counts = fatal === null ? collector.counts : { ...ZERO_COUNTS }
  const rejections = fatal === null ? collector.rejections : []
  return { sha256: tap.sha256, size: tap.bytesRead, counts, rejections, fatal }
}

/**
 * Parses and validates an index file in one streaming pass, hashing it on the way.
 *
 * Memory stays constant for any file size: one chunk, one line of at most `maxRecordBytes` and at most
 * `maxRejections` samples are held at a time. A file that cannot be processed at all (unreadable, binary, empty, a
 * line over the limit) comes back with `fatal` set instead of a thrown error. Errors that are bugs are thrown.
 */
export async function parseIndexFile(path: string, jobType: JobType, options: ParseOptions = {}): Promise<ParseResult> {
  let handle: FileHandle
  try {
    // O_NONBLOCK keeps open() from waiting for a writer when the path is a FIFO; regular files ignore it. O_NOFOLLOW
    // fails with ELOOP on a symbolic link, also one swapped in after the caller checked the entry, so no link target
    // is ever read, hashed or archived.
    handle = await open(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0) | (fsConstants.O_NOFOLLOW ?? 0))
  } catch (error) {
    if (isErrnoException(error) && error.code === 'ELOOP') return failed(symbolicLinkError(path))
    if (isErrnoException(error)) return failed(unreadable(path, error))
    throw error
  }

  try {
    return await parseOpenFile(handle, path, jobType, options)
  } finally {
    await handle.close()
  }
}
