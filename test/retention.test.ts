import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Job } from '../shared/job'
import { buildAccountingReport } from '../main/core/accounting'
import { applyDuplicateRule } from '../main/core/duplicate-rule'
import { JobStore } from '../main/core/job-store'
import type { ImportedJob } from '../main/core/job-store-contract'
import { type CoreLogger, silentLogger } from '../main/core/logger'
import { Monitor } from '../main/core/monitor'
import { makeJob } from './helpers/job-fixture'
import { makeTestSettings } from './helpers/test-settings'

const NOW = new Date('2026-12-04T12:00:00.000Z')

/** Builds a finished, backed-up job detected on `day`, with its own content hash. */
function finishedJob(day: string, sequence: number, overrides: Partial<Job> = {}): ImportedJob {
  const { id: _id, ...job } = makeJob({
    fileName: `acme_stmt_${day.replace(/-/g, '')}_${sequence}.txt`,
    sourcePath: `/srv/index/acme_stmt_${day.replace(/-/g, '')}_${sequence}.txt`,
    detectedAt: `${day}T10:00:00.000Z`,
    cycleDate: day,
    sha256: sequence.toString(16).padStart(64, '0'),
    counts: { records: sequence, accepted: sequence, rejected: 0, pages: sequence * 2 },
    ...overrides,
  })
  return job
}

