import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ApiCallError } from '../shared/api'
import type { Job } from '../shared/job'
import { isUnacknowledgedFailure, toJobRow } from '../shared/job-row'
import type { Settings } from '../shared/schemas'
import { buildAccountingReport, reportToCsv } from '../main/core/accounting'
import { AcknowledgeNotAllowedError, BackupHelper } from '../main/core/backup-helper'
import { JobStore, STORE_FOLDER_NAME } from '../main/core/job-store'
import { BUILT_IN_JOB_TYPES, JobTypeRegistry } from '../main/core/job-types'
import { silentLogger } from '../main/core/logger'
import { Monitor } from '../main/core/monitor'
import { ApiService } from '../main/serve/api-service'
import { FsFaults, sha256Of } from './helpers/fs-faults'
import { writeIndexFile } from './helpers/index-files'
import { makeTestSettings } from './helpers/test-settings'
import { waitForSettledJobs, waitUntil } from './helpers/wait'

const CONTENT = 'account_number|account_name|document_date|document_file|page_count\n1234|Ada|20261130|a.pdf|2\n'
const ACKNOWLEDGED_AT = new Date('2026-12-01T09:30:00.000Z')

describe('BackupHelper.acknowledgeFailure', () => {
  let faults: FsFaults
  let dataDir: string
  let indexDir: string
  let archiveDir: string
  let store: JobStore
  let helper: BackupHelper

  beforeEach(async () => {
    faults = new FsFaults()
    dataDir = await faults.tempDir('pui-data')
    indexDir = await faults.tempDir('pui-index')
    archiveDir = await faults.tempDir('pui-archive')
    store = await JobStore.open(dataDir)
    helper = new BackupHelper({
      store,
      jobTypes: new JobTypeRegistry(BUILT_IN_JOB_TYPES),
      archiveDir,
      retries: 0,
      minDelayMs: 1,
      maxDelayMs: 1,
      logger: silentLogger,
    })
  })

  afterEach(async () => {
    await store.close()
    await faults.cleanup()
  })

  /** Records a processed job whose backup failed, because a regular file is where the client's archive folder belongs. */
  async function failedJob(): Promise<Job> {
    await writeFile(join(archiveDir, 'acme'), 'a file where the client folder belongs')
    const sourcePath = join(indexDir, 'acme_stmt_20261130_1.txt')
    await writeFile(sourcePath, CONTENT)
    const created = await store.create({
      fileName: 'acme_stmt_20261130_1.txt',
      sourcePath,
      detectedSize: CONTENT.length,
      detectedMtimeMs: 1,
      detectedAt: '2026-12-01T08:00:00.000Z',
      backupCallback: 'archive',
      archivalStatus: 'PENDING',
      jobType: 'stmt',
      client: 'acme',
      cycleDate: '2026-11-30',
    })
    const processed = await store.updateProcessing(created.id, {
      status: 'SUCCESS',
      sha256: sha256Of(CONTENT),
      size: CONTENT.length,
      counts: { records: 1, accepted: 1, rejected: 0, pages: 2 },
      startedAt: '2026-12-01T08:00:01.000Z',
      finishedAt: '2026-12-01T08:00:02.000Z',
    })
    const failed = await helper.runBackupCallback(processed)
    expect(failed.archivalStatus).toBe('BACKUP_FAILURE')
    return failed
  }

  it('marks the failure acknowledged on disk', async () => {
    const failed = await failedJob()

    const acknowledged = await helper.acknowledgeFailure(failed.id, ACKNOWLEDGED_AT)

    expect(acknowledged.failureAcknowledgedAt).toBe(ACKNOWLEDGED_AT.toISOString())
    expect(acknowledged.archivalStatus).toBe('BACKUP_FAILURE')
    expect(acknowledged.log.at(-1)?.message).toBe('backup: failure acknowledged')
    expect(isUnacknowledgedFailure(acknowledged)).toBe(false)
    expect(toJobRow(acknowledged).failureAcknowledgedAt).toBe(ACKNOWLEDGED_AT.toISOString())
    await store.flush()
    const { jobs } = await JobStore.readSnapshot(dataDir)
    expect(jobs[0]?.failureAcknowledgedAt).toBe(ACKNOWLEDGED_AT.toISOString())
  })

  it('keeps main status and accounting', async () => {
    const failed = await failedJob()
    const reportBefore = reportToCsv(buildAccountingReport(store.all()))

    const acknowledged = await helper.acknowledgeFailure(failed.id, ACKNOWLEDGED_AT)

    expect(acknowledged.status).toBe(failed.status)
    expect(acknowledged.counts).toEqual(failed.counts)
    expect(acknowledged.backupAttempts).toEqual(failed.backupAttempts)
    expect(reportToCsv(buildAccountingReport(store.all()))).toBe(reportBefore)
  })

  it('leaves an acknowledged failure unchanged', async () => {
    const failed = await failedJob()
    const first = await helper.acknowledgeFailure(failed.id, ACKNOWLEDGED_AT)

    const second = await helper.acknowledgeFailure(failed.id, new Date('2026-12-02T00:00:00.000Z'))

    expect(second).toBe(first)
    expect(second.log.filter((entry) => entry.message === 'backup: failure acknowledged')).toHaveLength(1)
  })

  it('counts a new failure again', async () => {
    const failed = await failedJob()
    await helper.acknowledgeFailure(failed.id, ACKNOWLEDGED_AT)

    const failedAgain = await helper.retryBackup(failed.id)

    expect(failedAgain.archivalStatus).toBe('BACKUP_FAILURE')
    expect(failedAgain.failureAcknowledgedAt).toBeNull()
    expect(isUnacknowledgedFailure(failedAgain)).toBe(true)
    expect(failedAgain.backupAttempts).toHaveLength(2)
  })

  it('clears the mark after a successful retry', async () => {
    const failed = await failedJob()
    await helper.acknowledgeFailure(failed.id, ACKNOWLEDGED_AT)
    await rm(join(archiveDir, 'acme'))

    const backedUp = await helper.retryBackup(failed.id)

    expect(backedUp.archivalStatus).toBe('BACKED_UP')
    expect(backedUp.failureAcknowledgedAt).toBeNull()
  })

  it('rejects a job without a failure', async () => {
    await failedJob()
    await rm(join(archiveDir, 'acme'))
    const backedUp = await helper.retryBackup('J000001')

    const attempt = helper.acknowledgeFailure(backedUp.id, ACKNOWLEDGED_AT)

    await expect(attempt).rejects.toBeInstanceOf(AcknowledgeNotAllowedError)
    await expect(helper.acknowledgeFailure(backedUp.id)).rejects.toThrow(
      `backup: cannot acknowledge job ${backedUp.id} (${backedUp.fileName}): its archival status is BACKED_UP`,
    )
    expect(store.get(backedUp.id)?.failureAcknowledgedAt).toBeNull()
    await expect(helper.acknowledgeFailure('J999999')).rejects.toThrow('backup: cannot acknowledge job J999999')
  })
})

