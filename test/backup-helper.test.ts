import { existsSync, unlinkSync } from 'node:fs'
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Job } from '../shared/job'
import type { BackupCallback } from '../shared/status'
import { BackupHelper, initialArchivalStatus, type BackupHelperOptions } from '../main/core/backup-helper'
import type { JobRepository } from '../main/core/job-store-contract'
import { JobStore } from '../main/core/job-store'
import { BUILT_IN_JOB_TYPES, JobTypeRegistry } from '../main/core/job-types'
import type { CoreLogger } from '../main/core/logger'
import { BackupError, clashCandidates } from '../main/core/safe-copy'
import { FsFaults, listFiles, sampleContent, sha256Of, sha256OfFile } from './helpers/fs-faults'

const CONTENT = 'account_number|account_name|document_date|document_file|page_count\n1234|Ada|20261130|a.pdf|2\n'
const COUNTS = { records: 1, accepted: 1, rejected: 0, pages: 2 }
const ARCHIVAL_FIELDS = ['archivalStatus', 'archivePath', 'backupAttempts', 'failureAcknowledgedAt', 'log'] as const

let faults: FsFaults
let indexDir: string
let archiveDir: string
let store: JobStore
let logLines: string[]
let logger: CoreLogger
let failedJobs: Job[]
let storeWrites: string[]

beforeEach(async () => {
  faults = new FsFaults()
  indexDir = await faults.tempDir('pui-index')
  archiveDir = await faults.tempDir('pui-archive')
  store = await JobStore.open(await faults.tempDir('pui-data'))
  logLines = []
  failedJobs = []
  storeWrites = []
  logger = {
    debug: (...args) => logLines.push(`debug ${args.join(' ')}`),
    info: (...args) => logLines.push(`info ${args.join(' ')}`),
    warn: (...args) => logLines.push(`warn ${args.join(' ')}`),
    error: (...args) => logLines.push(`error ${args.join(' ')}`),
  }
})

afterEach(async () => {
  await store.close()
  await faults.cleanup()
})

/** The real store, with the name of every method BackupHelper calls that writes recorded in `storeWrites`. */
function recordingStore(): JobRepository {
  const writes = new Set(['create', 'updateProcessing', 'updateArchival', 'appendLog'])
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        if (writes.has(String(property))) storeWrites.push(String(property))
        return value.apply(target, args)
      }
    },
  })
}

function makeHelper(overrides: Partial<BackupHelperOptions> = {}): BackupHelper {
  return new BackupHelper({
    store: recordingStore(),
    jobTypes: new JobTypeRegistry(BUILT_IN_JOB_TYPES),
    archiveDir,
    retries: 2,
    minDelayMs: 1,
    maxDelayMs: 4,
    logger,
    onBackupFailure: (job) => failedJobs.push(job),
    ...overrides,
  })
}

interface ProcessedJobInit {
  jobType?: string | null
  backupCallback?: BackupCallback
  content?: string | Buffer
  folder?: string
  fileName?: string
}

/** Writes an index file and records it as a processed `SUCCESS` job, as the pipeline does before the callback. */
async function processedJob(init: ProcessedJobInit = {}): Promise<Job> {
  const jobType = init.jobType === undefined ? 'stmt' : init.jobType
  const fileName = init.fileName ?? `acme_${jobType ?? 'stmt'}_20261130_1.txt`
  const content = init.content ?? CONTENT
  const backupCallback = init.backupCallback ?? 'archive'
  const sourcePath = join(init.folder ?? indexDir, fileName)
  await writeFile(sourcePath, content)
  const stats = await stat(sourcePath)

  const created = await store.create({
    fileName,
    sourcePath,
    detectedSize: stats.size,
    detectedMtimeMs: stats.mtimeMs,
    detectedAt: new Date().toISOString(),
    backupCallback,
    archivalStatus: initialArchivalStatus(backupCallback),
    jobType,
    client: 'acme',
    cycleDate: '2026-11-30',
  })
  return store.updateProcessing(created.id, {
    status: 'SUCCESS',
    sha256: sha256Of(content),
    size: stats.size,
    counts: COUNTS,
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
  })
}