describe('JobStore retention', () => {
  let dataDir: string
  let stores: JobStore[]

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pui-retention-'))
    stores = []
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

  /** Imports 3 jobs per day on 2026-11-01..03 (one of them failed) and 2 jobs on 2026-12-03. */
  async function seed(store: JobStore): Promise<void> {
    const jobs: ImportedJob[] = []
    let sequence = 1
    for (const day of ['2026-11-01', '2026-11-02', '2026-11-03']) {
      jobs.push(finishedJob(day, sequence++), finishedJob(day, sequence++), finishedJob(day, sequence++, { status: 'FAILED' }))
    }
    jobs.push(finishedJob('2026-12-03', sequence++), finishedJob('2026-12-03', sequence++))
    await store.importJobs(jobs)
  }

  function report(store: JobStore, from: string | null = null, to: string | null = null) {
    return buildAccountingReport(store.all(), { from, to }, store.retiredRows())
  }

  it('keeps the report after retirement', async () => {
    const store = await openStore()
    await seed(store)
    const before = [report(store), report(store, '2026-11-02', '2026-12-31'), report(store, null, '2026-11-01')]

    const result = await store.retire(30, NOW)

    expect(result).toEqual({ retiredDays: ['2026-11-01', '2026-11-02', '2026-11-03'], retiredJobs: 9, keptDays: [] })
    expect(store.all().map((job) => job.cycleDate)).toEqual(['2026-12-03', '2026-12-03'])
    expect(store.view().counts).toEqual({ total: 2, running: 0, failed: 0, backupFailures: 0 })
    expect([report(store), report(store, '2026-11-02', '2026-12-31'), report(store, null, '2026-11-01')]).toEqual(before)
    expect(readdirSync(join(dataDir, 'retired')).sort()).toEqual(['2026-11-01.json', '2026-11-02.json', '2026-11-03.json'])
    expect(readdirSync(join(dataDir, 'jobs')).filter((name) => name.startsWith('2026-11'))).toEqual([])
    const totals = JSON.parse(readFileSync(join(dataDir, 'retired-totals.json'), 'utf8'))
    expect(Object.keys(totals.files).sort()).toEqual(['2026-11-01.json', '2026-11-02.json', '2026-11-03.json'])
    expect(totals.highestJobNumber).toBe(9)

    await store.close()
    const reopened = await openStore()
    expect([report(reopened), report(reopened, '2026-11-02', '2026-12-31'), report(reopened, null, '2026-11-01')]).toEqual(before)
    const snapshot = await JobStore.readSnapshot(dataDir)
    expect(buildAccountingReport(snapshot.jobs, {}, snapshot.retiredRows)).toEqual(before[0])
  })

  it('keeps days that are not final', async () => {
    const store = await openStore()
    const indexFile = join(dataDir, 'acme_ack_20261102_1.txt')
    writeFileSync(indexFile, 'still here\n')
    utimesSync(indexFile, 1_700_000_000, 1_700_000_000)
    await store.importJobs([
      finishedJob('2026-11-01', 1, { archivalStatus: 'BACKUP_FAILURE' }),
      finishedJob('2026-11-02', 2, { archivalStatus: 'NOT_REQUIRED', sourcePath: indexFile, detectedSize: 11, detectedMtimeMs: 1_700_000_000_000 }),
      finishedJob('2026-11-03', 3, { status: 'RUNNING' }),
      finishedJob('2026-11-04', 4, { archivalStatus: 'NOT_REQUIRED', sourcePath: join(dataDir, 'gone.txt') }),
    ])

    // With 29 days kept from 2026-12-04, 2026-11-05 is the first day kept.
    const result = await store.retire(29, NOW)

    expect(result.retiredDays).toEqual(['2026-11-04'])
    expect(result.keptDays).toEqual([
      { day: '2026-11-01', jobId: 'J000001', reason: 'its archival status is BACKUP_FAILURE' },
      { day: '2026-11-02', jobId: 'J000002', reason: `its file ${indexFile} is still in the index folder` },
      { day: '2026-11-03', jobId: 'J000003', reason: 'its status is RUNNING' },
    ])
    expect(store.all().map((job) => job.id)).toEqual(['J000001', 'J000002', 'J000003'])
    expect(store.findBySourcePath(indexFile).map((job) => job.id)).toEqual(['J000002'])
  })

  it('still finds retired duplicates', async () => {
    const store = await openStore()
    await seed(store)
    await store.retire(30, NOW)
    const sha256 = finishedJob('2026-11-01', 1).sha256!
    const again = await store.create({ ...finishedJob('2026-12-04', 99), sourcePath: '/srv/index/again.txt' })

    const outcome = applyDuplicateRule(store, silentLogger, again.id, { status: 'SUCCESS', sha256 })

    expect(store.findCountedBySha256(sha256, again.id)).toEqual({ id: 'J000001', fileName: 'acme_stmt_20261101_1.txt' })
    expect(outcome.status).toBe('FAILED')
    expect(outcome.duplicateOf).toBe('J000001')
    expect(outcome.error?.message).toContain('same content as job J000001 (acme_stmt_20261101_1.txt')
    expect(store.findCountedBySha256(finishedJob('2026-11-01', 3).sha256!, again.id)).toBeUndefined()
  })

  it('finishes a retirement cut short', async () => {
    const store = await openStore()
    await seed(store)
    const before = report(store)
    await store.retire(30, NOW)
    await store.close()
    // A crash after the files moved and before the totals were saved leaves no totals file.
    rmSync(join(dataDir, 'retired-totals.json'))
    rmSync(join(dataDir, 'retired-totals.last-good.json'), { force: true })

    const reopened = await openStore()

    expect(report(reopened)).toEqual(before)
    expect(existsSync(join(dataDir, 'retired-totals.json'))).toBe(true)
    expect(reopened.findCountedBySha256(finishedJob('2026-11-02', 4).sha256!, 'J999999')?.id).toBe('J000004')
  })

  it('never reuses a retired id', async () => {
    const store = await openStore()
    await store.importJobs([finishedJob('2026-11-01', 1), finishedJob('2026-11-01', 2)])
    await store.retire(30, NOW)
    await store.close()
    rmSync(join(dataDir, 'jobs', 'manifest.json'))
    rmSync(join(dataDir, 'jobs', 'manifest.last-good.json'), { force: true })

    const reopened = await openStore()

    expect(reopened.all()).toEqual([])
    expect((await reopened.create(finishedJob('2026-12-04', 3))).id).toBe('J000003')
  })

  it('keeps everything with zero days', async () => {
    const store = await openStore()
    await seed(store)

    const result = await store.retire(0, NOW)

    expect(result).toEqual({ retiredDays: [], retiredJobs: 0, keptDays: [] })
    expect(store.all()).toHaveLength(11)
    expect(existsSync(join(dataDir, 'retired'))).toBe(false)
  })

  it('retires at monitor start', async () => {
    const store = await openStore()
    const dayBefore = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10)
    await store.importJobs([finishedJob(dayBefore(40), 1), finishedJob(dayBefore(40), 2, { status: 'FAILED' }), finishedJob(dayBefore(2), 3)])
    const before = report(store)
    await store.close()
    const infos: string[] = []
    const logger: CoreLogger = { ...silentLogger, info: (message: string) => infos.push(message) }
    const settings = await makeTestSettings(dataDir, { dataDir, retentionDays: 30 })

    const monitor = await Monitor.open(settings, { logger })
    try {
      await monitor.start()

      expect(monitor.jobs().map((job) => job.id)).toEqual(['J000003'])
      expect(monitor.report()).toEqual(before)
      expect(infos).toContain(`retention: retired 1 day (2 jobs) detected before ${dayBefore(30)}`)
    } finally {
      await monitor.stop()
    }
  })
})
