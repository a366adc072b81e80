import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { setTimeout as delay } from 'node:timers/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Job } from '../shared/job'
import { JobStore } from '../main/core/job-store'
import { type CoreLogger, silentLogger } from '../main/core/logger'
import { type MigrationStep, migrateSingleFileStore } from '../main/core/store-migration'
import { StoreError } from '../main/core/store-error'
import { makeJob } from './helpers/job-fixture'
import { spawnStoreChild } from './helpers/spawn-store-child'

const SHA = (digit: string) => digit.repeat(64)

/** Jobs of schema 1 on two detection days, with ids J000003 to J000006. */
function singleFileJobs(): Job[] {
  return [
    makeJob({ id: 'J000003', detectedAt: '2026-11-29T23:59:59.000Z', sha256: SHA('1') }),
    makeJob({ id: 'J000004', detectedAt: '2026-11-30T00:00:00.000Z', sha256: SHA('2') }),
    makeJob({ id: 'J000005', detectedAt: '2026-11-30T08:00:00.000Z', sha256: SHA('3'), status: 'FAILED' }),
    makeJob({ id: 'J000006', detectedAt: '2026-11-30T09:00:00.000Z', sha256: null, status: 'PENDING', archivalStatus: 'PENDING' }),
  ]
}

describe('single-file store migration', () => {
  let dataDir: string
  let singleFileBytes: Buffer
  let stores: JobStore[]

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pui-migration-'))
    stores = []
    const lastGood = { schemaVersion: 1, nextJobNumber: 6, jobs: singleFileJobs().slice(0, 3) }
    const current = { schemaVersion: 1, nextJobNumber: 9, jobs: singleFileJobs() }
    writeFileSync(join(dataDir, 'jobs.last-good.json'), JSON.stringify(lastGood))
    singleFileBytes = Buffer.from(JSON.stringify(current))
    writeFileSync(join(dataDir, 'jobs.json'), singleFileBytes)
  })

  afterEach(async () => {
    for (const store of stores) await store.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  async function openStore(): Promise<JobStore> {
    const store = await JobStore.open(dataDir)
    stores.push(store)
    return store
  }

  function movedAside(name: string): string[] {
    return readdirSync(dataDir).filter((entry) => entry.startsWith(`${name}.migrated-`))
  }

  it('moves jobs into day partitions', async () => {
    const store = await openStore()

    expect(store.all()).toEqual(singleFileJobs())
    expect(readdirSync(join(dataDir, 'jobs')).sort()).toEqual(['2026-11-29.json', '2026-11-30.json', 'manifest.json'])
    const day = JSON.parse(readFileSync(join(dataDir, 'jobs', '2026-11-30.json'), 'utf8'))
    expect(day.jobs.map((job: Job) => job.id)).toEqual(['J000004', 'J000005', 'J000006'])
    expect(existsSync(join(dataDir, 'jobs.json'))).toBe(false)
    expect(existsSync(join(dataDir, 'jobs.last-good.json'))).toBe(false)
    const [moved] = movedAside('jobs.json')
    expect(moved).toMatch(/^jobs\.json\.migrated-\d{8}T\d{6}Z$/)
    expect(readFileSync(join(dataDir, moved!)).equals(singleFileBytes)).toBe(true)
    expect(movedAside('jobs.last-good.json')).toHaveLength(1)
    expect(store.recovery).toBeNull()
    expect((await store.create({ ...singleFileJobs()[0]!, detectedAt: '2026-12-01T00:00:00.000Z' })).id).toBe('J000009')
  })

  it.each<[MigrationStep, number]>([
    ['partition-written', 1],
    ['partition-written', 2],
    ['manifest-written', 1],
    ['single-file-moved', 1],
    ['last-good-moved', 1],
  ])('survives a stop after %s #%i', async (step, occurrence) => {
    let seen = 0
    const stopAt = (reached: MigrationStep) => {
      if (reached === step && ++seen === occurrence) throw new Error(`stopped after ${reached}`)
    }
    await expect(migrateSingleFileStore(dataDir, { logger: silentLogger, afterStep: stopAt })).rejects.toThrow(`stopped after ${step}`)

    const store = await openStore()

    expect(store.all()).toEqual(singleFileJobs())
    expect(store.findCountedBySha256(SHA('2'), 'J999999')?.id).toBe('J000004')
    expect(existsSync(join(dataDir, 'jobs.json'))).toBe(false)
    expect(existsSync(join(dataDir, 'jobs.last-good.json'))).toBe(false)
    expect(movedAside('jobs.json')).toHaveLength(1)
    expect(readFileSync(join(dataDir, movedAside('jobs.json')[0]!)).equals(singleFileBytes)).toBe(true)
    expect(movedAside('jobs.last-good.json')).toHaveLength(1)
    expect((await store.create({ ...singleFileJobs()[0]!, detectedAt: '2026-12-01T00:00:00.000Z' })).id).toBe('J000009')
  })

  it('survives kill -9 mid-migration', async () => {
    // 20,000 jobs over 40 days make the migration long enough to be cut while it writes partitions.
    const jobs = Array.from({ length: 20_000 }, (_, index) =>
      makeJob({ id: `J${String(index + 1).padStart(6, '0')}`, detectedAt: new Date(Date.UTC(2026, 9, 1) + Math.floor(index / 500) * 86_400_000).toISOString() }),
    )
    writeFileSync(join(dataDir, 'jobs.json'), JSON.stringify({ schemaVersion: 1, nextJobNumber: 20_001, jobs }))
    rmSync(join(dataDir, 'jobs.last-good.json'))
    const child = spawnStoreChild('open', dataDir)
    await child.waitFor((event) => event.event === 'ready')
    while (!existsSync(join(dataDir, 'jobs')) || readdirSync(join(dataDir, 'jobs')).filter((name) => name.endsWith('.json')).length < 3) {
      await delay(1)
    }
    await child.kill()
    // The kill landed before the migration finished, since the single file was not renamed yet.
    expect(existsSync(join(dataDir, 'jobs.json'))).toBe(true)

    const store = await openStore()

    expect(store.all().map((job) => job.id)).toEqual(jobs.map((job) => job.id))
    expect(store.all()).toEqual(jobs)
    expect(existsSync(join(dataDir, 'jobs.json'))).toBe(false)
    expect(movedAside('jobs.json')).toHaveLength(1)
    expect(readdirSync(join(dataDir, 'jobs')).filter((name) => name.includes('.tmp-'))).toEqual([])
    expect((await store.create({ ...singleFileJobs()[0]!, detectedAt: '2026-12-01T00:00:00.000Z' })).id).toBe('J020001')
  })

  it('rejects a newer single file untouched', async () => {
    const newer = Buffer.from(JSON.stringify({ schemaVersion: 7, nextJobNumber: 1, jobs: [] }))
    writeFileSync(join(dataDir, 'jobs.json'), newer)

    const error = await JobStore.open(dataDir).then(
      () => null,
      (reason: unknown) => reason as StoreError,
    )

    expect(error).toBeInstanceOf(StoreError)
    expect(error?.code).toBe('SCHEMA_TOO_NEW')
    expect(error?.message).toBe(
      `${join(dataDir, 'jobs.json')} was written by a newer PUI Monitor (schema 7, this version reads 1): upgrade the app; the file was left unchanged`,
    )
    expect(readFileSync(join(dataDir, 'jobs.json')).equals(newer)).toBe(true)
    expect(readdirSync(dataDir).sort()).toEqual(['jobs.json', 'jobs.last-good.json'])
  })
})

