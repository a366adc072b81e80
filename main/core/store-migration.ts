import { mkdir, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { Low } from 'lowdb'
import type { Job } from '../../shared/job'
import { DurableFileAdapter } from './durable-file-adapter'
import type { StoreRecovery } from './job-store-contract'
import { type StoreFile, emptyStoreFile, storeFileCodec } from './job-store-file'
import { type CoreLogger } from './logger'
import { STORE_SCHEMA_VERSION, manifestCodec, partitionDayOf, type ManifestFile } from './partition-file'
import { MANIFEST_FILE_NAME, STORE_FOLDER_NAME, exists, listPartitionDays, loadPartition, newPartition, syncFolder } from './partition-folder'
import { RetiredHistory } from './retired-history'
import { StoreError, unwritableError } from './store-error'

/** Name of the single-file store of schema 1 in the data folder. */
export const SINGLE_FILE_NAME = 'jobs.json'
export const SINGLE_FILE_LAST_GOOD_NAME = 'jobs.last-good.json'

/** Steps of a migration, in order; a test can interrupt the migration after any of them. */
export type MigrationStep = 'partition-written' | 'manifest-written' | 'single-file-moved' | 'last-good-moved'

export interface MigrationOptions {
  logger: CoreLogger
  /** Called after each step; a throw here stops the migration as a crash at that point would. */
  afterStep?: (step: MigrationStep) => void | Promise<void>
}

/**
 * Migrates a single-file `jobs.json` (schema 1) to the partitioned store: writes one partition per detection day,
 * then the manifest, then renames `jobs.json` and its last-good copy to `<name>.migrated-<UTC time>`. Nothing is
 * deleted.
 *
 * Safe to interrupt at any point. Until the manifest exists, `jobs.json` is the store, so the next start writes the
 * partitions again. Once it exists, the partitions are complete and the next start only finishes the renames. The
 * caller must hold the data-folder lock. Returns the recovery performed on a damaged `jobs.json`, or null.
 */
export async function migrateSingleFileStore(dataDir: string, options: MigrationOptions): Promise<StoreRecovery | null> {
  const singlePath = join(dataDir, SINGLE_FILE_NAME)
  const singleLastGoodPath = join(dataDir, SINGLE_FILE_LAST_GOOD_NAME)
  const storeFolder = join(dataDir, STORE_FOLDER_NAME)
  const manifestPath = join(storeFolder, MANIFEST_FILE_NAME)

  const hasSingleFile = (await exists(singlePath)) || (await exists(singleLastGoodPath))
  if (!hasSingleFile) return null
  const manifestExists = (await exists(manifestPath)) || (await exists(manifestPath.replace(/\.json$/, '.last-good.json')))
  let nextJobNumber = 1
  if (manifestExists) {
    const existing = await readExistingStore(dataDir, options.logger)
    const single = await readSingleFileWithoutRecovery(singlePath, options.logger)
    if (single.jobs.every((job) => existing.jobIds.has(job.id)) && (existing.jobIds.size > 0 || single.jobs.length === 0)) {
      // A migration stopped after writing the manifest: the partitions hold every job, so only the renames are left.
      await moveSingleFilesAside(dataDir, options)
      return null
    }
    if (existing.holdsJobs) throw conflictError(singlePath, storeFolder, single.jobs.length, existing.jobIds.size)
    nextJobNumber = existing.nextJobNumber
    options.logger.info(`job store: ${storeFolder} contains no jobs, so the ${single.jobs.length} jobs of ${singlePath} are migrated into it`)
  }

  const adapter = new DurableFileAdapter(singlePath, { codec: storeFileCodec, logger: options.logger })
  const data: StoreFile = (await adapter.read()) ?? emptyStoreFile()
  try {
    await mkdir(storeFolder, { recursive: true })
  } catch (error) {
    throw unwritableError('job store: creating the store folder', storeFolder, error)
  }

  const byDay = new Map<string, Job[]>()
  for (const job of data.jobs) {
    const day = partitionDayOf(job.detectedAt)
    const jobs = byDay.get(day) ?? []
    jobs.push(job)
    byDay.set(day, jobs)
  }
  for (const [day, jobs] of byDay) {
    const partition = newPartition(storeFolder, day, { logger: options.logger })
    partition.db.data.jobs = jobs
    await partition.db.write()
    await options.afterStep?.('partition-written')
  }

  const manifest: ManifestFile = { schemaVersion: STORE_SCHEMA_VERSION, nextJobNumber: Math.max(data.nextJobNumber, nextJobNumber), partitions: [...byDay.keys()].sort() }
  await new Low(new DurableFileAdapter(manifestPath, { codec: manifestCodec, logger: options.logger }), manifest).write()
  await options.afterStep?.('manifest-written')

  await moveSingleFilesAside(dataDir, options)
  options.logger.info(`job store: migrated ${singlePath} (${data.jobs.length} jobs) to ${byDay.size} partitions in ${storeFolder}`)
  return adapter.recovery
}

/** Renames `jobs.json` and its last-good copy, whichever exist, to `<name>.migrated-<UTC time>`. */
async function moveSingleFilesAside(dataDir: string, options: MigrationOptions): Promise<void> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
  const steps: [string, MigrationStep][] = [
    [SINGLE_FILE_NAME, 'single-file-moved'],
    [SINGLE_FILE_LAST_GOOD_NAME, 'last-good-moved'],
  ]
  for (const [name, step] of steps) {
    const path = join(dataDir, name)
    if (!(await exists(path))) continue
    let target = `${path}.migrated-${stamp}`
    for (let suffix = 2; await exists(target); suffix += 1) target = `${path}.migrated-${stamp}-${suffix}`
    try {
      await rename(path, target)
      await syncFolder(dataDir)
    } catch (error) {
      throw unwritableError('job store: moving the migrated single-file store aside', path, error)
    }
    options.logger.info(`job store: moved ${path} to ${target}; its jobs are in ${join(dataDir, STORE_FOLDER_NAME)}`)
    await options.afterStep?.(step)
  }
}