/** Returns the job without its archival fields and log, the part BackupHelper must never change. */
function processingPart(job: Job): Omit<Job, (typeof ARCHIVAL_FIELDS)[number]> {
  const copy: Partial<Job> = structuredClone(job)
  for (const field of ARCHIVAL_FIELDS) delete copy[field]
  return copy as Omit<Job, (typeof ARCHIVAL_FIELDS)[number]>
}

function stored(job: Job): Job {
  const found = store.get(job.id)
  if (found === undefined) throw new Error(`job ${job.id} is missing from the store`)
  return found
}

function archivedPath(fileName: string): string {
  return join(archiveDir, 'acme', '2026', '11', fileName)
}

function expectOnlyArchivalWrites(): void {
  expect(storeWrites.length).toBeGreaterThan(0)
  expect(storeWrites.filter((name) => name !== 'updateArchival' && name !== 'appendLog')).toEqual([])
}

describe('initialArchivalStatus', () => {
  it('maps each callback to a status', () => {
    expect(initialArchivalStatus('archive')).toBe('PENDING')
    expect(initialArchivalStatus('move-only')).toBe('NOT_REQUIRED')
    expect(initialArchivalStatus('none')).toBe('NOT_REQUIRED')
    expect(BackupHelper.initialArchivalStatus('archive')).toBe('PENDING')
  })
})

describe('BackupHelper.destinationFor', () => {
  it('expands the job type layout', async () => {
    const job = await processedJob({ jobType: 'notice' })

    expect(makeHelper().destinationFor(job)).toBe(join(archiveDir, 'acme', 'notices', '2026', '11', job.fileName))
  })

  it('uses default layout without job type', async () => {
    const job = await processedJob({ jobType: 'retired' })

    expect(makeHelper().destinationFor(job)).toBe(archivedPath(job.fileName))
  })
})

