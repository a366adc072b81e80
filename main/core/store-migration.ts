import { mkdir, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { Low } from 'lowdb'
import type { Job } from '../../shared/job'
import { DurableFileAdapter } from './durable-file-adapter'
import type { StoreRecovery } from './job-store-contract'
import { type StoreFile, emptyStoreFile, storeFileCodec } from './job-store-file'
import { type CoreLogger } from './logger'
import { STORE_SCHEMA_VERSION, manifestCodec, partitionDayOf, type ManifestFile } from './partition-file'
import { MANIFEST_FILE_NAME, STORE_FOLDER_NAME, exists, newPartition, syncFolder } from './partition-folder'
import { unwritableError } from './store-error'

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
  if (manifestExists) {
    await moveSingleFilesAside(dataDir, options)
    return null
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

  const manifest: ManifestFile = { schemaVersion: STORE_SCHEMA_VERSION, nextJobNumber: data.nextJobNumber, partitions: [...byDay.keys()].sort() }
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
    options.logger.info(`job store: moved ${path} to ${target}; the jobs are now in ${join(dataDir, STORE_FOLDER_NAME)}`)
    await options.afterStep?.(step)
  }
}
