import { open, readFile, rename, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { z } from 'zod'
import type { Job } from '../../shared/job'
import { JobSchema } from '../../shared/schemas'
import { syncFolder } from './durable-file-adapter'
import { describeIssues, jobJson, jobNumberOf } from './job-store-file'
import { dayOrNull } from './partition-file'
import type { Partition } from './partition-folder'
import { StoreError, errnoOf, unwritableError } from './store-error'

/** Ending of a day's journal in the store folder: `2026-11-30.journal`. */
export const JOURNAL_SUFFIX = '.journal'

/** Name of a journal file: the UTC day whose partition it belongs to. */
export const JOURNAL_NAME = /^(\d{4}-\d{2}-\d{2})\.journal$/

/** A journal is compacted once it contains more lines than this and more lines than its day has jobs. */
export const MIN_COMPACTION_LINES = 1_000

/** A journal is compacted once it contains more bytes than this, whatever its line count. */
export const MAX_JOURNAL_BYTES = 64 * 1024 * 1024

/** State of a day's journal on disk, as the store last wrote or read it. */
export interface JournalState {
  path: string
  /** Sequence number of the last line written, or of the day file's `journalSeq` when none was written since. */
  seq: number
  /** Lines and bytes in the journal since its last compaction. */
  lines: number
  bytes: number
  /** Set when the journal may hold a partial line (a failed append) or lines to fold in (found at load). */
  mustCompact: boolean
}

/** One line that could not be used, numbered from 1. */
export interface DamagedLine {
  line: number
  reason: string
}

/** A journal as read from disk. */
export interface JournalReading {
  /** Records with a sequence number above the day file's `journalSeq`, in file order. */
  records: Job[]
  /** Highest sequence number found, 0 when none. */
  seq: number
  lines: number
  bytes: number
  /** Number of the last line when it was incomplete, left by an append that a crash interrupted; it is ignored. */
  tornLine: number | null
  damaged: DamagedLine[]
}

const JournalLineSchema = z.object({ seq: z.number().int().positive(), job: JobSchema })

/** Returns the empty journal state of a day whose journal is at `path`, continuing from `seq`. */
export function emptyJournal(path: string, seq: number): JournalState {
  return { path, seq, lines: 0, bytes: 0, mustCompact: false }
}

/**
 * Reads the journal at `path` of `day`, or returns null when there is none. Each line is `{"seq":N,"job":{...}}`, a
 * whole job record after one saved change. Lines up to `foldedSeq` are already in the day file and are skipped. An
 * incomplete last line is reported as `tornLine`. Any other line that is not valid JSON, not a valid job, or a job of
 * another day is reported in `damaged`, and the lines around it are still used.
 */
export async function readJournal(path: string, day: string, foldedSeq: number): Promise<JournalReading | null> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null
    const message = `job store: cannot read ${path} (${errnoOf(error) ?? String(error)}): check the data folder's permissions`
    throw new StoreError('UNREADABLE', message, path, errnoOf(error), { cause: error })
  }

  const lines = text.split('\n')
  const complete = lines.pop() === '' ? lines : null
  const reading: JournalReading = {
    records: [],
    seq: foldedSeq,
    lines: lines.length + (complete ? 0 : 1),
    bytes: Buffer.byteLength(text),
    tornLine: complete ? null : lines.length + 1,
    damaged: [],
  }
  lines.forEach((line, index) => {
    const parsed = parseLine(line, day)
    if (!parsed.ok) {
      reading.damaged.push({ line: index + 1, reason: parsed.reason })
      return
    }
    reading.seq = Math.max(reading.seq, parsed.seq)
    if (parsed.seq > foldedSeq) reading.records.push(parsed.job)
  })
  return reading
}

function parseLine(line: string, day: string): { ok: true; seq: number; job: Job } | { ok: false; reason: string } {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (error) {
    return { ok: false, reason: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` }
  }
  const parsed = JournalLineSchema.safeParse(value)
  if (!parsed.success) return { ok: false, reason: `unexpected content: ${describeIssues(parsed.error)}` }
  const { seq, job } = parsed.data
  if (dayOrNull(job.detectedAt) !== day) {
    return { ok: false, reason: `job ${job.id} was detected at ${job.detectedAt}, not on ${day}` }
  }
  return { ok: true, seq, job }
}

/** Applies journal records to a day's jobs, each record replacing the job with its id; returns the jobs in id order. */
export function replayRecords(jobs: readonly Job[], records: readonly Job[]): Job[] {
  if (records.length === 0) return [...jobs]
  const byId = new Map(jobs.map((job) => [job.id, job]))
  for (const record of records) byId.set(record.id, record)
  return [...byId.values()].sort((a, b) => jobNumberOf(a.id) - jobNumberOf(b.id))
}

/** Returns true when the next save of `partition` should rewrite its day file rather than append `changes` lines. */
export function shouldCompact(partition: Partition, changes: number): boolean {
  const journal = partition.journal
  const lineBound = Math.max(MIN_COMPACTION_LINES, partition.db.data.jobs.length)
  return journal.mustCompact || journal.lines + changes > lineBound || journal.bytes > MAX_JOURNAL_BYTES
}

/**
 * Appends the records of `jobs` to the day's journal in one write, then fdatasyncs it; a new journal's folder is
 * fsynced too. The lines are made before this returns its promise, so later changes cannot reach this write. After
 * a failure the journal may end with a partial line, so it is marked for compaction and never appended to again.
 */
export function appendToJournal(partition: Partition, jobs: readonly Job[]): Promise<void> {
  const journal = partition.journal
  const text = jobs.map((job) => `{"seq":${(journal.seq += 1)},"job":${jobJson(job)}}\n`).join('')
  const created = journal.bytes === 0
  return (async () => {
    try {
      const handle = await open(journal.path, 'a')
      try {
        await handle.writeFile(text)
        await handle.datasync()
      } finally {
        await handle.close()
      }
      if (created) await syncFolder(dirname(journal.path))
    } catch (error) {
      journal.mustCompact = true
      throw unwritableError('job store: saving', journal.path, error)
    }
    journal.lines += jobs.length
    journal.bytes += Buffer.byteLength(text)
  })()
}

/**
 * Writes the day file with every job of `partition` through its lowdb adapter, recording the journal's last sequence
 * number in it, then removes the journal. The day file's snapshot is taken before this returns its promise. A crash
 * between the two steps leaves a journal whose lines are all at or below the day file's `journalSeq`, which the next
 * load skips.
 */
export function compactPartition(partition: Partition): Promise<void> {
  const journal = partition.journal
  partition.db.data.journalSeq = journal.seq
  const written = partition.db.write()
  return (async () => {
    await written
    if (journal.bytes === 0 && !journal.mustCompact) return
    try {
      await rm(journal.path, { force: true })
      await syncFolder(dirname(journal.path))
    } catch (error) {
      throw unwritableError('job store: removing a compacted journal', journal.path, error)
    }
    journal.lines = 0
    journal.bytes = 0
    journal.mustCompact = false
  })()
}

/** Renames a damaged journal to `<path>.corrupt-<YYYYMMDDTHHMMSSZ>` and returns the new path; nothing is deleted. */
export async function moveJournalAside(path: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
  let target = `${path}.corrupt-${stamp}`
  for (let suffix = 2; await stat(target).then(() => true, () => false); suffix += 1) target = `${path}.corrupt-${stamp}-${suffix}`
  try {
    await rename(path, target)
    await syncFolder(dirname(path))
  } catch (error) {
    throw unwritableError('job store: moving a damaged journal aside', path, error)
  }
  return target
}