describe('BackupHelper.runBackupCallback', () => {
  it('archives and records BACKED_UP', async () => {
    const job = await processedJob()

    const after = await makeHelper().runBackupCallback(job)

    expect(after.archivalStatus).toBe('BACKED_UP')
    expect(after.archivePath).toBe(archivedPath(job.fileName))
    expect(after.backupAttempts).toHaveLength(1)
    expect(after.backupAttempts[0]).toMatchObject({ outcome: 'success', code: null })
    expect(after.backupAttempts[0]?.message).toContain(`archived as ${archivedPath(job.fileName)}`)
    expect(after.log.map((entry) => entry.message).join('\n')).toContain('backup: archived as')
    expect(processingPart(after)).toEqual(processingPart(job))
    expect(await readFile(archivedPath(job.fileName), 'utf8')).toBe(CONTENT)
    expect(existsSync(job.sourcePath)).toBe(false)
    expect(stored(job)).toEqual(after)
    expectOnlyArchivalWrites()
  })

  it('archives across devices', async () => {
    const shmIndex = await faults.sharedMemoryDir('pui-index')
    expect((await stat(shmIndex)).dev).not.toBe((await stat(archiveDir)).dev)
    const content = sampleContent(2 * 1024 * 1024 + 5)
    const job = await processedJob({ folder: shmIndex, content })

    const after = await makeHelper().runBackupCallback(job)

    expect(after.archivalStatus).toBe('BACKED_UP')
    expect(after.backupAttempts[0]?.outcome).toBe('success')
    expect(await sha256OfFile(archivedPath(job.fileName))).toBe(sha256Of(content))
    expect(existsSync(job.sourcePath)).toBe(false)
    expect(await listFiles(archiveDir)).toEqual([`acme/2026/11/${job.fileName}`])
  })

  it('treats identical archive file as done', async () => {
    const job = await processedJob()
    await mkdir(join(archiveDir, 'acme', '2026', '11'), { recursive: true })
    await writeFile(archivedPath(job.fileName), CONTENT)
    const before = await stat(archivedPath(job.fileName))

    const after = await makeHelper().runBackupCallback(job)

    expect(after.archivalStatus).toBe('BACKED_UP')
    expect(after.archivePath).toBe(archivedPath(job.fileName))
    expect(after.backupAttempts[0]?.message).toContain('already archived')
    expect(existsSync(job.sourcePath)).toBe(false)
    const now = await stat(archivedPath(job.fileName))
    expect(now.ino).toBe(before.ino)
    expect(now.mtimeMs).toBe(before.mtimeMs)
    expect(await listFiles(archiveDir)).toEqual([`acme/2026/11/${job.fileName}`])
  })

  it('renames when archive holds other content', async () => {
    const job = await processedJob()
    const older = sampleContent(777)
    await mkdir(join(archiveDir, 'acme', '2026', '11'), { recursive: true })
    await writeFile(archivedPath(job.fileName), older)

    const after = await makeHelper().runBackupCallback(job)

    const renamed = archivedPath(`acme_stmt_20261130_1.${sha256Of(CONTENT).slice(0, 8)}.txt`)
    expect(after.archivalStatus).toBe('BACKED_UP')
    expect(after.archivePath).toBe(renamed)
    expect(await readFile(renamed, 'utf8')).toBe(CONTENT)
    expect((await readFile(archivedPath(job.fileName))).equals(older)).toBe(true)
    expect(existsSync(job.sourcePath)).toBe(false)
  })

  it('fails without retry when source vanished', async () => {
    const job = await processedJob()
    await rm(job.sourcePath)

    const after = await makeHelper().runBackupCallback(job)

    expect(after.archivalStatus).toBe('BACKUP_FAILURE')
    expect(after.backupAttempts).toHaveLength(1)
    expect(after.backupAttempts[0]).toMatchObject({ outcome: 'failure', code: 'SOURCE_MISSING' })
    expect(after.backupAttempts[0]?.message).toContain(`source file is gone: ${job.sourcePath}`)
    expect(after.log.at(-1)?.message).toContain('backup failed (SOURCE_MISSING)')
    expect(processingPart(after)).toEqual(processingPart(job))
    expect(failedJobs.map((failed) => failed.id)).toEqual([job.id])
    expect(failedJobs[0]?.archivalStatus).toBe('BACKUP_FAILURE')
    expect(await listFiles(archiveDir)).toEqual([])
  })

  it('keeps source changed after processing', async () => {
    const job = await processedJob()
    const changed = `${CONTENT}9999|Late|20261130|b.pdf|1\n`
    await writeFile(job.sourcePath, changed)

    const after = await makeHelper().runBackupCallback(job)

    expect(after.archivalStatus).toBe('BACKUP_FAILURE')
    expect(after.backupAttempts).toHaveLength(1)
    expect(after.backupAttempts[0]?.code).toBe('SOURCE_CHANGED')
    expect(after.backupAttempts[0]?.message).toContain(`expected sha256 ${job.sha256}, found ${sha256Of(changed)}`)
    expect(processingPart(after)).toEqual(processingPart(job))
    expect(await readFile(job.sourcePath, 'utf8')).toBe(changed)
    expect(await listFiles(archiveDir)).toEqual([])
  })

  it('fails after retries on full disk', async () => {
    const smallDisk = await faults.smallTmpfs(64 * 1024)
    const content = sampleContent(200 * 1024)
    const job = await processedJob({ content })

    const after = await makeHelper({ archiveDir: smallDisk }).runBackupCallback(job)

    expect(after.archivalStatus).toBe('BACKUP_FAILURE')
    expect(after.backupAttempts.map((attempt) => attempt.code)).toEqual(['ENOSPC', 'ENOSPC', 'ENOSPC'])
    expect(after.backupAttempts.every((attempt) => attempt.outcome === 'failure')).toBe(true)
    expect(after.backupAttempts[2]?.message).toContain('(ENOSPC): the archive disk is full')
    const retries = logLines.filter((line) => line.startsWith('warn') && line.includes('retrying'))
    expect(retries).toHaveLength(2)
    expect(retries[0]).toContain(`job ${job.id} (${job.fileName}) attempt 1 failed (ENOSPC)`)
    expect(after.log.filter((entry) => entry.message.includes('retrying'))).toHaveLength(2)
    expect(processingPart(after)).toEqual(processingPart(job))
    expect(await listFiles(smallDisk)).toEqual([])
    expect(await sha256OfFile(job.sourcePath)).toBe(sha256Of(content))
    expect(failedJobs).toHaveLength(1)
    expectOnlyArchivalWrites()
  })

  it('succeeds when space frees before retry', async () => {
    const smallDisk = await faults.smallTmpfs(64 * 1024)
    const filler = join(smallDisk, 'filler.bin')
    await writeFile(filler, sampleContent(56 * 1024))
    const job = await processedJob({ content: sampleContent(20 * 1024) })
    const freeingLogger = {
      ...logger,
      warn: (...args: unknown[]) => {
        logger.warn(...args)
        if (existsSync(filler)) unlinkSync(filler)
      },
    }

    const after = await makeHelper({ archiveDir: smallDisk, logger: freeingLogger }).runBackupCallback(job)

    expect(after.archivalStatus).toBe('BACKED_UP')
    expect(after.backupAttempts.map((attempt) => [attempt.outcome, attempt.code])).toEqual([
      ['failure', 'ENOSPC'],
      ['success', null],
    ])
    expect(await listFiles(smallDisk)).toEqual([`acme/2026/11/${job.fileName}`])
    expect(existsSync(job.sourcePath)).toBe(false)
    expect(failedJobs).toEqual([])
  })

  it('reports read-only archive without retry', async () => {
    const readOnlyArchive = await faults.readOnlyView(archiveDir)
    const job = await processedJob()

    const after = await makeHelper({ archiveDir: readOnlyArchive }).runBackupCallback(job)

    expect(after.archivalStatus).toBe('BACKUP_FAILURE')
    expect(after.backupAttempts).toHaveLength(1)
    expect(after.backupAttempts[0]?.code).toBe('EROFS')
    expect(after.backupAttempts[0]?.message).toContain(
      `backup: cannot create archive folder ${join(readOnlyArchive, 'acme', '2026', '11')} (EROFS)`,
    )
    expect(processingPart(after)).toEqual(processingPart(job))
    expect(await readFile(job.sourcePath, 'utf8')).toBe(CONTENT)
    expect(await listFiles(archiveDir)).toEqual([])
  })

  it('reports archive path through file', async () => {
    await writeFile(join(archiveDir, 'acme'), 'a file where the client folder belongs')
    const job = await processedJob()

    const after = await makeHelper().runBackupCallback(job)

    expect(after.archivalStatus).toBe('BACKUP_FAILURE')
    expect(after.backupAttempts[0]?.code).toBe('ENOTDIR')
    const folder = join(archiveDir, 'acme', '2026', '11')
    expect(after.backupAttempts[0]?.message).toContain(`cannot create archive folder ${folder} (ENOTDIR)`)
    expect(await readFile(job.sourcePath, 'utf8')).toBe(CONTENT)
    expect(await listFiles(archiveDir)).toEqual(['acme'])
  })

  it('moves move-only file across devices', async () => {
    const shmIndex = await faults.sharedMemoryDir('pui-index')
    expect((await stat(shmIndex)).dev).not.toBe((await stat(archiveDir)).dev)
    const job = await processedJob({ jobType: 'insert', backupCallback: 'move-only', folder: shmIndex })

    const after = await makeHelper().runBackupCallback(job)

    const moved = join(archiveDir, 'acme', 'inserts', '2026', job.fileName)
    expect(after.archivalStatus).toBe('NOT_REQUIRED')
    expect(after.archivePath).toBeNull()
    expect(after.backupAttempts).toEqual([])
    expect(after.log.at(-1)?.message).toBe(`backup: moved to ${moved}`)
    expect({ ...after, log: [] }).toEqual({ ...job, log: [] })
    expect(await readFile(moved, 'utf8')).toBe(CONTENT)
    expect(existsSync(job.sourcePath)).toBe(false)
    expect(storeWrites).toEqual(['appendLog'])
  })

  it('logs move-only failure without status', async () => {
    const readOnlyArchive = await faults.readOnlyView(archiveDir)
    const job = await processedJob({ jobType: 'insert', backupCallback: 'move-only' })

    const moveFailures: string[] = []
    const helper = makeHelper({ archiveDir: readOnlyArchive, onMoveFailure: (_job, message) => moveFailures.push(message) })

    const after = await helper.runBackupCallback(job)

    expect(after.archivalStatus).toBe('NOT_REQUIRED')
    expect(after.backupAttempts).toEqual([])
    expect(after.log.at(-1)?.message).toContain('backup: move failed (EROFS): cannot create archive folder')
    expect(moveFailures).toHaveLength(1)
    expect(moveFailures[0]).toContain(`job ${job.id}`)
    expect(moveFailures[0]).toContain('the file stays in the index folder')
    expect({ ...after, log: [] }).toEqual({ ...job, log: [] })
    expect(await readFile(job.sourcePath, 'utf8')).toBe(CONTENT)
    expect(failedJobs).toEqual([])
    expect(storeWrites).toEqual(['appendLog'])
  })

  it('leaves none callback alone', async () => {
    const job = await processedJob({ jobType: 'ack', backupCallback: 'none' })

    const after = await makeHelper().runBackupCallback(job)

    expect(after).toEqual(job)
    expect(stored(job)).toEqual(job)
    expect(await readFile(job.sourcePath, 'utf8')).toBe(CONTENT)
    expect(await listFiles(archiveDir)).toEqual([])
    expect(storeWrites).toEqual([])
  })

  it('skips job without job type', async () => {
    const job = await processedJob({ jobType: null, fileName: 'unknown-file.txt' })

    const after = await makeHelper().runBackupCallback(job)

    expect(after).toEqual(job)
    expect(await readFile(job.sourcePath, 'utf8')).toBe(CONTENT)
    expect(await listFiles(archiveDir)).toEqual([])
    expect(storeWrites).toEqual([])
  })
})

