import { spawn } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Settings } from '../../shared/schemas'
import { logFilePath } from '../../main/core/logger'
import { CLI_BIN, type CliResult } from '../helpers/cli'
import { FsFaults, listFiles } from '../helpers/fs-faults'
import { writeIndexFile } from '../helpers/index-files'
import { makeTestSettings } from '../helpers/test-settings'
import { FAST_FLAGS, readJobs } from '../faults/pipeline-run'

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

describe('low open-file limit', () => {
  let faults: FsFaults
  let settings: Settings

  beforeEach(async () => {
    faults = new FsFaults()
    settings = await makeTestSettings(await faults.tempDir('pui-file-limit'))
  })
  afterEach(() => faults.cleanup())

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
