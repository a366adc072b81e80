import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Low } from 'lowdb'
import { DurableFileAdapter, syncFolder } from './durable-file-adapter'
import type { StoreRecovery } from './job-store-contract'
import { type CoreLogger } from './logger'
import { PARTITION_NAME, emptyPartition, partitionCodec, type PartitionFile } from './partition-file'
import { JOURNAL_NAME, JOURNAL_SUFFIX, type JournalState, emptyJournal, moveJournalAside, readJournal, replayRecords } from './partition-journal'
import { StoreError, errnoOf, unwritableError } from './store-error'

export { syncFolder }

/** Name of the folder in the data folder that contains the manifest and the partitions. */
export const STORE_FOLDER_NAME = 'jobs'

/** Name of the manifest in the store folder. */
export const MANIFEST_FILE_NAME = 'manifest.json'

/** One day's partition: its jobs (`db.data.jobs`, in id order), the adapter that saves them, and its journal. */
export interface Partition {
  day: string
  db: Low<PartitionFile>
  adapter: DurableFileAdapter<PartitionFile>
  journal: JournalState
}

/** Creates the partition of `day` in `folder`, with no jobs and no file until its first save. */
export function newPartition(folder: string, day: string, options: { logger: CoreLogger; readOnly?: boolean }): Partition {
  const adapter = new DurableFileAdapter(join(folder, `${day}.json`), {
    codec: partitionCodec,
    logger: options.logger,
    readOnly: options.readOnly,
    lossSummary: `JOBS DETECTED ON ${day} NOT LOADED, that day starts empty`,
  })
  const journal = emptyJournal(join(folder, `${day}${JOURNAL_SUFFIX}`), 0)
  return { day, db: new Low(adapter, emptyPartition(day)), adapter, journal }
}

/**
 * Loads the partition of `day`: its day file, recovering a damaged one from its last-good copy (see
 * `DurableFileAdapter`), then the lines of its journal written after the day file. An incomplete last line, left by
 * an append that a crash interrupted, is ignored and logged. A journal with a damaged line elsewhere is moved aside
 * as `<day>.journal.corrupt-<UTC time>` after its other lines are applied, and that is reported as a recovery. A
 * read-only load raises a `CORRUPT` StoreError instead. A journal found here is marked for compaction.
 * Returns the partition, or null when there was nothing to load, with the recovery performed.
 */
export async function loadPartition(
  folder: string,
  day: string,
  options: { logger: CoreLogger; readOnly?: boolean },
): Promise<{ partition: Partition | null; recovery: StoreRecovery | null }> {
  const partition = newPartition(folder, day, options)
  const data = await partition.adapter.read()
  const fileRecovery = partition.adapter.recovery
  if (data !== null) partition.db.data = data
  const journal = partition.journal
  const reading = await readJournal(journal.path, day, partition.db.data.journalSeq)
  if (reading === null) {
    journal.seq = partition.db.data.journalSeq
    return { partition: data === null ? null : partition, recovery: fileRecovery }
  }

  partition.db.data.jobs = replayRecords(partition.db.data.jobs, reading.records)
  Object.assign(journal, { seq: reading.seq, lines: reading.lines, bytes: reading.bytes, mustCompact: true })
  if (reading.tornLine !== null) {
    options.logger.warn(
      `job store: ignored the incomplete line ${reading.tornLine} at the end of ${journal.path}, left by a save that ` +
        'was interrupted before it finished; the jobs it held keep their previous saved state',
    )
  }
  const firstDamaged = reading.damaged[0]
  if (firstDamaged === undefined) return { partition, recovery: fileRecovery }

  const where = `${journal.path} line ${firstDamaged.line} (${firstDamaged.reason})` +
    (reading.damaged.length > 1 ? ` and ${reading.damaged.length - 1} other lines` : '')
  if (options.readOnly) {
    const message = `job store: ${where} could not be read; start PUI Monitor without a read-only command to move the journal aside`
    throw new StoreError('CORRUPT', message, journal.path)
  }
  const movedAsidePath = await moveJournalAside(journal.path)
  const message =
    `job store: ${where} could not be read, so the journal was moved to ${movedAsidePath}. Its other lines were ` +
    'applied; a job changed on a damaged line keeps its state from an earlier line or from the day file.'
  options.logger.error(message)
  const recovery: StoreRecovery = { kind: 'journal-damaged', movedAsidePath, message }
  return { partition, recovery: fileRecovery ? { ...fileRecovery, message: `${fileRecovery.message}\n${message}` } : recovery }
}

/**
 * Lists the days that have a partition file, a last-good copy or a journal in `folder`, sorted. The folder is the list, not
 * the manifest, so a partition saved just before a crash that kept the manifest from being saved is still found.
 * Unless `readOnly`, it first removes temporary files left by an interrupted write.
 */
export async function listPartitionDays(folder: string, options: { logger: CoreLogger; readOnly?: boolean }): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(folder)
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return []
    const message = `job store: cannot list ${folder} (${errnoOf(error)}): check the data folder's permissions`
    throw new StoreError('UNREADABLE', message, folder, errnoOf(error), { cause: error })
  }

  const days = new Set<string>()
  for (const name of names) {
    if (name.includes('.tmp-') && !options.readOnly) {
      const path = join(folder, name)
      await rm(path, { force: true }).catch((error: unknown) => {
        throw unwritableError('job store: removing a temporary file left by a crash', path, error)
      })
      options.logger.info(`job store: removed ${path}, left by an interrupted write`)
      continue
    }
    const day = PARTITION_NAME.exec(name.replace('.last-good.json', '.json'))?.[1] ?? JOURNAL_NAME.exec(name)?.[1]
    if (day !== undefined) days.add(day)
  }
  return [...days].sort()
}

/**
 * Moves a partition's file into `retiredFolder` as `<day>.json` (or `<day>-2.json`, ... when a file of that day was
 * retired before) and returns the new name. The last-good copy is removed first, because a last-good copy without
 * its file would be restored into the store at the next start.
 */
export async function movePartitionToRetired(partition: Partition, retiredFolder: string): Promise<string> {
  const source = partition.adapter.filePath
  try {
    await mkdir(retiredFolder, { recursive: true })
    let name = `${partition.day}.json`
    for (let suffix = 2; await exists(join(retiredFolder, name)); suffix += 1) {
      name = `${partition.day}-${suffix}.json`
    }
    await rm(partition.adapter.lastGoodPath, { force: true })
    await syncFolder(join(source, '..'))
    await rename(source, join(retiredFolder, name))
    await syncFolder(retiredFolder)
    await syncFolder(join(source, '..'))
    return name
  } catch (error) {
    throw unwritableError('retention: moving a partition to the retired folder', source, error)
  }
}

/** Returns true when `path` exists; errors other than ENOENT are thrown. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false
    throw error
  }
}
