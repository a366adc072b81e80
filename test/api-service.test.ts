import { execFileSync } from 'node:child_process'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ApiCallError, type ApiError, type JobQuery, type PuiEvent, type SettingsPatch } from '../shared/api'
import type { MonitorEvent } from '../shared/events'
import type { Settings } from '../shared/schemas'
import { reportToCsv } from '../main/core/accounting'
import { Monitor } from '../main/core/monitor'
import { SETTINGS_FILE_NAME } from '../main/core/settings'
import { ApiService, SAMPLE_FILE_COUNT } from '../main/serve/api-service'
import { makeTestSettings } from './helpers/test-settings'
import { FsFaults } from './helpers/fs-faults'
import { writeIndexFile } from './helpers/index-files'
import { waitForSettledJobs, waitUntil } from './helpers/wait'

async function expectApiError(call: Promise<unknown>, code: ApiError['code'], messagePart: string): Promise<ApiCallError> {
  const error = await call.then(
    () => null,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(ApiCallError)
  const apiError = error as ApiCallError
  expect(apiError.error.code).toBe(code)
  expect(apiError.error.message).toContain(messagePart)
  return apiError
}

describe('ApiService', () => {
  let faults: FsFaults
  let settings: Settings
  let monitor: Monitor | null
  let api: ApiService | null

  beforeEach(async () => {
    faults = new FsFaults()
    const root = await faults.tempDir('pui-api')
    settings = await makeTestSettings(root, { backupRetries: 0 })
    monitor = null
    api = null
  })
  afterEach(async () => {
    api?.close()
    await monitor?.stop()
    await faults.cleanup()
  })

  async function start(overrides: Partial<Settings> = {}, options: { batchIntervalMs?: number } = {}): Promise<{ monitor: Monitor; api: ApiService }> {
    monitor = await Monitor.open({ ...settings, ...overrides })
    api = new ApiService(monitor, options)
    await monitor.start()
    return { monitor, api }
  }

  it('lists jobs with counts', async () => {
    const { monitor, api } = await start()
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 3)
    await writeIndexFile(settings.indexDir, 'readme.txt', 1)
    await waitForSettledJobs(monitor, 2)

    const page = await api.listJobs({ sort: { column: 'fileName', direction: 'asc' } })

    expect(page.total).toBe(2)
    expect(page.rows.map((row) => [row.fileName, row.status, row.archivalStatus])).toEqual([
      ['acme_stmt_20261130_1.txt', 'SUCCESS', 'BACKED_UP'],
      ['readme.txt', 'FAILED', 'NOT_REQUIRED'],
    ])
    expect(page.counts).toEqual({ total: 2, running: 0, failed: 1, backupFailures: 0 })
    expect((await api.listJobs({ failuresOnly: true })).rows.map((row) => row.fileName)).toEqual(['readme.txt'])
  })

  it('rejects an invalid query naming the field', async () => {
    const { api } = await start()

    await expectApiError(api.listJobs({ limit: 5_000 }), 'INVALID_REQUEST', 'limit')
    await expectApiError(api.listJobs({ colour: 'red' } as JobQuery), 'INVALID_REQUEST', 'colour')
    await expectApiError(api.listJobs({ sort: { column: 'sha256', direction: 'asc' } } as unknown as JobQuery), 'INVALID_REQUEST', 'sort.column')
  })

  it('finds a job by id only', async () => {
    const { monitor, api } = await start()
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 3)
    const [job] = await waitForSettledJobs(monitor, 1)

    expect((await api.getJob(job!.id)).fileName).toBe('acme_stmt_20261130_1.txt')
    await expectApiError(api.getJob('J999999'), 'NOT_FOUND', 'J999999')
    await expectApiError(api.getJob('../../etc/passwd'), 'NOT_FOUND', 'job ids look like J000042')
    await expectApiError(api.getJob(join(settings.indexDir, 'acme_stmt_20261130_1.txt')), 'NOT_FOUND', 'job ids look like')
    await expectApiError(api.getJob(42 as unknown as string), 'INVALID_REQUEST', 'expected a string')
  })

  it('rejects retry of a backed-up job', async () => {
    const { monitor, api } = await start()
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 3)
    const [job] = await waitForSettledJobs(monitor, 1)

    await expectApiError(api.retryBackup(job!.id), 'CONFLICT', 'BACKED_UP')
    expect(monitor.job(job!.id)?.archivalStatus).toBe('BACKED_UP')
    expect(monitor.job(job!.id)?.backupAttempts).toHaveLength(job!.backupAttempts.length)
  })

  it('retries failed backups matching the query', async () => {
    const archive = await faults.tempDir('pui-archive')
    const readOnlyArchive = await faults.readOnlyView(archive)
    const { monitor, api } = await start({ archiveDir: readOnlyArchive })
    let backupFailures = 0
    monitor.subscribe((event) => {
      if (event.type === 'backup-failed') backupFailures += 1
    })
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 3)
    await writeIndexFile(settings.indexDir, 'globex_stmt_20261130_1.txt', 4)
    await writeIndexFile(settings.indexDir, 'hooli_stmt_20261130_1.txt', 5)
    const jobs = await waitForSettledJobs(monitor, 3)
    // BACKUP_FAILURE shows in memory before it is on disk; BackupHelper skips a retry until then.
    await waitUntil(() => backupFailures === 3, 'three backup-failed events')
    const reportBefore = await api.exportReportCsv({})

    expect(jobs.map((job) => job.archivalStatus)).toEqual(['BACKUP_FAILURE', 'BACKUP_FAILURE', 'BACKUP_FAILURE'])
    expect((await api.listJobs({})).counts.backupFailures).toBe(3)

    const stillReadOnly = await api.retryFailedBackups({ text: 'acme', limit: 1, offset: 7 })
    expect(stillReadOnly).toEqual({ retried: 1, backedUp: 0, stillFailing: 1 })

    execFileSync('mount', ['-o', 'remount,rw,bind', readOnlyArchive])
    const acme = jobs.find((job) => job.client === 'acme')!
    const retried = await api.retryBackup(acme.id)
    expect(retried.archivalStatus).toBe('BACKED_UP')
    expect(retried.status).toBe('SUCCESS')

    const bulk = await api.retryFailedBackups({ text: 'globex' })
    expect(bulk).toEqual({ retried: 1, backedUp: 1, stillFailing: 0 })
    const outcomes = monitor.jobs().map((job) => [job.client, job.archivalStatus])
    expect(outcomes.sort()).toEqual([
      ['acme', 'BACKED_UP'],
      ['globex', 'BACKED_UP'],
      ['hooli', 'BACKUP_FAILURE'],
    ])
    expect(await readdir(settings.indexDir)).toEqual(['hooli_stmt_20261130_1.txt'])
    expect(await api.exportReportCsv({})).toBe(reportBefore)
  })

  it('rejects retry while recording a failure', async () => {
    const archive = await faults.tempDir('pui-archive')
    const readOnlyArchive = await faults.readOnlyView(archive)
    const { monitor, api } = await start({ archiveDir: readOnlyArchive })
    const earlyRetries: Promise<unknown>[] = []
    // The listener runs while BackupHelper is still finishing that backup, so the retry cannot start yet.
    monitor.subscribe((event) => {
      if (event.type !== 'backup-failed') return
      const outcome = api.retryBackup(event.job.id).then(
        () => null,
        (error: unknown) => error,
      )
      earlyRetries.push(outcome)
    })

    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 3)
    const [job] = await waitForSettledJobs(monitor, 1)
    await waitUntil(() => earlyRetries.length === 1, 'the early retry')

    await expectApiError(Promise.reject(await earlyRetries[0]), 'CONFLICT', 'still being recorded')
    expect(monitor.job(job!.id)?.backupAttempts).toHaveLength(1)
    const later = await api.retryBackup(job!.id)
    expect(later.archivalStatus).toBe('BACKUP_FAILURE')
    expect(later.backupAttempts).toHaveLength(2)
  })

  it('builds the report for a range', async () => {
    const { monitor, api } = await start()
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 3)
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261201_1.txt', 4, ['bad|line'])
    await waitForSettledJobs(monitor, 2)

    const november = await api.getReport({ from: '2026-11-01', to: '2026-11-30' })
    expect(november.rows.map((row) => [row.cycleDate, row.documents])).toEqual([['2026-11-30', 3]])
    expect(await api.exportReportCsv({ from: null, to: null })).toBe(reportToCsv(monitor.report()))

    await expectApiError(api.getReport({ from: '2026-12-01', to: '2026-11-01' }), 'INVALID_REQUEST', 'after')
    await expectApiError(api.getReport({ from: '30.11.2026' }), 'INVALID_REQUEST', 'from')
  })

  it('applies pipeline settings at once', async () => {
    const { monitor, api } = await start()

    const next = await api.updateSettings({ concurrency: 2, backupRetries: 5 })

    expect(next.concurrency).toBe(2)
    expect(monitor.settings.concurrency).toBe(2)
    expect(monitor.settings.backupRetries).toBe(5)
    expect((await api.getSettings()).concurrency).toBe(2)
    const stored = JSON.parse(await readFile(join(settings.dataDir, SETTINGS_FILE_NAME), 'utf8')) as Partial<Settings>
    expect(stored).toEqual({ concurrency: 2, backupRetries: 5 })
  })

  it('rejects invalid settings', async () => {
    const { monitor, api } = await start()

    const tooSmall = await expectApiError(api.updateSettings({ concurrency: 0 }), 'INVALID_SETTINGS', 'Concurrent jobs: must be')
    expect(tooSmall.error.message).toContain('from 1 to 64, got 0')
    await expectApiError(api.updateSettings({ dataDir: '/elsewhere' } as SettingsPatch), 'INVALID_REQUEST', 'dataDir')
    const missing = join(settings.indexDir, '..', 'no-such-folder')
    await expectApiError(api.updateSettings({ indexDir: missing }), 'INVALID_SETTINGS', 'does not exist')
    await expectApiError(api.updateSettings({ archiveDir: join(settings.indexDir, 'archive') }), 'INVALID_SETTINGS', 'inside')

    expect(monitor.settings.concurrency).toBe(settings.concurrency)
    expect(await readdir(settings.dataDir)).not.toContain(SETTINGS_FILE_NAME)
  })

  it('names settings by form label', async () => {
    const { api } = await start()

    const delays = await expectApiError(
      api.updateSettings({ backupRetryMinDelayMs: 20_000, backupRetryMaxDelayMs: 10_000 }),
      'INVALID_SETTINGS',
      'First retry delay is 20000 ms but Longest retry delay is 10000 ms',
    )
    expect(delays.error.message).not.toContain('--')
    const missing = await expectApiError(
      api.updateSettings({ indexDir: join(settings.indexDir, '..', 'no-such-folder') }),
      'INVALID_SETTINGS',
      'choose another index folder',
    )
    expect(missing.error.message).not.toContain('command line')
    const nul = await expectApiError(api.updateSettings({ archiveDir: '/srv/a\0b' }), 'INVALID_SETTINGS', 'NUL byte')
    expect(nul.error.message).not.toContain('command line')
    expect(await readdir(settings.dataDir)).not.toContain(SETTINGS_FILE_NAME)
  })

  it('saves folder changes for the next start', async () => {
    const { monitor, api } = await start()
    const nextIndex = await faults.tempDir('pui-next-index')

    const next = await api.updateSettings({ indexDir: nextIndex, concurrency: 3 })

    expect(next.indexDir).toBe(nextIndex)
    expect((await api.getSettings()).indexDir).toBe(nextIndex)
    expect((await api.getStatus()).indexDir).toBe(settings.indexDir)
    expect(monitor.settings.indexDir).toBe(settings.indexDir)
    expect(monitor.settings.concurrency).toBe(3)
    const stored = JSON.parse(await readFile(join(settings.dataDir, SETTINGS_FILE_NAME), 'utf8')) as Partial<Settings>
    expect(stored.indexDir).toBe(nextIndex)
  })

  it('pauses and resumes with status events', async () => {
    const { api } = await start()
    const events: PuiEvent[] = []
    api.subscribe((event) => events.push(event))

    expect((await api.pause()).paused).toBe(true)
    expect((await api.getStatus()).paused).toBe(true)
    expect((await api.resume()).paused).toBe(false)
    expect(events).toEqual([
      { type: 'status-changed', status: expect.objectContaining({ paused: true }) },
      { type: 'status-changed', status: expect.objectContaining({ paused: false }) },
    ])
  })

  it('reports a missing index folder', async () => {
    const { api } = await start({ sweepIntervalMs: 100 })
    const events: PuiEvent[] = []
    api.subscribe((event) => events.push(event))

    await rm(settings.indexDir, { recursive: true })
    await waitUntil(() => events.some((event) => event.type === 'status-changed'), 'a status-changed event')

    const status = await api.getStatus()
    expect(status.indexFolderProblem).toContain(settings.indexDir)
    expect(events[0]).toEqual({ type: 'status-changed', status })

    await mkdir(settings.indexDir)
    await waitUntil(() => events.length >= 2, 'a second status-changed event')
    expect(events[1]).toEqual({ type: 'status-changed', status: expect.objectContaining({ indexFolderProblem: null }) })
  })

  it('writes sample files without overwriting', async () => {
    const { monitor, api } = await start()
    await writeFile(join(settings.indexDir, 'keep-me.txt'), 'untouched\n')

    expect(await api.loadSampleFiles()).toEqual({ written: SAMPLE_FILE_COUNT })
    const jobs = await waitForSettledJobs(monitor, SAMPLE_FILE_COUNT + 1)

    expect(jobs).toHaveLength(SAMPLE_FILE_COUNT + 1)
    expect(new Set(jobs.map((job) => job.fileName)).size).toBe(SAMPLE_FILE_COUNT + 1)
    expect(jobs.some((job) => job.status === 'FAILED')).toBe(true)
    expect(await readFile(join(settings.indexDir, 'keep-me.txt'), 'utf8')).toBe('untouched\n')
  })

  it('loads sample files only once', async () => {
    const { monitor, api } = await start()

    expect(await api.loadSampleFiles()).toEqual({ written: SAMPLE_FILE_COUNT })
    await expectApiError(api.loadSampleFiles(), 'CONFLICT', `already written to ${settings.indexDir}`)
    const jobs = await waitForSettledJobs(monitor, SAMPLE_FILE_COUNT)

    expect(jobs).toHaveLength(SAMPLE_FILE_COUNT)
    expect(new Set(jobs.map((job) => job.fileName)).size).toBe(SAMPLE_FILE_COUNT)
    expect((await readdir(settings.indexDir)).length).toBeLessThanOrEqual(SAMPLE_FILE_COUNT)
  })

  it('rejects sample files after history', async () => {
    const { monitor, api } = await start()
    await writeFile(join(settings.indexDir, 'keep-me.txt'), 'untouched\n')
    await waitForSettledJobs(monitor, 1)

    await expectApiError(api.loadSampleFiles(), 'CONFLICT', 'the job history already has 1 job, and sample files are only for an empty history')

    expect(await readdir(settings.indexDir)).toEqual(['keep-me.txt'])
  })

  it('batches job changes into few events', async () => {
    const { monitor, api } = await start({}, { batchIntervalMs: 200 })
    const monitorEvents: MonitorEvent[] = []
    monitor.subscribe((event) => monitorEvents.push(event))
    const events: PuiEvent[] = []
    api.subscribe((event) => events.push(event))

    for (let index = 0; index < 20; index += 1) await writeIndexFile(settings.indexDir, `acme_stmt_20261130_${index}.txt`, 3 + index)
    await writeIndexFile(settings.indexDir, 'readme.txt', 1)
    const jobs = await waitForSettledJobs(monitor, 21)
    await waitUntil(() => events.some((event) => event.type === 'job-failed'), 'a job-failed event')
    await waitUntil(
      () => jobs.every((job) => events.some((event) => event.type === 'jobs-changed' && event.rows.some((row) => row.id === job.id && row.archivalStatus === job.archivalStatus))),
      'the final row of every job',
    )

    const batches = events.filter((event) => event.type === 'jobs-changed')
    const jobChanges = monitorEvents.filter((event) => event.type === 'job-changed')
    expect(batches.length).toBeLessThan(jobChanges.length / 3)
    for (const batch of batches) {
      const ids = batch.rows.map((row) => row.id)
      expect(new Set(ids).size).toBe(ids.length)
    }
    const failed = events.filter((event) => event.type === 'job-failed').flatMap((event) => event.rows)
    expect(failed.map((row) => row.fileName)).toEqual(['readme.txt'])
    expect(events.some((event) => event.type === 'backup-failed')).toBe(false)
  })

  it('sends backup-failed rows', async () => {
    const archive = await faults.tempDir('pui-archive')
    const readOnlyArchive = await faults.readOnlyView(archive)
    const { monitor, api } = await start({ archiveDir: readOnlyArchive })
    const events: PuiEvent[] = []
    api.subscribe((event) => events.push(event))

    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 3)
    const [job] = await waitForSettledJobs(monitor, 1)
    await waitUntil(() => events.some((event) => event.type === 'backup-failed'), 'a backup-failed event')

    const backupFailed = events.find((event) => event.type === 'backup-failed')
    expect(backupFailed).toEqual({ type: 'backup-failed', rows: [expect.objectContaining({ id: job!.id, archivalStatus: 'BACKUP_FAILURE', status: 'SUCCESS' })] })
    const row = backupFailed?.type === 'backup-failed' ? backupFailed.rows[0] : undefined
    expect(row?.errorMessage).toContain('EROFS')
    expect(events.some((event) => event.type === 'job-failed')).toBe(false)
  })

  it('stops sending after unsubscribe', async () => {
    const { monitor, api } = await start()
    const events: PuiEvent[] = []
    const stillSubscribed: PuiEvent[] = []
    const unsubscribe = api.subscribe((event) => events.push(event))
    api.subscribe((event) => stillSubscribed.push(event))
    unsubscribe()

    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 3)
    await waitForSettledJobs(monitor, 1)
    await api.pause()
    await waitUntil(() => stillSubscribed.some((event) => event.type === 'jobs-changed'), 'a jobs-changed event')

    expect(stillSubscribed.some((event) => event.type === 'status-changed')).toBe(true)
    expect(events).toEqual([])
  })
})
