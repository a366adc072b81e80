import { spawn } from 'node:child_process'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isPosted } from '../../shared/status'
import { runCli, CLI_BIN } from '../helpers/cli'
import { FsFaults, listFiles } from '../helpers/fs-faults'
import { statementLine } from '../helpers/index-files'
import { readJobs } from '../faults/pipeline-run'

const BURST_FILES = 10_000
const RECORDS_PER_FILE = 2
/**
 * A burst this size can overflow the kernel's inotify queue (16,384 events by default, fs.inotify.max_queued_events),
 * which loses events, so a sweep runs every 5 s.
 */
const WATCH_FLAGS = ['--stability-ms', '200', '--sweep-interval-ms', '5000', '--concurrency', '64']

/**
 * Starts `pui-monitor watch`, calls `onStarted` once it watches, and stops it with SIGINT once `done` returns true
 * for a job line. Resolves with the exit code, the job lines and standard error.
 */
function watchUntil(
  args: string[],
  onStarted: () => Promise<void>,
  done: (line: string) => boolean,
): Promise<{ code: number | null; lines: string[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, 'watch', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    const lines: string[] = []
    let partial = ''
    let stderr = ''
    let started = false
    let stopping = false
    child.stdout.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString()
      const complete = text.split('\n')
      partial = complete.pop() ?? ''
      lines.push(...complete)
      // A second SIGINT would end `watch` at once instead of letting it stop cleanly.
      if (!stopping && complete.some(done)) {
        stopping = true
        child.kill('SIGINT')
      }
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (started || !stderr.includes('watching ')) return
      started = true
      onStarted().catch((error: unknown) => {
        child.kill('SIGKILL')
        reject(error)
      })
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, lines, stderr }))
  })
}

describe('index folder burst', () => {
  let faults: FsFaults

  beforeEach(() => {
    faults = new FsFaults()
  })
  afterEach(() => faults.cleanup())

  it('takes 10,000 files exactly once', async () => {
    const root = await faults.tempDir('pui-burst')
    const folders = { indexDir: join(root, 'in'), archiveDir: join(root, 'archive'), dataDir: join(root, 'data') }
    const flags = ['--index', folders.indexDir, '--archive', folders.archiveDir, '--data', folders.dataDir, ...WATCH_FLAGS]
    await mkdir(folders.indexDir)

    const writeBurst = async () => {
      for (let index = 0; index < BURST_FILES; index += 1) {
        const lines = Array.from({ length: RECORDS_PER_FILE }, (_, record) => statementLine(index * RECORDS_PER_FILE + record))
        await writeFile(join(folders.indexDir, `c${index % 9}_stmt_20261130_${index}.txt`), lines.join('\n') + '\n')
      }
    }
    const isBackedUp = (line: string) => line.endsWith(' SUCCESS BACKED_UP')
    let backedUpLines = 0
    const watched = await watchUntil(flags, writeBurst, (line) => {
      if (isBackedUp(line)) backedUpLines += 1
      return backedUpLines >= BURST_FILES
    })

    expect(watched.code, watched.stderr).toBe(0)
    const printedIds = watched.lines.filter(isBackedUp).map((line) => line.split(' ')[1])
    expect(new Set(printedIds).size).toBe(BURST_FILES)
    const jobs = await readJobs(folders.dataDir)
    expect(jobs).toHaveLength(BURST_FILES)
    expect(new Set(jobs.map((job) => job.fileName)).size).toBe(BURST_FILES)
    expect(jobs.filter((job) => job.status !== 'SUCCESS' || job.archivalStatus !== 'BACKED_UP')).toEqual([])
    const postedHashes = jobs.filter((job) => isPosted(job.status)).map((job) => job.sha256)
    expect(new Set(postedHashes).size).toBe(BURST_FILES)
    expect(await readdir(folders.indexDir)).toEqual([])
    expect(await listFiles(folders.archiveDir)).toHaveLength(BURST_FILES)

    const report = await runCli(['report', '--data', folders.dataDir])
    const documents = BURST_FILES * RECORDS_PER_FILE
    expect(report.stdout).toContain(`\nTOTAL,,,${BURST_FILES},${BURST_FILES},0,${documents},0,${documents * 2}\n`)
  }, 3_600_000)
})
