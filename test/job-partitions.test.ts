import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DurableFileAdapter } from '../main/core/durable-file-adapter'
import { countJobs } from '../main/core/job-query'
import { JobStore } from '../main/core/job-store'
import type { NewJob } from '../main/core/job-store-contract'
import { makeJob } from './helpers/job-fixture'

function newJob(day: string, sequence: number): NewJob {
  return {
    fileName: `acme_stmt_20261130_${sequence}.txt`,
    sourcePath: `/srv/index/acme_stmt_20261130_${sequence}.txt`,
    detectedSize: 100,
    detectedMtimeMs: 1,
    detectedAt: `${day}T10:00:00.000Z`,
    backupCallback: 'archive',
    archivalStatus: 'PENDING',
  }
}

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

  async function openStore(): Promise<JobStore> {
    const store = await JobStore.open(dataDir)
    stores.push(store)
    return store
  }

  it('writes only changed days', async () => {
    const store = await openStore()
    await store.create(newJob('2026-11-29', 1))
    await store.create(newJob('2026-11-30', 2))
    const untouched = join(dataDir, 'jobs', '2026-11-29.json')
    const untouchedBytes = readFileSync(untouched)
    const writes = vi.spyOn(DurableFileAdapter.prototype, 'write')

    await Promise.all([store.updateProcessing('J000002', { status: 'RUNNING' }), store.appendLog('J000002', 'started')])

    expect(writes.mock.contexts.map((adapter) => (adapter as DurableFileAdapter<unknown>).filePath)).toEqual([
      join(dataDir, 'jobs', '2026-11-30.json'),
    ])
    expect(readFileSync(untouched).equals(untouchedBytes)).toBe(true)
    const changed = JSON.parse(readFileSync(join(dataDir, 'jobs', '2026-11-30.json'), 'utf8'))
    expect(changed.jobs[0].status).toBe('RUNNING')
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
    await store.create(newJob('2026-11-29', 1))
    await store.create(newJob('2026-11-30', 2))
    await store.close()
    // A crash can save a new day's partition before the manifest that lists it.
    const manifest = { schemaVersion: 2, nextJobNumber: 1, partitions: [] }
    writeFileSync(join(dataDir, 'jobs', 'manifest.json'), JSON.stringify(manifest))

    const reopened = await openStore()

    expect(reopened.all().map((job) => job.id)).toEqual(['J000001', 'J000002'])
    expect((await reopened.create(newJob('2026-12-01', 3))).id).toBe('J000003')
    expect(JSON.parse(readFileSync(join(dataDir, 'jobs', 'manifest.json'), 'utf8')).partitions).toEqual(['2026-11-29', '2026-11-30', '2026-12-01'])
  })

  it('keeps counts up to date', async () => {
    const store = await openStore()
    for (let sequence = 1; sequence <= 6; sequence += 1) await store.create(newJob('2026-11-30', sequence))

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
    await store.create(newJob('2026-11-30', 1))
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
})