/** Summary of a partitioned store that already exists, as the migration reads it. */
interface ExistingStore {
  /** Ids of the jobs in its partitions, journals included. */
  jobIds: Set<string>
  /** True when its partitions or its retired days hold at least one job. */
  holdsJobs: boolean
  /** The manifest's next job number, 1 when the manifest cannot be read. */
  nextJobNumber: number
}

/** Reads the partitioned store of `dataDir` without writing; a damaged file raises a `CORRUPT` StoreError. */
async function readExistingStore(dataDir: string, logger: CoreLogger): Promise<ExistingStore> {
  const folder = join(dataDir, STORE_FOLDER_NAME)
  const jobIds = new Set<string>()
  for (const day of await listPartitionDays(folder, { logger, readOnly: true })) {
    const loaded = await loadPartition(folder, day, { logger, readOnly: true })
    for (const job of loaded.partition?.db.data.jobs ?? []) jobIds.add(job.id)
  }
  const retired = await RetiredHistory.load(dataDir, { logger, readOnly: true })

  const manifestAdapter = new DurableFileAdapter(join(folder, MANIFEST_FILE_NAME), { codec: manifestCodec, logger, readOnly: true })
  const manifest = await manifestAdapter.read()
  return { jobIds, holdsJobs: jobIds.size > 0 || retired.highestJobNumber > 0, nextJobNumber: manifest?.nextJobNumber ?? 1 }
}

/** Reads `jobs.json` (or its last-good copy when it is missing) without moving anything. */
async function readSingleFileWithoutRecovery(singlePath: string, logger: CoreLogger): Promise<StoreFile> {
  const adapter = new DurableFileAdapter(singlePath, { codec: storeFileCodec, logger, readOnly: true })
  return (await adapter.read()) ?? emptyStoreFile()
}

function conflictError(singlePath: string, storeFolder: string, singleJobs: number, storeJobs: number): StoreError {
  const message =
    `job store: both ${singlePath} (an earlier version's store, ${singleJobs} jobs) and ${storeFolder} ` +
    `(${storeJobs} jobs, or retired days) hold jobs, so neither is used: ` +
    `move one of them out of the data folder, or start with a separate --data folder for each`
  return new StoreError('CONFLICT', message, singlePath)
}
