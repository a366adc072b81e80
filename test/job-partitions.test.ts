import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DurableFileAdapter } from '../main/core/durable-file-adapter'
import { countJobs } from '../main/core/job-query'
import { JobStore } from '../main/core/job-store'
import type { CoreLogger } from '../main/core/logger'
import { MIN_COMPACTION_LINES } from '../main/core/partition-journal'
import { StoreError } from '../main/core/store-error'
import { makeJob, newJobOnDay } from './helpers/job-fixture'
import { recordingLogger } from './helpers/recording-logger'

describe('JobStore partitions', () => {
  let dataDir: string
  let stores: JobStore[]

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pui-partitions-'))
    stores = []
  })

  afterEach(async () => {
    for (const store of stores) await store.close()
    vi.restoreAllMocks()
    rmSync(dataDir, { recursive: true, force: true })
  })

  async function openStore(folder = dataDir, logger?: CoreLogger): Promise<JobStore> {
    const store = await JobStore.open(folder, { logger })
    stores.push(store)
    return store
  }

  /**
   * Copies the store folder of an open store into a new data folder, as a crash would leave it: day files and
   * journals as last saved, nothing compacted at close. Returns the new data folder.
   */
  function crashCopy(): string {
    const copy = join(dataDir, 'after-crash')
    cpSync(join(dataDir, 'jobs'), join(copy, 'jobs'), { recursive: true })
    return copy
  }

  /** Writes a store whose day 2026-11-30 has J000001 and J000002 in its day file and three changes in its journal. */
  async function storeWithJournal(): Promise<{ store: JobStore; journal: string }> {
    const first = await openStore()
    await first.create(newJobOnDay('2026-11-30', 1))
    await first.create(newJobOnDay('2026-11-30', 2))
    await first.close()
    const store = await openStore()
    await store.updateProcessing('J000001', { status: 'RUNNING' })
    await store.updateProcessing('J000002', { status: 'RUNNING' })
    await store.updateProcessing('J000001', { status: 'SUCCESS' })
    return { store, journal: join(dataDir, 'jobs', '2026-11-30.journal') }
  }

  it('appends changes to their day', async () => {
    const store = await openStore()
    await store.create(newJobOnDay('2026-11-29', 1))
    await store.create(newJobOnDay('2026-11-30', 2))
    const folder = join(dataDir, 'jobs')
    const untouchedJournal = readFileSync(join(folder, '2026-11-29.journal'))
    const writes = vi.spyOn(DurableFileAdapter.prototype, 'write')

    await Promise.all([store.updateProcessing('J000002', { status: 'RUNNING' }), store.appendLog('J000002', 'started')])

    expect(writes).not.toHaveBeenCalled()
    expect(readFileSync(join(folder, '2026-11-29.journal')).equals(untouchedJournal)).toBe(true)
    const lines = readFileSync(join(folder, '2026-11-30.journal'), 'utf8').split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[2]).toBe('')
    const last = JSON.parse(lines[1]!)
    expect(last.seq).toBe(2)
    expect(last.job.status).toBe('RUNNING')
    expect(last.job.log.map((entry: { message: string }) => entry.message)).toEqual(['started'])
  })

  it('imports with one write per day', async () => {
    const store = await openStore()
    const writes = vi.spyOn(DurableFileAdapter.prototype, 'write')
    const records = Array.from({ length: 1_000 }, (_, index) => {
      const { id: _id, ...job } = makeJob({ detectedAt: `2026-11-2${index % 3}T10:00:00.000Z` })
      return job
    })

    const imported = await store.importJobs(records)

    expect(imported.map((job) => job.id).slice(0, 2)).toEqual(['J000001', 'J000002'])
    expect(store.all()).toHaveLength(1_000)
    const written = writes.mock.contexts.map((adapter) => (adapter as DurableFileAdapter<unknown>).filePath).sort()
    expect(written).toEqual(['2026-11-20.json', '2026-11-21.json', '2026-11-22.json', 'manifest.json'].map((name) => join(dataDir, 'jobs', name)))
  })

  it('finds days missing from the manifest', async () => {
    const store = await openStore()
    await store.create(newJobOnDay('2026-11-29', 1))
    await store.create(newJobOnDay('2026-11-30', 2))
    await store.close()
    // A crash can save a new day's partition before the manifest that lists it.
    const manifest = { schemaVersion: 2, nextJobNumber: 1, partitions: [] }
    writeFileSync(join(dataDir, 'jobs', 'manifest.json'), JSON.stringify(manifest))

    const reopened = await openStore()

    expect(reopened.all().map((job) => job.id)).toEqual(['J000001', 'J000002'])
    expect((await reopened.create(newJobOnDay('2026-12-01', 3))).id).toBe('J000003')
    expect(JSON.parse(readFileSync(join(dataDir, 'jobs', 'manifest.json'), 'utf8')).partitions).toEqual(['2026-11-29', '2026-11-30', '2026-12-01'])
  })

  it('keeps counts up to date', async () => {
    const store = await openStore()
    for (let sequence = 1; sequence <= 6; sequence += 1) await store.create(newJobOnDay('2026-11-30', sequence))

    await store.updateProcessing('J000001', { status: 'RUNNING' })
    await store.updateProcessing('J000002', { status: 'FAILED' })
    await store.updateArchival('J000003', { archivalStatus: 'BACKUP_FAILURE' })
    await store.updateProcessing('J000001', { status: 'SUCCESS' })

    const view = store.view()
    expect(view.counts).toEqual({ total: 6, running: 0, failed: 1, backupFailures: 1 })
    expect(view.counts).toEqual(countJobs(store.all()))
    expect(view.jobs).toEqual(store.all())
  })

  it('rejects a job moved to another day', async () => {
    const store = await openStore()
    await store.create(newJobOnDay('2026-11-30', 1))
    await store.close()
    const path = join(dataDir, 'jobs', '2026-11-30.json')
    const file = JSON.parse(readFileSync(path, 'utf8'))
    file.day = '2026-11-29'
    writeFileSync(join(dataDir, 'jobs', '2026-11-29.json'), JSON.stringify(file))
    rmSync(path)
    rmSync(join(dataDir, 'jobs', '2026-11-30.last-good.json'), { force: true })

    const reopened = await openStore()

    expect(reopened.recovery?.kind).toBe('started-empty')
    expect(reopened.recovery?.message).toContain('unexpected content: job J000001 was detected at 2026-11-30T10:00:00.000Z, not on 2026-11-29')
    expect(reopened.all()).toEqual([])
    expect(statSync(reopened.recovery!.movedAsidePath!).isFile()).toBe(true)
  })

  it('journals a change before resolving', async () => {
    const store = await openStore()
    await store.create(newJobOnDay('2026-11-30', 1))
    const journal = join(dataDir, 'jobs', '2026-11-30.journal')

    const seenOnResolve = await store.updateProcessing('J000001', { status: 'RUNNING' }).then(() => readFileSync(journal, 'utf8'))

    const lines = seenOnResolve.trimEnd().split('\n').map((line) => JSON.parse(line))
    expect(lines.map((line) => [line.seq, line.job.status])).toEqual([
      [1, 'PENDING'],
      [2, 'RUNNING'],
    ])
  })

  it('replays the journal after a crash', async () => {
    const { store, journal } = await storeWithJournal()
    expect(readFileSync(journal, 'utf8').trimEnd().split('\n')).toHaveLength(3)
    const expected = store.all()

    const reopened = await openStore(crashCopy())

    expect(reopened.recovery).toBeNull()
    expect(reopened.all()).toEqual(expected)
    expect(reopened.all().map((job) => job.status)).toEqual(['SUCCESS', 'RUNNING'])
    const folder = join(dataDir, 'after-crash', 'jobs')
    expect(existsSync(join(folder, '2026-11-30.journal'))).toBe(false)
    const dayFile = JSON.parse(readFileSync(join(folder, '2026-11-30.json'), 'utf8'))
    // Lines 1 and 2 (the two jobs' creation) were compacted at the first close, so the journal held 3 to 5.
    expect(dayFile.journalSeq).toBe(5)
    expect(dayFile.jobs).toEqual(expected)
  })

  it('ignores a torn last line', async () => {
    const { journal } = await storeWithJournal()
    const copy = crashCopy()
    const copiedJournal = join(copy, 'jobs', '2026-11-30.journal')
    appendFileSync(copiedJournal, '{"seq":4,"job":{"id":"J000002","status":"FAI')
    const logger = recordingLogger()

    const reopened = await openStore(copy, logger)

    expect(readFileSync(journal, 'utf8').trimEnd().split('\n')).toHaveLength(3)
    expect(reopened.recovery).toBeNull()
    expect(logger.warnings).toEqual([
      `job store: ignored the incomplete line 4 at the end of ${copiedJournal}, left by a save that was interrupted ` +
        'before it finished; the jobs it held keep their previous saved state',
    ])
    expect(reopened.get('J000002')?.status).toBe('RUNNING')
    expect(existsSync(copiedJournal)).toBe(false)
    expect(JSON.parse(readFileSync(join(copy, 'jobs', '2026-11-30.json'), 'utf8')).jobs[1].status).toBe('RUNNING')
  })

  it('moves aside a damaged journal', async () => {
    const { journal } = await storeWithJournal()
    const copy = crashCopy()
    const copiedJournal = join(copy, 'jobs', '2026-11-30.journal')
    const lines = readFileSync(journal, 'utf8').split('\n')
    lines[1] = '{"seq":2,"job":{"id":"J000002","sta\u0000\u0000'
    writeFileSync(copiedJournal, lines.join('\n'))
    const damaged = readFileSync(copiedJournal)
    const logger = recordingLogger()

    const reopened = await openStore(copy, logger)

    const recovery = reopened.recovery!
    expect(recovery.kind).toBe('journal-damaged')
    expect(recovery.message).toMatch(new RegExp(`^job store: ${copiedJournal} line 2 \\(invalid JSON: `))
    expect(recovery.message).toContain(`could not be read, so the journal was moved to ${recovery.movedAsidePath}`)
    expect(logger.errors).toEqual([recovery.message])
    expect(recovery.movedAsidePath).toMatch(new RegExp(`^${copiedJournal}\\.corrupt-\\d{8}T\\d{6}Z$`))
    expect(readFileSync(recovery.movedAsidePath!).equals(damaged)).toBe(true)
    expect(existsSync(copiedJournal)).toBe(false)
    // Lines 1 and 3 are applied; J000002's change on line 2 is lost, so it keeps its day-file state.
    expect(reopened.all().map((job) => job.status)).toEqual(['SUCCESS', 'PENDING'])
    expect(JSON.parse(readFileSync(join(copy, 'jobs', '2026-11-30.json'), 'utf8')).jobs.map((job: { status: string }) => job.status)).toEqual([
      'SUCCESS',
      'PENDING',
    ])
  })

  it('snapshot rejects a damaged journal', async () => {
    const { journal } = await storeWithJournal()
    appendFileSync(journal, 'not json\n{"seq":9}\n')

    const error = await JobStore.readSnapshot(dataDir).then(
      () => null,
      (reason: unknown) => reason as StoreError,
    )

    expect(error).toBeInstanceOf(StoreError)
    expect(error?.code).toBe('CORRUPT')
    expect(error?.message).toMatch(new RegExp(`^job store: ${journal} line 4 \\(invalid JSON: .*\\) and 1 other lines could not be read; `))
    expect(readFileSync(journal, 'utf8')).toContain('not json')
  })

  it('snapshot reads the journal', async () => {
    const { store } = await storeWithJournal()

    const snapshot = await JobStore.readSnapshot(dataDir)

    expect(snapshot.jobs).toEqual(store.all())
  })

  it('compacts a journal past its bound', async () => {
    const store = await openStore()
    const records = Array.from({ length: MIN_COMPACTION_LINES + 1 }, () => {
      const { id: _id, ...job } = makeJob({ detectedAt: '2026-11-30T10:00:00.000Z', status: 'RUNNING' })
      return job
    })
    const jobs = await store.importJobs(records)
    const folder = join(dataDir, 'jobs')
    const journal = join(folder, '2026-11-30.journal')
    expect(existsSync(journal)).toBe(false)
    const appended = 600
    const compacting = 501

    await Promise.all(jobs.slice(0, appended).map((job) => store.updateProcessing(job.id, { status: 'SUCCESS' })))
    expect(readFileSync(journal, 'utf8').trimEnd().split('\n')).toHaveLength(appended)
    // 600 + 501 lines would pass the bound of 1,001 (the day's job count), so this save rewrites the day file.
    await Promise.all(jobs.slice(0, compacting).map((job) => store.updateProcessing(job.id, { status: 'FAILED' })))

    expect(existsSync(journal)).toBe(false)
    const dayFile = JSON.parse(readFileSync(join(folder, '2026-11-30.json'), 'utf8'))
    expect(dayFile.journalSeq).toBe(appended)
    expect(dayFile.jobs).toHaveLength(MIN_COMPACTION_LINES + 1)
    expect(dayFile.jobs).toEqual(store.all())
    const statuses = dayFile.jobs.map((job: { status: string }) => job.status)
    expect(statuses.filter((status: string) => status === 'FAILED')).toHaveLength(compacting)
    expect(statuses.filter((status: string) => status === 'SUCCESS')).toHaveLength(appended - compacting)
  })

  it('skips journal lines already compacted', async () => {
    const { store, journal } = await storeWithJournal()
    const staleJournal = readFileSync(journal)
    await store.updateProcessing('J000002', { status: 'FAILED' })
    await store.close()
    // A crash after the day file was written but before the journal was removed leaves the older lines behind.
    writeFileSync(journal, staleJournal)

    const reopened = await openStore()

    expect(reopened.all().map((job) => job.status)).toEqual(['SUCCESS', 'FAILED'])
    expect(existsSync(journal)).toBe(false)
  })

  it('retires a day with its journal', async () => {
    const store = await openStore()
    const { id: _id, ...record } = makeJob({ detectedAt: '2026-10-01T10:00:00.000Z', status: 'RUNNING', archivalStatus: 'PENDING' })
    const [job] = await store.importJobs([record])
    await store.updateProcessing(job!.id, { status: 'SUCCESS' })
    await store.updateArchival(job!.id, { archivalStatus: 'BACKED_UP' })
    const folder = join(dataDir, 'jobs')
    expect(existsSync(join(folder, '2026-10-01.journal'))).toBe(true)

    const result = await store.retire(30, new Date('2026-12-04T12:00:00.000Z'))

    expect(result.retiredDays).toEqual(['2026-10-01'])
    expect(readdirSync(folder).filter((name) => name.startsWith('2026-10-01'))).toEqual([])
    const retired = JSON.parse(readFileSync(join(dataDir, 'retired', '2026-10-01.json'), 'utf8'))
    expect(retired.jobs.map((saved: { status: string; archivalStatus: string }) => [saved.status, saved.archivalStatus])).toEqual([
      ['SUCCESS', 'BACKED_UP'],
    ])
  })
})
