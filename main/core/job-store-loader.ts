import { mkdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Low } from 'lowdb'
import type { Job } from '../../shared/job'
import type { AccountingRow } from '../../shared/report'
import { DurableFileAdapter } from './durable-file-adapter'
import type { StoreRecovery } from './job-store-contract'
import { jobNumberOf, storeFileCodec } from './job-store-file'
import { type CoreLogger } from './logger'
import { STORE_SCHEMA_VERSION, manifestCodec, type ManifestFile } from './partition-file'
import { MANIFEST_FILE_NAME, STORE_FOLDER_NAME, exists, listPartitionDays, loadPartition, type Partition } from './partition-folder'
import { compactPartition } from './partition-journal'
import { RetiredHistory } from './retired-history'
import { SINGLE_FILE_LAST_GOOD_NAME, SINGLE_FILE_NAME } from './store-migration'
import { StoreError, errnoOf, unwritableError } from './store-error'

/** The partitioned store as loaded from disk, before the in-memory lookups are built. */
export interface LoadedStore {
  folder: string
  manifest: Low<ManifestFile>
  /** Partitions in day order; each one's jobs are in id order, and every id is in one partition only. */
  partitions: Partition[]
  retired: RetiredHistory
  /** Above every id in the manifest, the partitions and the retired days. */
  nextJobNumber: number
  /** Recoveries performed on damaged or missing files, in the order they happened. */
  recoveries: StoreRecovery[]
}

/** Jobs and kept totals read by a read-only command. */
export interface StoreSnapshot {
  /** Jobs in the store, in id order. */
  jobs: Job[]
  /** Accounting rows of the retired days, for `buildAccountingReport`. */
  retiredRows: readonly AccountingRow[]
}

/**
 * Loads the manifest, every partition found in `<dataDir>/jobs/` with its journal (then compacts each journal), and
 * the retired totals. Damaged files are moved
 * aside and recovered one by one, so one bad day never stops the others from loading. A file from a newer app
 * stops the load with a `SCHEMA_TOO_NEW` StoreError. The caller holds the lock and has run the migration.
 */
export async function loadPartitionedStore(dataDir: string, logger: CoreLogger): Promise<LoadedStore> {
  const folder = join(dataDir, STORE_FOLDER_NAME)
  try {
    await mkdir(folder, { recursive: true })
  } catch (error) {
    throw unwritableError('job store: creating the store folder', folder, error)
  }
  const recoveries: StoreRecovery[] = []

  const manifestAdapter = new DurableFileAdapter(join(folder, MANIFEST_FILE_NAME), {
    codec: manifestCodec,
    logger,
    lossSummary: 'MANIFEST NOT LOADED, so the next job id is taken from the partitions',
  })
  const savedManifest = await manifestAdapter.read()
  if (manifestAdapter.recovery) recoveries.push(manifestAdapter.recovery)

  const partitions: Partition[] = []
  for (const day of await listPartitionDays(folder, { logger })) {
    const loaded = await loadPartition(folder, day, { logger })
    if (loaded.recovery) recoveries.push(loaded.recovery)
    if (loaded.partition) partitions.push(loaded.partition)
  }
  const retired = await RetiredHistory.load(dataDir, { logger, readOnly: false })

  const nextJobNumber = Math.max(savedManifest?.nextJobNumber ?? 1, highestJobNumber(partitions) + 1, retired.highestJobNumber + 1)
  const manifest = new Low<ManifestFile>(manifestAdapter, {
    schemaVersion: STORE_SCHEMA_VERSION,
    nextJobNumber,
    partitions: partitions.map((partition) => partition.day),
  })
  const changed =
    savedManifest === null ||
    savedManifest.nextJobNumber !== nextJobNumber ||
    savedManifest.partitions.join() !== manifest.data.partitions.join()
  // The manifest is saved before any new partition, so a migration can tell an unfinished migration from a store.
  if (changed) await manifest.write()
  // Folding every journal in at start keeps appends off a journal that may end with an interrupted line.
  for (const partition of partitions) {
    if (partition.journal.mustCompact) await compactPartition(partition)
  }

  return { folder, manifest, partitions, retired, nextJobNumber, recoveries }
}

function highestJobNumber(partitions: Partition[]): number {
  let highest = 0
  for (const partition of partitions) {
    const last = partition.db.data.jobs.at(-1)
    if (last) highest = Math.max(highest, jobNumberOf(last.id))
  }
  return highest
}

/**
 * Reads the jobs of `dataDir` without the lock and without writing anything, journals included. A damaged file or
 * journal line raises a `CORRUPT` StoreError instead of being moved aside; a missing one is read from its last-good copy. A data folder not yet
 * migrated is read from its `jobs.json`.
 */
export async function readStoreSnapshot(dataDir: string, logger: CoreLogger): Promise<StoreSnapshot> {
  try {
    await stat(dataDir)
  } catch (error) {
    const message = `job store: the data folder ${dataDir} does not exist (${errnoOf(error)}): check the --data folder`
    throw new StoreError('NO_DATA_FOLDER', message, dataDir, errnoOf(error), { cause: error })
  }

  const folder = join(dataDir, STORE_FOLDER_NAME)
  const migrated = (await exists(join(folder, MANIFEST_FILE_NAME))) || (await exists(join(folder, 'manifest.last-good.json')))
  const singleFile = (await exists(join(dataDir, SINGLE_FILE_NAME))) || (await exists(join(dataDir, SINGLE_FILE_LAST_GOOD_NAME)))
  if (!migrated && singleFile) {
    const adapter = new DurableFileAdapter(join(dataDir, SINGLE_FILE_NAME), { codec: storeFileCodec, readOnly: true, logger })
    return { jobs: (await adapter.read())?.jobs ?? [], retiredRows: [] }
  }

  const jobs: Job[] = []
  for (const day of await listPartitionDays(folder, { logger, readOnly: true })) {
    const loaded = await loadPartition(folder, day, { logger, readOnly: true })
    if (loaded.partition) jobs.push(...loaded.partition.db.data.jobs)
  }
  jobs.sort((a, b) => jobNumberOf(a.id) - jobNumberOf(b.id))
  const retired = await RetiredHistory.load(dataDir, { logger, readOnly: true })
  return { jobs, retiredRows: retired.rows }
}
