import { spawn } from 'node:child_process'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { MonitorEvent } from '../../shared/events'
import type { Settings } from '../../shared/schemas'
import { logFilePath } from '../../main/core/logger'
import { Monitor } from '../../main/core/monitor'
import { CLI_BIN, type CliResult } from '../helpers/cli'
import { FsFaults, listFiles, sha256OfFile } from '../helpers/fs-faults'
import { writeIndexFile } from '../helpers/index-files'
import { makeTestSettings } from '../helpers/test-settings'
import { waitForSettledJobs, waitUntil } from '../helpers/wait'
import { FAST_FLAGS, readJobs } from './pipeline-run'

/** Open-file limit of the child in the low-limit test: well below the number of files it processes. */
const OPEN_FILE_LIMIT = 256
const LOW_LIMIT_FILES = 2_000

/** Runs the built command line under `ulimit -n limit`, failing when the shell cannot set that limit. */
function runCliWithFileLimit(limit: number, args: string[]): Promise<CliResult> {
  const quoted = [process.execPath, CLI_BIN, ...args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ')
  const script = `ulimit -n ${limit} && test "$(ulimit -n)" = ${limit} && exec ${quoted}`
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

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

  it('runs 2,000 files under a low open-file limit', async () => {
    for (let index = 0; index < LOW_LIMIT_FILES; index += 1) {
      await writeIndexFile(settings.indexDir, `c${index % 5}_stmt_20261130_${index}.txt`, 2, [], index * 10)
    }
    const folderFlags = ['--index', settings.indexDir, '--archive', settings.archiveDir, '--data', settings.dataDir]

    const run = await runCliWithFileLimit(OPEN_FILE_LIMIT, ['run', '--once', '--quiet', ...folderFlags, ...FAST_FLAGS, '--concurrency', '16'])

    expect(run.stderr).not.toContain('EMFILE')
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toContain(`${LOW_LIMIT_FILES} jobs: ${LOW_LIMIT_FILES} SUCCESS`)
    const jobs = await readJobs(settings.dataDir)
    expect(jobs).toHaveLength(LOW_LIMIT_FILES)
    expect(jobs.filter((job) => job.archivalStatus !== 'BACKED_UP')).toEqual([])
    expect(jobs.flatMap((job) => job.backupAttempts).filter((attempt) => attempt.outcome === 'failure')).toEqual([])
    expect(await readdir(settings.indexDir)).toEqual([])
    expect(await listFiles(settings.archiveDir)).toHaveLength(LOW_LIMIT_FILES)
    expect(await readFile(logFilePath(settings.dataDir), 'utf8')).not.toContain('EMFILE')
  }, 300_000)
})
