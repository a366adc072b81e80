import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { MonitorEvent } from '../../shared/events'
import type { Settings } from '../../shared/schemas'
import { Monitor } from '../../main/core/monitor'
import { FsFaults, listFiles, sha256OfFile } from '../helpers/fs-faults'
import { writeIndexFile } from '../helpers/index-files'
import { makeTestSettings } from '../helpers/test-settings'
import { waitForSettledJobs, waitUntil } from '../helpers/wait'

describe('index folder faults', () => {
  let faults: FsFaults
  let settings: Settings
  let monitor: Monitor | null
  let events: MonitorEvent[]

  beforeEach(async () => {
    faults = new FsFaults()
    settings = await makeTestSettings(await faults.tempDir('pui-index-fault'), { sweepIntervalMs: 100 })
    monitor = null
    events = []
  })
  afterEach(async () => {
    await monitor?.stop()
    await faults.cleanup()
  })

  async function startMonitor(): Promise<Monitor> {
    monitor = await Monitor.open(settings)
    monitor.subscribe((event) => events.push(event))
    await monitor.start()
    return monitor
  }

  function eventsOf<T extends MonitorEvent['type']>(type: T): Extract<MonitorEvent, { type: T }>[] {
    return events.filter((event): event is Extract<MonitorEvent, { type: T }> => event.type === type)
  }

  it('resumes after the folder is recreated', async () => {
    const running = await startMonitor()
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 3)
    await waitForSettledJobs(running, 1)

    await rm(settings.indexDir, { recursive: true })
    await waitUntil(() => eventsOf('index-folder-missing').length === 1, 'the missing-folder event')
    await mkdir(settings.indexDir)
    await waitUntil(() => eventsOf('index-folder-restored').length === 1, 'the restored event')
    const second = await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_2.txt', 4, [], 100)
    const secondHash = await sha256OfFile(second)
    const jobs = await waitForSettledJobs(running, 2)

    expect(eventsOf('index-folder-missing')[0]?.message).toBe(
      `index folder ${settings.indexDir} cannot be read (ENOENT): jobs resume when it is back`,
    )
    expect(jobs.map((job) => `${job.fileName} ${job.status} ${job.archivalStatus}`)).toEqual([
      'acme_stmt_20261130_1.txt SUCCESS BACKED_UP',
      'acme_stmt_20261130_2.txt SUCCESS BACKED_UP',
    ])
    expect(await sha256OfFile(jobs[1]?.archivePath ?? '')).toBe(secondHash)
    expect(await listFiles(settings.archiveDir)).toHaveLength(2)
    expect(await readdir(settings.indexDir)).toEqual([])
    expect(running.report().totals.documents).toBe(7)
  })

  it('reports a folder replaced by a file', async () => {
    const running = await startMonitor()
    await rm(settings.indexDir, { recursive: true })
    await writeFile(settings.indexDir, 'a file where the index folder was\n')
    await waitUntil(() => eventsOf('index-folder-missing').length === 1, 'the missing-folder event')

    expect(eventsOf('index-folder-missing')[0]?.message).toBe(
      `index folder ${settings.indexDir} is a file, not a folder: replace it with a folder; jobs resume when it is back`,
    )
    expect(running.jobs()).toEqual([])
    expect(await readFile(settings.indexDir, 'utf8')).toBe('a file where the index folder was\n')

    await rm(settings.indexDir)
    await mkdir(settings.indexDir)
    await waitUntil(() => eventsOf('index-folder-restored').length === 1, 'the restored event')
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 2)
    const [job] = await waitForSettledJobs(running, 1)

    expect(job?.status).toBe('SUCCESS')
    expect(job?.archivalStatus).toBe('BACKED_UP')
    expect(eventsOf('index-folder-missing')).toHaveLength(1)
  })
})