describe('BackupHelper.updateStatusAfterFailure', () => {
  it('changes only archival fields', async () => {
    const job = await processedJob()
    const helper = makeHelper()
    const message = 'backup: cannot create archive folder /x (EACCES)'
    const timing = { at: '2026-12-01T00:00:00.000Z', durationMs: 12 }

    const after = await helper.updateStatusAfterFailure(job, new BackupError('EACCES', message), timing)

    expect(processingPart(after)).toEqual(processingPart(job))
    expect(after.archivalStatus).toBe('BACKUP_FAILURE')
    expect(after.archivePath).toBe(job.archivePath)
    expect(after.backupAttempts).toEqual([
      { at: '2026-12-01T00:00:00.000Z', outcome: 'failure', code: 'EACCES', message, durationMs: 12 },
    ])
    expect(after.log.at(-1)?.message).toBe('backup failed (EACCES): cannot create archive folder /x (EACCES)')
    expectOnlyArchivalWrites()
  })
})

describe('BackupHelper.retryBackup', () => {
  it('backs up after the archive is repaired', async () => {
    const blocker = join(archiveDir, 'acme')
    await writeFile(blocker, 'a file where the client folder belongs')
    const job = await processedJob()
    const helper = makeHelper()
    const failed = await helper.runBackupCallback(job)
    expect(failed.archivalStatus).toBe('BACKUP_FAILURE')
    await rm(blocker)

    const after = await helper.retryBackup(job.id)

    expect(after.archivalStatus).toBe('BACKED_UP')
    expect(after.archivePath).toBe(archivedPath(job.fileName))
    expect(after.backupAttempts.map((attempt) => [attempt.outcome, attempt.code])).toEqual([
      ['failure', 'ENOTDIR'],
      ['success', null],
    ])
    expect(after.status).toBe('SUCCESS')
    expect(after.counts).toEqual(COUNTS)
    expect(processingPart(after)).toEqual(processingPart(job))
    expect(await readFile(archivedPath(job.fileName), 'utf8')).toBe(CONTENT)
    expect(existsSync(job.sourcePath)).toBe(false)
    expectOnlyArchivalWrites()
  })

  it('rejects job not in BACKUP_FAILURE', async () => {
    const job = await processedJob()
    const helper = makeHelper()

    await expect(helper.retryBackup(job.id)).rejects.toThrow(
      `backup: cannot retry job ${job.id} (${job.fileName}): its archival status is PENDING`,
    )
    await helper.runBackupCallback(job)
    await expect(helper.retryBackup(job.id)).rejects.toThrow(`its archival status is BACKED_UP`)
    await expect(helper.retryBackup('J999999')).rejects.toThrow('backup: cannot retry job J999999')
    expect(stored(job).backupAttempts).toHaveLength(1)
  })
})

