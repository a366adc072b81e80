import { execFileSync } from 'node:child_process'
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Job, ProcessingFields } from '../shared/job'
import { DurableFileAdapter } from '../main/core/durable-file-adapter'
import { MAX_LOG_ENTRIES, JobStore, STORE_SCHEMA_VERSION } from '../main/core/job-store'
import type { NewJob } from '../main/core/job-store-contract'
import type { CoreLogger } from '../main/core/logger'
import { StoreError } from '../main/core/store-error'
import { spawnStoreChild } from './helpers/spawn-store-child'
import { readDayJobs } from './helpers/stored-jobs'
import { recordingLogger } from './helpers/recording-logger'

const SHA_A = 'a'.repeat(64)
const SHA_B = 'b'.repeat(64)

function newJob(sequence: number, overrides: Partial<NewJob> = {}): NewJob {
  return {
    fileName: `acme_stmt_20261130_${sequence}.txt`,
    sourcePath: `/srv/index/acme_stmt_20261130_${sequence}.txt`,
    detectedSize: 100 + sequence,
    detectedMtimeMs: 1_764_460_800_000,
    detectedAt: '2026-11-30T10:00:00.000Z',
    backupCallback: 'archive',
    archivalStatus: 'PENDING',
    ...overrides,
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(Error)
  return error as Error
}

describe('JobStore', () => {
  let dataDir: string
  let storeFolder: string
  let storePath: string
  let lastGoodPath: string
  let openStores: JobStore[]
  let mountPoint: string | null

  async function openStore(logger?: CoreLogger): Promise<JobStore> {
    const store = await JobStore.open(dataDir, { logger })
    openStores.push(store)
    return store
  }

  /** Reads the day's jobs from disk: its day file, then its journal. */
  function jobsOnDisk(): Job[] {
    return readDayJobs(storeFolder, '2026-11-30')
  }

  /** Writes a store whose partition contains J000001 and J000002 and whose last-good copy contains J000001 only. */
  async function writeTwoVersions(): Promise<void> {
    for (const sequence of [1, 2]) {
      const store = await JobStore.open(dataDir)
      await store.create(newJob(sequence))
      await store.close()
    }
  }

  function mountReadOnly(source: string): string {
    mountPoint = join(dataDir, '..', `${dataDir.split('/').pop()}-ro`)
    mkdirSync(mountPoint)
    execFileSync('mount', ['--bind', source, mountPoint])
    execFileSync('mount', ['-o', 'remount,ro,bind', mountPoint])
    return mountPoint
  }

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pui-store-'))
    storeFolder = join(dataDir, 'jobs')
    storePath = join(storeFolder, '2026-11-30.json')
    lastGoodPath = join(storeFolder, '2026-11-30.last-good.json')
    openStores = []
    mountPoint = null
  })

  afterEach(async () => {
    if (mountPoint !== null) {
      execFileSync('umount', [mountPoint])
      rmSync(mountPoint, { recursive: true, force: true })
    }
    for (const store of openStores) {
      await store.close()
    }
    vi.restoreAllMocks()
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('creates jobs with defaults', async () => {
    const store = await openStore()

    const first = await store.create(newJob(1))
    const second = await store.create(newJob(2, { jobType: 'stmt', client: 'acme', cycleDate: '2026-11-30' }))

    expect(first).toEqual({
      ...newJob(1),
      id: 'J000001',
      status: 'PENDING',
      jobType: null,
      client: null,
      cycleDate: null,
      sha256: null,
      size: null,
      counts: { records: 0, accepted: 0, rejected: 0, pages: 0 },
      rejections: [],
      error: null,
      duplicateOf: null,
      startedAt: null,
      finishedAt: null,
      archivePath: null,
      backupAttempts: [],
      failureAcknowledgedAt: null,
      log: [],
    })
    expect(second.id).toBe('J000002')
    expect(second.jobType).toBe('stmt')
    expect(store.recovery).toBeNull()

    const journal = readFileSync(join(storeFolder, '2026-11-30.journal'), 'utf8')
    expect(journal).toBe(`${JSON.stringify({ seq: 1, job: first })}\n${JSON.stringify({ seq: 2, job: second })}\n`)
    const manifestPath = join(storeFolder, 'manifest.json')
    expect(JSON.parse(readFileSync(manifestPath, 'utf8')).partitions).toEqual(['2026-11-30'])
    await store.close()
    const file = JSON.parse(readFileSync(storePath, 'utf8'))
    expect(file).toEqual({ schemaVersion: STORE_SCHEMA_VERSION, day: '2026-11-30', journalSeq: 2, jobs: [first, second] })
    expect(existsSync(join(storeFolder, '2026-11-30.journal'))).toBe(false)
    expect(JSON.parse(readFileSync(manifestPath, 'utf8'))).toEqual({ schemaVersion: STORE_SCHEMA_VERSION, nextJobNumber: 3, partitions: ['2026-11-30'] })
  })

  it('create ignores non-creation fields', async () => {
    const store = await openStore()

    const job = await store.create({ ...newJob(1), status: 'SUCCESS', id: 'J999999' } as NewJob)

    expect(job.id).toBe('J000001')
    expect(job.status).toBe('PENDING')
  })

  it('restart keeps every job', async () => {
    const store = await openStore()
    const created = await Promise.all([1, 2, 3].map((sequence) => store.create(newJob(sequence))))
    await store.updateProcessing('J000002', { status: 'SUCCESS', sha256: SHA_A, counts: { records: 3, accepted: 3, rejected: 0, pages: 9 } })
    await store.updateArchival('J000002', { archivalStatus: 'BACKED_UP', archivePath: '/srv/archive/acme/x.txt' })
    await store.appendLog('J000003', 'processing started')
    const before = store.all()
    await store.close()

    const reopened = await openStore()

    expect(reopened.all()).toEqual(before)
    expect(reopened.all().map((job) => job.id)).toEqual(created.map((job) => job.id))
    expect(reopened.findCountedBySha256(SHA_A, 'J000001')?.id).toBe('J000002')
    expect((await reopened.create(newJob(4))).id).toBe('J000004')
  })

  it('close writes pending changes', async () => {
    const store = await JobStore.open(dataDir)
    const job = await store.create(newJob(1))

    const pending = store.updateProcessing(job.id, { status: 'RUNNING' })
    await store.close()

    await pending
    expect(jobsOnDisk()[0]?.status).toBe('RUNNING')
    expect(existsSync(join(dataDir, 'pui-monitor.lock'))).toBe(false)
    const error = await rejection(store.appendLog(job.id, 'too late'))
    expect(error.message).toBe('job store: the store is closed; open it again to make changes')
    expect(store.get(job.id)?.log).toEqual([])
  })

  it('changes memory before the write', async () => {
    const store = await openStore()
    const job = await store.create(newJob(1))

    const pending = store.updateProcessing(job.id, { status: 'RUNNING' })

    expect(store.get(job.id)?.status).toBe('RUNNING')
    expect(jobsOnDisk()[0]?.status).toBe('PENDING')
    await pending
    expect(jobsOnDisk()[0]?.status).toBe('RUNNING')
  })

  it('coalesces parallel updates into few writes', async () => {
    const store = await openStore()
    await Promise.all(Array.from({ length: 100 }, (_, index) => store.create(newJob(index + 1))))
    const writes = vi.spyOn(DurableFileAdapter.prototype, 'write')

    // Each update's promise must resolve only once the file contains that update.
    const checkedOnResolve = store.all().map((job, index) =>
      store.updateProcessing(job.id, { status: 'RUNNING', size: index }).then(async (updated) => {
        const onDisk = jobsOnDisk().find((candidate) => candidate.id === updated.id)
        expect(onDisk?.size).toBe(index)
      }),
    )
    await Promise.all(checkedOnResolve)

    const onDisk = jobsOnDisk()
    expect(onDisk).toHaveLength(100)
    expect(onDisk.every((job, index) => job.status === 'RUNNING' && job.size === index)).toBe(true)
    expect(writes.mock.calls.length).toBeLessThanOrEqual(2)
  })

  it('writes updates made during a write', async () => {
    const store = await openStore()
    const job = await store.create(newJob(1))

    const first = store.appendLog(job.id, 'first')
    await Promise.resolve()
    await Promise.resolve()
    const later = Array.from({ length: 20 }, (_, index) => store.appendLog(job.id, `later ${index}`))
    await Promise.all([first, ...later])

    expect(jobsOnDisk()[0]?.log.map((entry) => entry.message)).toEqual([
      'first',
      ...Array.from({ length: 20 }, (_, index) => `later ${index}`),
    ])
  })

  it('updateArchival cannot change processing fields', async () => {
    const store = await openStore()
    const job = await store.create(newJob(1))
    await store.updateProcessing(job.id, { status: 'SUCCESS', sha256: SHA_A })

    const smuggled = { archivalStatus: 'BACKUP_FAILURE', status: 'FAILED', counts: { records: 9, accepted: 0, rejected: 9, pages: 0 } }
    const updated = await store.updateArchival(job.id, smuggled as Parameters<JobStore['updateArchival']>[1])

    expect(updated.archivalStatus).toBe('BACKUP_FAILURE')
    expect(updated.status).toBe('SUCCESS')
    expect(updated.counts.records).toBe(0)
    expect(jobsOnDisk()[0]?.status).toBe('SUCCESS')
    expect(store.findCountedBySha256(SHA_A, 'J000999')?.id).toBe(job.id)
  })

  it('updateProcessing cannot change archival fields', async () => {
    const store = await openStore()
    const job = await store.create(newJob(1))

    const smuggled = { status: 'WARNING', archivalStatus: 'BACKED_UP', archivePath: '/elsewhere', id: 'J000777', sourcePath: '/x' }
    const updated = await store.updateProcessing(job.id, smuggled as Partial<ProcessingFields>)

    expect(updated.status).toBe('WARNING')
    expect(updated.archivalStatus).toBe('PENDING')
    expect(updated.archivePath).toBeNull()
    expect(updated.id).toBe('J000001')
    expect(updated.sourcePath).toBe(job.sourcePath)
    expect(jobsOnDisk()[0]?.archivalStatus).toBe('PENDING')
  })

  it('rejects an unknown job id', async () => {
    const store = await openStore()

    const error = await rejection(store.updateProcessing('J000123', { status: 'RUNNING' }))

    expect(error.message).toBe('job store: no job J000123')
    expect((await rejection(store.updateArchival('J000123', { archivalStatus: 'BACKED_UP' }))).message).toBe('job store: no job J000123')
    expect((await rejection(store.appendLog('J000123', 'x'))).message).toBe('job store: no job J000123')
  })

  it('rejects invalid values unchanged', async () => {
    const store = await openStore()
    const job = await store.create(newJob(1))

    const error = await rejection(store.updateProcessing(job.id, { sha256: 'not-a-hash', status: 'SUCCESS' }))

    expect(error.message).toMatch(/^job store: invalid values for job J000001: sha256: /)
    expect(store.get(job.id)).toBe(job)
    expect(jobsOnDisk()[0]).toEqual(job)
  })

  it('hands out frozen jobs', async () => {
    const store = await openStore()
    const rejections = [{ line: 2, reason: 'account number is not digits' }]
    const job = await store.updateProcessing((await store.create(newJob(1))).id, { rejections })

    expect(() => {
      ;(job as { status: string }).status = 'SUCCESS'
    }).toThrow(TypeError)
    expect(() => job.rejections.push({ line: 3, reason: 'x' })).toThrow(TypeError)
    expect(() => {
      ;(store.get(job.id)!.counts as { pages: number }).pages = 5
    }).toThrow(TypeError)
    expect(() => (store.all() as Job[]).pop()).toThrow(TypeError)

    rejections.push({ line: 9, reason: 'changed by the caller afterwards' })
    expect(store.get(job.id)?.rejections).toEqual([{ line: 2, reason: 'account number is not digits' }])
  })

  it('finds jobs by source path', async () => {
    const store = await openStore()
    await store.create(newJob(1))
    await store.create(newJob(2))
    await store.create(newJob(1))

    expect(store.findBySourcePath(newJob(1).sourcePath).map((job) => job.id)).toEqual(['J000001', 'J000003'])
    expect(store.findBySourcePath('/srv/index/unknown.txt')).toEqual([])
  })

  it('finds counted jobs by SHA-256', async () => {
    const store = await openStore()
    for (const sequence of [1, 2, 3, 4]) {
      await store.create(newJob(sequence))
    }
    await store.updateProcessing('J000001', { status: 'FAILED', sha256: SHA_A })
    await store.updateProcessing('J000002', { status: 'WARNING', sha256: SHA_A })
    await store.updateProcessing('J000003', { status: 'SUCCESS', sha256: SHA_A })
    await store.updateProcessing('J000004', { status: 'SUCCESS', sha256: SHA_B })

    expect(store.findCountedBySha256(SHA_A, 'J000004')?.id).toBe('J000002')
    expect(store.findCountedBySha256(SHA_A, 'J000002')?.id).toBe('J000003')
    expect(store.findCountedBySha256(SHA_B, 'J000004')).toBeUndefined()

    await store.updateProcessing('J000002', { status: 'FAILED' })
    await store.updateProcessing('J000003', { sha256: SHA_B })
    expect(store.findCountedBySha256(SHA_A, 'J000004')).toBeUndefined()
    expect(store.findCountedBySha256(SHA_B, 'J000004')?.id).toBe('J000003')
  })

  it('caps the log length', async () => {
    const store = await openStore()
    const job = await store.create(newJob(1))

    await Promise.all(Array.from({ length: MAX_LOG_ENTRIES + 5 }, (_, index) => store.appendLog(job.id, `entry ${index}`)))

    const log = jobsOnDisk()[0]!.log
    expect(log).toHaveLength(MAX_LOG_ENTRIES)
    expect(log[0]?.message).toBe('entry 5')
    expect(log[MAX_LOG_ENTRIES - 1]?.message).toBe(`entry ${MAX_LOG_ENTRIES + 4}`)
  })

  it('keeps the previous version as last-good', async () => {
    await writeTwoVersions()

    const lastGood = JSON.parse(readFileSync(lastGoodPath, 'utf8'))
    expect(lastGood.jobs.map((job: Job) => job.id)).toEqual(['J000001'])
    expect(jobsOnDisk().map((job) => job.id)).toEqual(['J000001', 'J000002'])
    expect(readdirSync(storeFolder).sort()).toEqual(['2026-11-30.json', '2026-11-30.last-good.json', 'manifest.json', 'manifest.last-good.json'])
  })

  it.each([
    ['an empty file', Buffer.alloc(0), 'the file is empty (0 bytes)'],
    ['NUL bytes', Buffer.alloc(512), 'the file contains only NUL bytes (512 bytes)'],
    ['truncated JSON', Buffer.from('{\n"schemaVersion": 2,\n"day": "2026-11-30",\n"jobs": [\n{"id":"J0'), 'invalid JSON: '],
    [
      'the wrong shape',
      Buffer.from(JSON.stringify({ schemaVersion: 2, day: '2026-11-30', jobs: [{ id: 'J000001', status: 'DONE' }] })),
      'unexpected content: jobs[0].fileName: ',
    ],
  ])('restores last-good over %s', async (_case, damaged, reason) => {
    await writeTwoVersions()
    const lastGoodBytes = readFileSync(lastGoodPath)
    writeFileSync(storePath, damaged)
    const logger = recordingLogger()

    const store = await openStore(logger)

    expect(store.recovery?.kind).toBe('restored-last-good')
    const movedAside = store.recovery!.movedAsidePath!
    expect(movedAside).toMatch(new RegExp(`^${storePath}\\.corrupt-\\d{8}T\\d{6}Z$`))
    expect(readFileSync(movedAside).equals(damaged)).toBe(true)
    expect(readFileSync(storePath).equals(lastGoodBytes)).toBe(true)
    expect(store.recovery!.message).toContain(`${storePath} could not be loaded (${reason}`)
    expect(store.recovery!.message).toContain(`moved to ${movedAside}`)
    expect(store.recovery!.message).toContain(`restored it from the last good copy ${lastGoodPath}`)
    expect(logger.warnings).toEqual([store.recovery!.message])
    expect(store.all().map((job) => job.id)).toEqual(['J000001'])
    // J000002 was on disk before the damage, so its id is never handed out again.
    expect((await store.create(newJob(3))).id).toBe('J000003')
  })

  it('restores a missing file from last-good', async () => {
    await writeTwoVersions()
    const lastGoodBytes = readFileSync(lastGoodPath)
    rmSync(storePath)

    const store = await openStore()

    expect(store.recovery).toEqual({
      kind: 'restored-last-good',
      movedAsidePath: null,
      message:
        `job store: ${storePath} was missing; restored it from the last good copy ${lastGoodPath}. ` +
        'Changes saved by the last write before the damage are missing.',
    })
    expect(readFileSync(storePath).equals(lastGoodBytes)).toBe(true)
    expect(store.all().map((job) => job.id)).toEqual(['J000001'])
  })

  it('starts empty when both copies are bad', async () => {
    await writeTwoVersions()
    writeFileSync(storePath, '{"schemaVersion": 2, "jobs": [')
    writeFileSync(lastGoodPath, '')
    const logger = recordingLogger()

    const store = await openStore(logger)

    expect(store.recovery?.kind).toBe('started-empty')
    expect(store.all()).toEqual([])
    const names = readdirSync(storeFolder).sort()
    const movedMain = names.find((name) => name.startsWith('2026-11-30.json.corrupt-'))!
    const movedLastGood = names.find((name) => name.startsWith('2026-11-30.last-good.json.corrupt-'))!
    expect(readFileSync(join(storeFolder, movedMain), 'utf8')).toBe('{"schemaVersion": 2, "jobs": [')
    expect(readFileSync(join(storeFolder, movedLastGood), 'utf8')).toBe('')
    expect(store.recovery!.movedAsidePath).toBe(join(storeFolder, movedMain))
    expect(store.recovery!.message).toMatch(/^job store: JOBS DETECTED ON 2026-11-30 NOT LOADED, that day starts empty\. /)
    expect(store.recovery!.message).toContain(`moved to ${join(storeFolder, movedMain)}`)
    expect(store.recovery!.message).toContain(`could not be loaded either (the file is empty (0 bytes)) and was moved to ${join(storeFolder, movedLastGood)}`)
    expect(logger.errors).toEqual([store.recovery!.message])
    expect(existsSync(storePath)).toBe(false)
    expect((await store.create(newJob(3))).id).toBe('J000003')
  })

  it('starts empty without any last-good', async () => {
    mkdirSync(storeFolder)
    writeFileSync(storePath, Buffer.alloc(64))

    const store = await openStore()

    expect(store.recovery?.kind).toBe('started-empty')
    expect(store.recovery!.message).toContain(`the last good copy ${lastGoodPath} does not exist`)
    expect(readFileSync(store.recovery!.movedAsidePath!).equals(Buffer.alloc(64))).toBe(true)
  })

  it('rejects a newer schema untouched', async () => {
    await writeTwoVersions()
    const newer = Buffer.from(JSON.stringify({ schemaVersion: 3, day: '2026-11-30', jobs: [], extra: true }))
    writeFileSync(storePath, newer)
    const namesBefore = readdirSync(storeFolder).sort()

    const error = await rejection(JobStore.open(dataDir))

    expect(error).toBeInstanceOf(StoreError)
    expect((error as StoreError).code).toBe('SCHEMA_TOO_NEW')
    expect(error.message).toBe(
      `${storePath} was written by a newer PUI Monitor (schema 3, this version reads 2): upgrade the app; the file was left unchanged`,
    )
    expect(readFileSync(storePath).equals(newer)).toBe(true)
    expect(readdirSync(storeFolder).sort()).toEqual(namesBefore)
  })

  it('rejects a newer last-good untouched', async () => {
    await writeTwoVersions()
    writeFileSync(storePath, '')
    writeFileSync(lastGoodPath, JSON.stringify({ schemaVersion: 3, day: '2026-11-30', jobs: [] }))

    const error = await rejection(JobStore.open(dataDir))

    expect((error as StoreError).code).toBe('SCHEMA_TOO_NEW')
    expect(error.message).toContain(`${lastGoodPath} was written by a newer PUI Monitor (schema 3`)
    expect(readFileSync(storePath, 'utf8')).toBe('')
    expect(readdirSync(storeFolder).sort()).toEqual(['2026-11-30.json', '2026-11-30.last-good.json', 'manifest.json', 'manifest.last-good.json'])
  })

  it('writes after a crash between renames', async () => {
    // A crash after last-good was replaced but before jobs.json was leaves both names on one file.
    await writeTwoVersions()
    rmSync(lastGoodPath)
    linkSync(storePath, lastGoodPath)
    const previous = readFileSync(storePath)

    const store = await openStore()
    await store.create(newJob(3))
    await store.close()

    expect(readFileSync(lastGoodPath).equals(previous)).toBe(true)
    expect(jobsOnDisk().map((job) => job.id)).toEqual(['J000001', 'J000002', 'J000003'])
    expect(readdirSync(storeFolder).sort()).toEqual(['2026-11-30.json', '2026-11-30.last-good.json', 'manifest.json', 'manifest.last-good.json'])
  })

  it('removes leftover temporary files', async () => {
    await writeTwoVersions()
    writeFileSync(join(storeFolder, '2026-11-30.json.tmp-4242'), '{"half": ')
    writeFileSync(join(storeFolder, '2026-11-30.last-good.json.tmp-4242'), '{}')
    writeFileSync(join(storeFolder, '2026-12-01.json.tmp-4242'), '{"never renamed": ')

    const store = await openStore()

    expect(store.all()).toHaveLength(2)
    expect(readdirSync(storeFolder).sort()).toEqual(['2026-11-30.json', '2026-11-30.last-good.json', 'manifest.json', 'manifest.last-good.json'])
  })

  it('reports a read-only folder', async () => {
    const source = join(dataDir, 'data')
    mkdirSync(source)
    const readOnly = mountReadOnly(source)

    const error = await rejection(JobStore.open(readOnly))

    expect((error as StoreError).code).toBe('UNWRITABLE')
    expect((error as StoreError).errno).toBe('EROFS')
    expect(error.message).toContain(`cannot write ${readOnly}/pui-monitor.lock (EROFS)`)
    expect(readdirSync(source)).toEqual([])
  })

  it('keeps changes a failed write missed', async () => {
    const source = join(dataDir, 'data')
    mkdirSync(source)
    mountPoint = join(dataDir, '..', `${dataDir.split('/').pop()}-ro`)
    mkdirSync(mountPoint)
    execFileSync('mount', ['--bind', source, mountPoint])
    const store = await JobStore.open(mountPoint)
    const job = await store.create(newJob(1))
    execFileSync('mount', ['-o', 'remount,ro,bind', mountPoint])

    const error = await rejection(store.updateProcessing(job.id, { status: 'RUNNING' }))

    expect((error as StoreError).code).toBe('UNWRITABLE')
    expect(error.message).toBe(
      `job store: saving: cannot write ${mountPoint}/jobs/2026-11-30.journal (EROFS): the file system is read-only: remount it read-write or choose another --data folder`,
    )
    expect(store.get(job.id)?.status).toBe('RUNNING')
    const partitionPath = join(source, 'jobs', '2026-11-30.json')
    expect(readDayJobs(join(source, 'jobs'), '2026-11-30')[0]?.status).toBe('PENDING')

    execFileSync('mount', ['-o', 'remount,rw,bind', mountPoint])
    await store.close()
    expect(JSON.parse(readFileSync(partitionPath, 'utf8')).jobs[0].status).toBe('RUNNING')
    expect(readdirSync(source)).toEqual(['jobs'])
    // The day's first day file is the one close writes, so it has no last-good copy yet.
    expect(readdirSync(join(source, 'jobs')).sort()).toEqual(['2026-11-30.json', 'manifest.json', 'manifest.last-good.json'])
  })

  it('survives a full disk', async () => {
    mountPoint = join(dataDir, '..', `${dataDir.split('/').pop()}-full`)
    mkdirSync(mountPoint)
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint])
    const store = await JobStore.open(mountPoint)

    let failure: Error | null = null
    let saved = 0
    for (let sequence = 1; sequence <= 1000 && failure === null; sequence += 1) {
      try {
        await store.create(newJob(sequence, { fileName: `${'x'.repeat(400)}_${sequence}.txt` }))
        saved = sequence
      } catch (error) {
        failure = error as Error
      }
    }

    expect(failure, 'the 64 KiB tmpfs never filled up').toBeInstanceOf(StoreError)
    expect((failure as StoreError).errno).toBe('ENOSPC')
    expect(failure!.message).toContain('(ENOSPC): free some space on that disk, or choose another --data folder')
    expect(readdirSync(mountPoint).sort()).toEqual(['jobs', 'pui-monitor.lock'])
    expect(readdirSync(join(mountPoint, 'jobs')).filter((name) => name.includes('.tmp-'))).toEqual([])
    // The failed save may have written the partition and failed on the manifest, or the other way round.
    const onDisk = (await JobStore.readSnapshot(mountPoint)).jobs.length
    expect(onDisk).toBeGreaterThanOrEqual(saved)
    expect(onDisk).toBeLessThanOrEqual(saved + 1)
    // The unsaved change is still in memory, so the final flush writes it again: it fails on the same full disk
    // unless only the small manifest was missing, which may fit once the failed write's temporary file is gone.
    const closeError = await store.close().then(
      () => null,
      (error: unknown) => error as StoreError,
    )
    if (closeError === null) {
      expect((await JobStore.readSnapshot(mountPoint)).jobs.length).toBe(saved + 1)
    } else {
      expect(closeError.errno).toBe('ENOSPC')
    }
    expect(readdirSync(mountPoint)).not.toContain('pui-monitor.lock')
  })

  it('recovers after kill -9 mid-write', async () => {
    let lastSaved = 0
    for (let round = 0; round < 3; round += 1) {
      const child = spawnStoreChild('churn', dataDir)
      const target = lastSaved + 10 + round * 7
      await child.waitFor((event) => event.event === 'saved' && (event.records as number) >= target)
      await child.kill()
      // The child's changes since the last start are appends to the day's journal, which the next open replays.
      expect(readdirSync(storeFolder).filter((name) => name.endsWith('.journal'))).toHaveLength(1)

      const store = await openStore()

      expect(store.recovery).toBeNull()
      expect(readdirSync(storeFolder).filter((name) => name.includes('.tmp-'))).toEqual([])
      const job = store.get('J000001')!
      expect(job.counts.records).toBeGreaterThanOrEqual(target)
      expect(job.log.at(-1)?.message).toMatch(/^saved \d+$/)
      lastSaved = job.counts.records
      await store.close()
    }
  })

  it('reads a snapshot without the lock', async () => {
    const store = await openStore()
    await store.create(newJob(1))
    await store.create(newJob(2))

    const snapshot = await JobStore.readSnapshot(dataDir)

    expect(snapshot.jobs).toEqual(store.all())
    expect(snapshot.retiredRows).toEqual([])
  })

  it('snapshot rejects a damaged file', async () => {
    await writeTwoVersions()
    writeFileSync(storePath, '{"schemaVersion": 2,')
    const namesBefore = readdirSync(storeFolder).sort()

    const error = await rejection(JobStore.readSnapshot(dataDir))

    expect((error as StoreError).code).toBe('CORRUPT')
    expect(error.message).toMatch(new RegExp(`^job store: ${storePath} could not be loaded \\(invalid JSON: `))
    expect(error.message).toContain('start PUI Monitor without a read-only command to move it aside')
    expect(readFileSync(storePath, 'utf8')).toBe('{"schemaVersion": 2,')
    expect(readdirSync(storeFolder).sort()).toEqual(namesBefore)
  })

  it('snapshot reads last-good without writing', async () => {
    await writeTwoVersions()
    rmSync(storePath)

    const { jobs } = await JobStore.readSnapshot(dataDir)

    expect(jobs.map((job) => job.id)).toEqual(['J000001'])
    expect(existsSync(storePath)).toBe(false)
  })

  it('snapshot rejects a missing folder', async () => {
    const missing = join(dataDir, 'nowhere')

    const error = await rejection(JobStore.readSnapshot(missing))

    expect((error as StoreError).code).toBe('NO_DATA_FOLDER')
    expect(error.message).toBe(`job store: the data folder ${missing} does not exist (ENOENT): check the --data folder`)
  })
})
