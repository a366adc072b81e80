import { existsSync, unlinkSync, writeFileSync } from 'node:fs'
import { appendFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Job } from '../../shared/job'
import type { Settings } from '../../shared/schemas'
import { Monitor } from '../../main/core/monitor'
import { FsFaults, listFiles, sha256Of, sha256OfFile } from '../helpers/fs-faults'
import { statementLine, writeIndexFile } from '../helpers/index-files'
import { makeTestSettings } from '../helpers/test-settings'
import { sleep, waitForSettledJobs } from '../helpers/wait'

const STATEMENT = 'acme_stmt_20261130_1.txt'

describe('source file faults', () => {
  let faults: FsFaults
  let settings: Settings
  let monitor: Monitor | null

  beforeEach(async () => {
    faults = new FsFaults()
    settings = await makeTestSettings(await faults.tempDir('pui-source-fault'), { backupRetries: 1 })
    monitor = null
  })
  afterEach(async () => {
    await monitor?.stop()
    await faults.cleanup()
  })

  /**
   * Starts a monitor that calls `betweenSteps` with the source path once a job's processing result is on disk and
   * before its backup starts: the monitor runs the backup only after its job-changed listeners return.
   */
  async function startWithHook(betweenSteps: (path: string) => void): Promise<Monitor> {
    monitor = await Monitor.open(settings)
    const hooked = new Set<string>()
    monitor.subscribe((event) => {
      if (event.type !== 'job-changed' || hooked.has(event.job.id)) return
      if (event.job.status === 'SUCCESS' && event.job.archivalStatus === 'PENDING') {
        hooked.add(event.job.id)
        betweenSteps(event.job.sourcePath)
      }
    })
    await monitor.start()
    return monitor
  }

  it('reports a source deleted before backup', async () => {
    await writeIndexFile(settings.indexDir, STATEMENT, 5)
    const running = await startWithHook((path) => unlinkSync(path))

    const [job] = await waitForSettledJobs(running, 1)

    expect(job?.status).toBe('SUCCESS')
    expect(job?.counts).toEqual({ records: 5, accepted: 5, rejected: 0, pages: 10 })
    expect(job?.archivalStatus).toBe('BACKUP_FAILURE')
    expect(job?.backupAttempts.map((attempt) => attempt.code)).toEqual(['SOURCE_MISSING'])
    expect(job?.backupAttempts[0]?.message).toContain(`source file is gone: ${join(settings.indexDir, STATEMENT)}`)
    expect(job?.backupAttempts[0]?.message).toContain('Check whether another program moved or deleted it')
    expect(running.report().totals.documents).toBe(5)
    expect(existsSync(settings.archiveDir) ? await listFiles(settings.archiveDir) : []).toEqual([])
  })

  it('keeps a source changed before backup', async () => {
    const path = await writeIndexFile(settings.indexDir, STATEMENT, 5)
    const processedHash = await sha256OfFile(path)
    const changed = [0, 1, 2, 3, 4, 5, 6].map((index) => statementLine(index)).join('\n') + '\n'
    const running = await startWithHook((sourcePath) => writeFileSync(sourcePath, changed))

    const jobs = await waitForSettledJobs(running, 2)
    const first = jobs[0] as Job
    const second = jobs[1] as Job

    // The first job keeps what it counted, and its backup rejects the new bytes instead of archiving them as its own.
    expect(first.status).toBe('SUCCESS')
    expect(first.sha256).toBe(processedHash)
    expect(first.counts.records).toBe(5)
    expect(first.archivalStatus).toBe('BACKUP_FAILURE')
    expect(first.archivePath).toBeNull()
    expect(first.backupAttempts.map((attempt) => attempt.code)).toEqual(['SOURCE_CHANGED'])
    expect(first.backupAttempts[0]?.message).toContain(`expected sha256 ${processedHash}, found ${sha256Of(changed)}`)
    expect(first.backupAttempts[0]?.message).toContain('taken as a new job')

    // The new content is a job of its own, counted and archived once.
    expect(second.fileName).toBe(STATEMENT)
    expect(second.status).toBe('SUCCESS')
    expect(second.sha256).toBe(sha256Of(changed))
    expect(second.counts.records).toBe(7)
    expect(second.archivalStatus).toBe('BACKED_UP')
    expect(await sha256OfFile(second.archivePath ?? '')).toBe(sha256Of(changed))
    expect(running.report().totals.documents).toBe(12)
    expect(await listFiles(settings.archiveDir)).toEqual([join('acme', '2026', '11', STATEMENT)])
    expect(await readdir(settings.indexDir)).toEqual([])
  })

  it('waits for a file still being written', async () => {
    const running = await Monitor.open({ ...settings, stabilityWindowMs: 400 })
    monitor = running
    await running.start()
    const path = join(settings.indexDir, STATEMENT)
    await writeFile(path, `${statementLine(0)}\n`)
    for (let index = 1; index < 8; index += 1) {
      await sleep(100)
      expect(running.jobs(), `job taken after ${index} of 8 records`).toEqual([])
      await appendFile(path, `${statementLine(index)}\n`)
    }
    const finalHash = await sha256OfFile(path)

    const [job] = await waitForSettledJobs(running, 1)

    expect(running.jobs()).toHaveLength(1)
    expect(job?.status).toBe('SUCCESS')
    expect(job?.counts.records).toBe(8)
    expect(job?.sha256).toBe(finalHash)
    expect(job?.archivalStatus).toBe('BACKED_UP')
    expect(await sha256OfFile(job?.archivePath ?? '')).toBe(finalHash)
    expect(existsSync(path)).toBe(false)
  })
})