describe('single-file store next to a partitioned store', () => {
  let dataDir: string
  let singleFileBytes: Buffer
  let logLines: string[]

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pui-migration-both-'))
    logLines = []
  })

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true })
  })

  const logger: CoreLogger = {
    debug: (...args) => logLines.push(args.join(' ')),
    info: (...args) => logLines.push(args.join(' ')),
    warn: (...args) => logLines.push(args.join(' ')),
    error: (...args) => logLines.push(args.join(' ')),
  }

  /** Creates the partitioned store with `jobs` in it, then places the schema 1 single file beside it. */
  async function prepare(jobs: Job[]): Promise<void> {
    const store = await JobStore.open(dataDir)
    for (const job of jobs) await store.create(job)
    await store.close()
    singleFileBytes = Buffer.from(JSON.stringify({ schemaVersion: 1, nextJobNumber: 9, jobs: singleFileJobs() }))
    writeFileSync(join(dataDir, 'jobs.json'), singleFileBytes)
  }

  it('migrates into an empty store', async () => {
    await prepare([])

    const store = await JobStore.open(dataDir, { logger })

    expect(store.all()).toEqual(singleFileJobs())
    expect(existsSync(join(dataDir, 'jobs.json'))).toBe(false)
    const [moved] = readdirSync(dataDir).filter((entry) => entry.startsWith('jobs.json.migrated-'))
    expect(readFileSync(join(dataDir, moved!)).equals(singleFileBytes)).toBe(true)
    expect(logLines).toContain(`job store: ${join(dataDir, 'jobs')} contains no jobs, so the 4 jobs of ${join(dataDir, 'jobs.json')} are migrated into it`)
    expect((await store.create({ ...singleFileJobs()[0]!, detectedAt: '2026-12-01T00:00:00.000Z' })).id).toBe('J000009')
    await store.close()
    const day = JSON.parse(readFileSync(join(dataDir, 'jobs', '2026-11-30.json'), 'utf8'))
    expect(day.jobs.map((job: Job) => job.id)).toEqual(['J000004', 'J000005', 'J000006'])
  })

  it('rejects a store holding jobs', async () => {
    await prepare([{ ...makeJob({ detectedAt: '2026-12-02T10:00:00.000Z', sha256: SHA('9') }) }])
    const storeFiles = readdirSync(join(dataDir, 'jobs')).sort()

    const error = await JobStore.open(dataDir, { logger }).then(
      () => null,
      (reason: unknown) => reason as StoreError,
    )

    expect(error).toBeInstanceOf(StoreError)
    expect(error?.code).toBe('CONFLICT')
    expect(error?.message).toBe(
      `job store: both ${join(dataDir, 'jobs.json')} (an earlier version's store, 4 jobs) and ${join(dataDir, 'jobs')} ` +
        `(1 jobs, or retired days) hold jobs, so neither is used: ` +
        `move one of them out of the data folder, or start with a separate --data folder for each`,
    )
    expect(readFileSync(join(dataDir, 'jobs.json')).equals(singleFileBytes)).toBe(true)
    expect(readdirSync(dataDir).filter((entry) => entry.includes('migrated'))).toEqual([])
    expect(readdirSync(join(dataDir, 'jobs')).sort()).toEqual(storeFiles)
    expect(logLines.filter((line) => line.includes('migrat') || line.includes('moved'))).toEqual([])
    expect(existsSync(join(dataDir, 'pui-monitor.lock'))).toBe(false)
  })
})