describe('job store without acknowledgements', () => {
  let faults: FsFaults

  beforeEach(() => {
    faults = new FsFaults()
  })
  afterEach(async () => {
    await faults.cleanup()
  })

  it('loads jobs stored before the field', async () => {
    const dataDir = await faults.tempDir('pui-data')
    const first = await JobStore.open(dataDir)
    const job = await first.create({
      fileName: 'acme_stmt_20261130_1.txt',
      sourcePath: '/in/acme_stmt_20261130_1.txt',
      detectedSize: 1,
      detectedMtimeMs: 1,
      detectedAt: '2026-12-01T08:00:00.000Z',
      backupCallback: 'archive',
      archivalStatus: 'PENDING',
    })
    await first.close()
    // The job was detected on 2026-12-01, so it lives in that day's file.
    const path = join(dataDir, STORE_FOLDER_NAME, '2026-12-01.json')
    const text = await readFile(path, 'utf8')
    await writeFile(path, text.replace(/,?"failureAcknowledgedAt":null,?/g, (match) => (match.startsWith(',') && match.endsWith(',') ? ',' : '')))
    expect(await readFile(path, 'utf8')).not.toContain('failureAcknowledgedAt')

    const reopened = await JobStore.open(dataDir)

    expect(reopened.recovery).toBeNull()
    expect(reopened.get(job.id)?.failureAcknowledgedAt).toBeNull()
    await reopened.close()
  })
})