describe('BackupHelper.reconcile', () => {
  it('finishes copy placed before a crash', async () => {
    const job = await processedJob()
    await store.updateArchival(job.id, { archivalStatus: 'IN_PROGRESS' })
    await mkdir(join(archiveDir, 'acme', '2026', '11'), { recursive: true })
    await writeFile(archivedPath(job.fileName), CONTENT)
    const staleTemp = archivedPath(`.${job.fileName}.0123abcd.pui-tmp`)
    await writeFile(staleTemp, CONTENT.slice(0, 10))

    const after = await makeHelper().reconcile(job)

    expect(after.archivalStatus).toBe('BACKED_UP')
    expect(after.archivePath).toBe(archivedPath(job.fileName))
    expect(after.backupAttempts[0]?.message).toContain('already archived')
    expect(existsSync(job.sourcePath)).toBe(false)
    expect(existsSync(staleTemp)).toBe(false)
    expect(await listFiles(archiveDir)).toEqual([`acme/2026/11/${job.fileName}`])
    expect(processingPart(after)).toEqual(processingPart(job))
  })

  it('records copy under clash name', async () => {
    const job = await processedJob()
    await store.updateArchival(job.id, { archivalStatus: 'IN_PROGRESS' })
    await mkdir(join(archiveDir, 'acme', '2026', '11'), { recursive: true })
    const [destination, hashName] = clashCandidates(archivedPath(job.fileName), sha256Of(CONTENT))
    await writeFile(destination as string, 'other content under the same name\n')
    await writeFile(hashName as string, CONTENT)
    await rm(job.sourcePath)

    const after = await makeHelper().reconcile(job)

    expect(after.archivalStatus).toBe('BACKED_UP')
    expect(after.archivePath).toBe(hashName)
    expect(await readFile(destination as string, 'utf8')).toBe('other content under the same name\n')
  })

  it('backs up pending job still in index', async () => {
    const job = await processedJob()

    const after = await makeHelper().reconcile(job)

    expect(after.archivalStatus).toBe('BACKED_UP')
    expect(await readFile(archivedPath(job.fileName), 'utf8')).toBe(CONTENT)
    expect(existsSync(job.sourcePath)).toBe(false)
  })

  it('fails when source and copy are gone', async () => {
    const job = await processedJob()
    await store.updateArchival(job.id, { archivalStatus: 'IN_PROGRESS' })
    await rm(job.sourcePath)

    const after = await makeHelper().reconcile(job)

    expect(after.archivalStatus).toBe('BACKUP_FAILURE')
    expect(after.backupAttempts[0]?.code).toBe('SOURCE_MISSING')
    expect(after.backupAttempts[0]?.message).toContain(
      `backup: source and archived copy are both gone: ${job.sourcePath}`,
    )
    expect(processingPart(after)).toEqual(processingPart(job))
    expect(failedJobs.map((failed) => failed.id)).toEqual([job.id])
    expect(await listFiles(archiveDir)).toEqual([])
  })

  it('leaves unfinished and settled jobs alone', async () => {
    const running = await processedJob({ fileName: 'acme_stmt_20261130_2.txt' })
    await store.updateProcessing(running.id, { status: 'RUNNING' })
    const settled = await processedJob({ fileName: 'acme_stmt_20261130_3.txt' })
    await store.updateArchival(settled.id, { archivalStatus: 'BACKUP_FAILURE' })
    const helper = makeHelper()
    storeWrites.length = 0

    expect(await helper.reconcile(running)).toEqual(stored(running))
    expect(await helper.reconcile(settled)).toEqual(stored(settled))
    expect(stored(running).archivalStatus).toBe('PENDING')
    expect(stored(settled).archivalStatus).toBe('BACKUP_FAILURE')
    expect(storeWrites).toEqual([])
    expect(await listFiles(archiveDir)).toEqual([])
  })
})
