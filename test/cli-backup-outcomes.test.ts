import { existsSync } from 'node:fs'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FsFaults } from './helpers/fs-faults'
import { runCli } from './helpers/cli'
import { writeIndexFile } from './helpers/index-files'
import { readStoredJobs } from './helpers/stored-jobs'

const FAST = ['--stability-ms', '50', '--retry-min-delay-ms', '10', '--retry-max-delay-ms', '20', '--backup-retries', '1']

describe('pui-monitor backup outcomes', () => {
  let faults: FsFaults
  let root: string
  let indexDir: string
  let dataDir: string

  beforeEach(async () => {
    faults = new FsFaults()
    root = await faults.tempDir('pui-cli-backup')
    indexDir = join(root, 'in')
    dataDir = join(root, 'data')
    await mkdir(indexDir)
  })
  afterEach(() => faults.cleanup())

  it('exits 4 when a move fails', async () => {
    const insertName = 'acme_insert_20261130_1.txt'
    await writeFile(join(indexDir, insertName), 'insert_code|insert_file|page_count\nINS1|ins1.pdf|2\n')
    // A path through a regular file cannot be created (ENOTDIR), so the move fails on every attempt.
    await writeFile(join(root, 'plain-file'), 'not a folder')
    const archiveDir = join(root, 'plain-file', 'archive')

    const result = await runCli(['run', '--once', '--index', indexDir, '--archive', archiveDir, '--data', dataDir, ...FAST])

    expect(result.code).toBe(4)
    expect(result.stderr).toContain(`warning: job J000001 (${insertName}): move failed (ENOTDIR)`)
    expect(result.stderr).toContain('the file stays in the index folder and the move is tried again at the next start')
    expect(result.stderr).toContain('; moves failed: 1\n')
    expect(await readdir(indexDir)).toEqual([insertName])
    const [job] = await readStoredJobs(dataDir)
    expect(job?.status).toBe('SUCCESS')
    expect(job?.archivalStatus).toBe('NOT_REQUIRED')
  })

  it('exits 0 when a move succeeds', async () => {
    const insertName = 'acme_insert_20261130_1.txt'
    await writeFile(join(indexDir, insertName), 'insert_code|insert_file|page_count\nINS1|ins1.pdf|2\n')

    const result = await runCli(['run', '--once', '--index', indexDir, '--archive', join(root, 'arch'), '--data', dataDir, ...FAST])

    expect(result.code).toBe(0)
    expect(result.stderr).not.toContain('moves failed')
    expect(await readdir(indexDir)).toEqual([])
    expect(existsSync(join(root, 'arch', 'acme', 'inserts', '2026', insertName))).toBe(true)
  })

  it('rejects retrying a backed-up job', async () => {
    await writeIndexFile(indexDir, 'acme_stmt_20261130_1.txt', 3)
    expect((await runCli(['run', '--once', '--quiet', '--index', indexDir, '--archive', join(root, 'arch'), '--data', dataDir, ...FAST])).code).toBe(0)

    const result = await runCli(['retry-backup', 'J000001', '--data', dataDir])

    expect(result.code).toBe(2)
    expect(result.stderr).toBe(
      'retry-backup: cannot retry job J000001 (acme_stmt_20261130_1.txt): its archival status is BACKED_UP, and only a job in BACKUP_FAILURE can be retried\n',
    )
    expect(result.stdout).toBe('')
    const [job] = await readStoredJobs(dataDir)
    expect(job?.archivalStatus).toBe('BACKED_UP')
    expect(job?.backupAttempts).toHaveLength(1)
  })

  it('rejects retry without a job id', async () => {
    const result = await runCli(['retry-backup', '--data', dataDir])

    expect(result.code).toBe(2)
    expect(result.stderr).toBe('retry-backup: give a job id (for example J000042) or --all-failed, but not both\n')
  })
})
