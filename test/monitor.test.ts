import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { appendFile, readdir, symlink, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Job } from '../shared/job'
import type { MonitorEvent } from '../shared/events'
import type { Settings } from '../shared/schemas'
import { reportToCsv } from '../main/core/accounting'
import { Monitor } from '../main/core/monitor'
import { makeTestSettings } from './helpers/test-settings'
import { FsFaults } from './helpers/fs-faults'
import { sha256Of, writeIndexFile } from './helpers/index-files'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function settled(job: Job): boolean {
  return job.status !== 'PENDING' && job.status !== 'RUNNING' && job.archivalStatus !== 'PENDING' && job.archivalStatus !== 'IN_PROGRESS'
}

async function waitForJobs(monitor: Monitor, count: number, timeoutMs = 30_000): Promise<Job[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const jobs = monitor.jobs()
    if (jobs.length >= count && jobs.every(settled)) return [...jobs]
    if (Date.now() > deadline) {
      throw new Error(`timed out: ${jobs.length}/${count} jobs, unsettled: ${jobs.filter((job) => !settled(job)).map((job) => `${job.id} ${job.status}/${job.archivalStatus}`).join(', ')}`)
    }
    await sleep(25)
  }
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true })
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name)).sort()
}

describe('Monitor', () => {
  let faults: FsFaults
  let settings: Settings
  let monitor: Monitor | null

  beforeEach(async () => {
    faults = new FsFaults()
    const root = await faults.tempDir('pui-monitor')
    settings = await makeTestSettings(root, { backupRetries: 1 })
    monitor = null
  })
  afterEach(async () => {
    await monitor?.stop()
    await faults.cleanup()
  })

  async function startMonitor(overrides: Partial<Settings> = {}, listener?: (event: MonitorEvent) => void): Promise<Monitor> {
    monitor = await Monitor.open({ ...settings, ...overrides })
    if (listener) monitor.subscribe(listener)
    await monitor.start()
    return monitor
  }

  it('runs every backup callback kind', async () => {
    const statement = await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 5)
    const statementHash = await sha256Of(statement)
    await writeIndexFile(settings.indexDir, 'acme_notice_20261130_1.txt', 4, ['bad|line'])
    await writeFile(join(settings.indexDir, 'readme.txt'), 'not an index file\n')

    const running = await startMonitor()
    const jobs = await waitForJobs(running, 3)
    const byName = new Map(jobs.map((job) => [job.fileName, job]))

    const stmt = byName.get('acme_stmt_20261130_1.txt')
    expect(stmt?.status).toBe('SUCCESS')
    expect(stmt?.archivalStatus).toBe('BACKED_UP')
    expect(stmt?.counts).toEqual({ records: 5, accepted: 5, rejected: 0, pages: 10 })
    expect(stmt?.archivePath).toBe(join(settings.archiveDir, 'acme', '2026', '11', 'acme_stmt_20261130_1.txt'))
    expect(await sha256Of(stmt?.archivePath ?? '')).toBe(statementHash)
    expect(existsSync(statement)).toBe(false)

    const notice = byName.get('acme_notice_20261130_1.txt')
    expect(notice?.status).toBe('FAILED')
    expect(notice?.error?.code).toBe('TOO_MANY_REJECTED')
    expect(notice?.archivalStatus).toBe('BACKED_UP')

    const unmatched = byName.get('readme.txt')
    expect(unmatched?.status).toBe('FAILED')
    expect(unmatched?.error?.code).toBe('NO_JOB_TYPE')
    expect(unmatched?.archivalStatus).toBe('NOT_REQUIRED')
    expect(existsSync(join(settings.indexDir, 'readme.txt'))).toBe(true)
  })

  it('keeps main status when backup fails', async () => {
    const clean = await startMonitor()
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 5)
    await writeIndexFile(settings.indexDir, 'globex_stmt_20261129_1.txt', 10, ['x|y'])
    await waitForJobs(clean, 2)
    const cleanReport = reportToCsv(clean.report())
    await clean.stop()

    settings.dataDir = join(await faults.tempDir('pui-data'), 'data')
    const emptyArchive = await faults.tempDir('pui-archive')
    const readOnlyArchive = await faults.readOnlyView(emptyArchive)
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 5)
    await writeIndexFile(settings.indexDir, 'globex_stmt_20261129_1.txt', 10, ['x|y'])
    const events: MonitorEvent[] = []
    const broken = await startMonitor({ archiveDir: readOnlyArchive }, (event) => events.push(event))
    const jobs = await waitForJobs(broken, 2)

    expect(jobs.map((job) => job.archivalStatus)).toEqual(['BACKUP_FAILURE', 'BACKUP_FAILURE'])
    expect(jobs.map((job) => job.status).sort()).toEqual(['SUCCESS', 'WARNING'])
    expect(jobs[0]?.backupAttempts.at(-1)?.code).toBe('EROFS')
    expect(jobs[0]?.backupAttempts.at(-1)?.message).toContain(readOnlyArchive)
    // The store shows BACKUP_FAILURE in memory at once; the event follows once the change is on disk.
    await waitUntil(() => events.filter((event) => event.type === 'backup-failed').length === 2, 'two backup-failed events')
    expect(events.filter((event) => event.type === 'backup-failed')).toHaveLength(2)
    expect(reportToCsv(broken.report())).toBe(cleanReport)
    expect(await readdir(settings.indexDir)).toHaveLength(2)

    execFileSync('mount', ['-o', 'remount,rw,bind', readOnlyArchive])
    const retried = await broken.retryAllFailedBackups()

    expect(retried.map((job) => job.archivalStatus)).toEqual(['BACKED_UP', 'BACKED_UP'])
    expect(retried.map((job) => job.status).sort()).toEqual(['SUCCESS', 'WARNING'])
    expect(reportToCsv(broken.report())).toBe(cleanReport)
    expect(await readdir(settings.indexDir)).toEqual([])
    expect(await listFiles(readOnlyArchive)).toHaveLength(2)
  })

  it('fails a duplicate naming the earlier job', async () => {
    const running = await startMonitor()
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 5)
    const [first] = await waitForJobs(running, 1)
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_2.txt', 5)
    const jobs = await waitForJobs(running, 2)
    const second = jobs.find((job) => job.id !== first?.id)

    expect(second?.status).toBe('FAILED')
    expect(second?.error?.code).toBe('DUPLICATE')
    expect(second?.duplicateOf).toBe(first?.id)
    expect(second?.error?.message).toContain(first?.id ?? 'missing')
    expect(running.report().totals.documents).toBe(5)
  })

  // The 10,000-file burst runs in `npm run test:scale`; this one keeps the same check inside `npm test`.
  it('takes a burst of 500 files once', async () => {
    const BURST = 500
    for (let index = 0; index < BURST; index += 1) {
      await writeIndexFile(settings.indexDir, `c${index % 7}_stmt_20261130_${index}.txt`, 2 + (index % 3), [], index * 10)
    }
    const running = await startMonitor({ concurrency: 4, sweepIntervalMs: 200 })
    const jobs = await waitForJobs(running, BURST, 240_000)
    await sleep(500)

    expect(running.jobs()).toHaveLength(BURST)
    expect(new Set(jobs.map((job) => job.sourcePath)).size).toBe(BURST)
    expect(jobs.every((job) => job.archivalStatus === 'BACKED_UP')).toBe(true)
    expect(jobs.every((job) => job.status === 'SUCCESS')).toBe(true)
    expect(await readdir(settings.indexDir)).toEqual([])
    expect(await listFiles(settings.archiveDir)).toHaveLength(BURST)
  }, 300_000)

  it('does not take a file again after restart', async () => {
    await writeFile(join(settings.indexDir, 'readme.txt'), 'stays here\n')
    const first = await startMonitor()
    await waitForJobs(first, 1)
    await first.stop()

    const second = await startMonitor()
    await second.sweep()
    await sleep(300)

    expect(second.jobs()).toHaveLength(1)
  })

  it('leaves unread files in place', async () => {
    await writeFile(join(settings.indexDir, 'acme_stmt_20261130_1.txt'), Buffer.from('1|A|20261129|x.pdf|3|\u0000\n'))
    await symlink('/etc/hostname', join(settings.indexDir, 'acme_insert_20261130_1.txt'))

    const running = await startMonitor()
    const jobs = await waitForJobs(running, 2)
    const binary = jobs.find((job) => job.fileName === 'acme_stmt_20261130_1.txt')
    const link = jobs.find((job) => job.fileName === 'acme_insert_20261130_1.txt')

    expect(binary?.status).toBe('FAILED')
    expect(binary?.error?.code).toBe('BINARY')
    expect(binary?.archivalStatus).toBe('NOT_REQUIRED')
    expect(binary?.log.at(-1)?.message).toContain('the file stays in the index folder')
    expect(link?.error?.code).toBe('SYMLINK')
    expect(link?.archivalStatus).toBe('NOT_REQUIRED')
    expect((await readdir(settings.indexDir)).sort()).toEqual(['acme_insert_20261130_1.txt', 'acme_stmt_20261130_1.txt'])
    expect(existsSync(settings.archiveDir) ? await listFiles(settings.archiveDir) : []).toEqual([])
  })

  it('ignores a touched file with unchanged content', async () => {
    const path = await writeIndexFile(settings.indexDir, 'acme_ack_20261130_1.txt', 0, ['123|doc_1.pdf|20261130'])
    const first = await startMonitor({ sweepIntervalMs: 100 })
    await waitForJobs(first, 1)

    await utimes(path, new Date(), new Date(Date.now() + 5_000))
    await first.sweep()
    await sleep(600)

    expect(first.jobs()).toHaveLength(1)
    expect(first.jobs()[0]?.status).not.toBe('FAILED')
  })

  it('waits again when a taken file changes', async () => {
    const running = await startMonitor()
    running.pause()
    const path = await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 3)
    await waitUntil(() => running.jobs().length === 1, 'the job for the first version')

    await appendFile(path, '100003|Customer 3|20261130|doc_3.pdf|2|ST01\n')
    const finalHash = await sha256Of(path)
    running.resume()
    const jobs = await waitForJobs(running, 1)

    expect(jobs).toHaveLength(1)
    expect(jobs[0]?.status).toBe('SUCCESS')
    expect(jobs[0]?.counts.records).toBe(4)
    expect(jobs[0]?.sha256).toBe(finalHash)
    expect(await sha256Of(jobs[0]?.archivePath ?? '')).toBe(finalHash)
    expect(jobs[0]?.log.map((entry) => entry.message).join('\n')).toContain('the file changed after it was taken')
  })
})