describe('ApiService acknowledgements', () => {
  let faults: FsFaults
  let settings: Settings
  let monitor: Monitor | null = null
  let api: ApiService | null = null

  beforeEach(async () => {
    faults = new FsFaults()
    settings = await makeTestSettings(await faults.tempDir('pui-api'), { backupRetries: 0 })
  })
  afterEach(async () => {
    api?.close()
    await monitor?.stop()
    await faults.cleanup()
  })

  async function startWithFailures(): Promise<{ monitor: Monitor; api: ApiService }> {
    const archive = await faults.tempDir('pui-archive')
    const readOnlyArchive = await faults.readOnlyView(archive)
    monitor = await Monitor.open({ ...settings, archiveDir: readOnlyArchive })
    api = new ApiService(monitor)
    let backupFailures = 0
    monitor.subscribe((event) => {
      if (event.type === 'backup-failed') backupFailures += 1
    })
    await monitor.start()
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 3)
    await writeIndexFile(settings.indexDir, 'globex_stmt_20261130_1.txt', 4)
    await waitForSettledJobs(monitor, 2)
    await waitUntil(() => backupFailures === 2, 'two backup-failed events')
    return { monitor, api }
  }

  it('acknowledges failures matching a query', async () => {
    const { monitor, api } = await startWithFailures()
    const reportBefore = await api.exportReportCsv({})

    const result = await api.acknowledgeFailures({ text: 'acme', limit: 1, offset: 5 })

    expect(result).toEqual({ acknowledged: 1 })
    const marks = monitor.jobs().map((job) => [job.client, job.archivalStatus, job.failureAcknowledgedAt !== null])
    expect(marks.sort()).toEqual([
      ['acme', 'BACKUP_FAILURE', true],
      ['globex', 'BACKUP_FAILURE', false],
    ])
    expect(await api.acknowledgeFailures({})).toEqual({ acknowledged: 1 })
    expect(await api.acknowledgeFailures({})).toEqual({ acknowledged: 0 })
    const page = await api.listJobs({ failuresOnly: true })
    expect(page.rows.map((row) => row.archivalStatus)).toEqual(['BACKUP_FAILURE', 'BACKUP_FAILURE'])
    expect(page.counts.backupFailures).toBe(2)
    expect(await api.exportReportCsv({})).toBe(reportBefore)
  })

  it('rejects acknowledging a healthy job', async () => {
    monitor = await Monitor.open(settings)
    api = new ApiService(monitor)
    await monitor.start()
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 3)
    const [job] = await waitForSettledJobs(monitor, 1)
    await waitUntil(() => monitor?.job(job!.id)?.archivalStatus === 'BACKED_UP', 'the backup')

    const error = await api.acknowledgeFailure(job!.id).then(
      () => null,
      (reason: unknown) => reason,
    )

    expect(error).toBeInstanceOf(ApiCallError)
    expect((error as ApiCallError).error.code).toBe('CONFLICT')
    expect((error as ApiCallError).error.message).toContain('its archival status is BACKED_UP')
    expect(monitor.job(job!.id)?.failureAcknowledgedAt).toBeNull()
  })
})
