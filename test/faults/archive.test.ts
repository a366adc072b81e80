import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, open, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Job } from '../../shared/job'
import { TEMP_SUFFIX } from '../../main/core/archive-names'
import { runCli } from '../helpers/cli'
import { watchAndKill } from '../helpers/kill-moments'
import { FsFaults, listFiles, sha256OfFile } from '../helpers/fs-faults'
import { writeIndexFile } from '../helpers/index-files'
import { FAST_FLAGS, readOnlyJob, runOnce, type PipelineFolders } from './pipeline-run'

const STATEMENT = 'acme_stmt_20261130_1.txt'
/** Where the statement is archived below the archive folder. */
const DATED_FOLDER = join('acme', '2026', '11')

describe('archive folder faults', () => {
  let faults: FsFaults
  let folders: PipelineFolders

  beforeEach(async () => {
    faults = new FsFaults()
    const root = await faults.tempDir('pui-archive-fault')
    folders = { indexDir: join(root, 'in'), archiveDir: join(root, 'archive'), dataDir: join(root, 'data') }
    await mkdir(folders.indexDir)
  })
  afterEach(() => faults.cleanup())

  /** Writes a statement of `records` lines and returns its path and SHA-256. */
  async function writeStatement(records = 5): Promise<{ path: string; sha256: string }> {
    const path = await writeIndexFile(folders.indexDir, STATEMENT, records)
    return { path, sha256: await sha256OfFile(path) }
  }

  /** Checks what every archive failure keeps: the main status, the counts and the source file. */
  async function expectBackupFailure(job: Job, source: { path: string; sha256: string }, records: number): Promise<void> {
    expect(job.status).toBe('SUCCESS')
    expect(job.counts).toEqual({ records, accepted: records, rejected: 0, pages: records * 2 })
    expect(job.archivalStatus).toBe('BACKUP_FAILURE')
    expect(job.archivePath).toBeNull()
    expect(await sha256OfFile(source.path)).toBe(source.sha256)
  }

  it('reports an archive path through a file', async () => {
    const blocker = join(folders.archiveDir, '..', 'blocker')
    await writeFile(blocker, 'a regular file where a folder belongs\n')
    folders.archiveDir = join(blocker, 'archive')
    const source = await writeStatement()

    const run = await runOnce(folders)
    const job = await readOnlyJob(folders.dataDir)

    expect(run.code).toBe(4)
    await expectBackupFailure(job, source, 5)
    expect(job.backupAttempts.map((attempt) => attempt.code)).toEqual(['ENOTDIR'])
    const message = job.backupAttempts[0]?.message ?? ''
    expect(message).toContain(`cannot create archive folder ${join(folders.archiveDir, DATED_FOLDER)} (ENOTDIR)`)
    expect(message).toContain('a part of the path is a file, not a folder. Move that file or choose another archive folder')
    expect(run.stdout).toContain(`${job.id} ${STATEMENT} SUCCESS BACKUP_FAILURE — ${message}`)
    expect(await stat(blocker).then((info) => info.isFile())).toBe(true)
  })

  it('reports a read-only parent folder', async () => {
    const readOnly = await faults.readOnlyView(await faults.tempDir('pui-archive-parent'))
    folders.archiveDir = join(readOnly, 'archive')
    const source = await writeStatement()

    const run = await runOnce(folders)
    const job = await readOnlyJob(folders.dataDir)

    expect(run.code).toBe(4)
    await expectBackupFailure(job, source, 5)
    expect(job.backupAttempts.map((attempt) => attempt.code)).toEqual(['EROFS'])
    const message = job.backupAttempts[0]?.message ?? ''
    expect(message).toContain(`cannot create archive folder ${join(folders.archiveDir, DATED_FOLDER)} (EROFS)`)
    expect(message).toContain('read-only file system. Remount it read-write or choose another archive folder')
    expect(run.stdout).toContain('SUCCESS BACKUP_FAILURE')
    expect(existsSync(folders.archiveDir)).toBe(false)
  })

  it('reports a read-only archive folder', async () => {
    const writable = await faults.tempDir('pui-archive-ro')
    await mkdir(join(writable, DATED_FOLDER), { recursive: true })
    folders.archiveDir = await faults.readOnlyView(writable)
    const source = await writeStatement()

    const run = await runOnce(folders)
    const job = await readOnlyJob(folders.dataDir)

    expect(run.code).toBe(4)
    await expectBackupFailure(job, source, 5)
    expect(job.backupAttempts.map((attempt) => attempt.code)).toEqual(['EROFS'])
    const message = job.backupAttempts[0]?.message ?? ''
    expect(message).toContain(`cannot create temporary file ${join(folders.archiveDir, DATED_FOLDER)}/`)
    expect(message).toContain('(EROFS): the archive folder is on a read-only file system')
    expect(await listFiles(folders.archiveDir)).toEqual([])
  })

  it('removes the partial copy on a full disk', async () => {
    folders.archiveDir = await faults.smallTmpfs(64 * 1024)
    const records = 5_000
    const source = await writeStatement(records)
    expect((await stat(source.path)).size).toBeGreaterThan(128 * 1024)

    const run = await runOnce(folders)
    const job = await readOnlyJob(folders.dataDir)

    expect(run.code).toBe(4)
    await expectBackupFailure(job, source, records)
    expect(job.backupAttempts.map((attempt) => attempt.code)).toEqual(['ENOSPC', 'ENOSPC'])
    const message = job.backupAttempts.at(-1)?.message ?? ''
    expect(message).toContain(`cannot write temporary file ${join(folders.archiveDir, DATED_FOLDER)}/`)
    expect(message).toContain('(ENOSPC): the archive disk is full. Free space, then retry the backup')
    expect(job.log.map((entry) => entry.message).join('\n')).toContain('attempt 1 failed (ENOSPC), retrying (1 left)')
    expect(await readdir(join(folders.archiveDir, DATED_FOLDER))).toEqual([])

    execFileSync('mount', ['-o', 'remount,size=1m', folders.archiveDir])
    const retry = await runCli(['retry-backup', '--all-failed', '--data', folders.dataDir, ...FAST_FLAGS])
    const retried = await readOnlyJob(folders.dataDir)

    expect(retry.code).toBe(0)
    expect(retried.archivalStatus).toBe('BACKED_UP')
    expect(retried.status).toBe('SUCCESS')
    expect(retried.counts).toEqual(job.counts)
    expect(await listFiles(folders.archiveDir)).toEqual([join(DATED_FOLDER, STATEMENT)])
    expect(await sha256OfFile(retried.archivePath ?? '')).toBe(source.sha256)
    expect(existsSync(source.path)).toBe(false)
  })

  it('archives across file systems', async () => {
    folders.archiveDir = join(await faults.sharedMemoryDir('pui-archive'), 'archive')
    const statement = await writeStatement()
    const insert = await writeIndexFile(folders.indexDir, 'acme_insert_20261130_1.txt', 0, ['INS1|insert_1.pdf|1'])
    const insertHash = await sha256OfFile(insert)

    const run = await runOnce(folders)

    expect(run.code, run.stderr).toBe(0)
    const archived = await listFiles(folders.archiveDir)
    expect(archived).toEqual([join(DATED_FOLDER, STATEMENT), join('acme', 'inserts', '2026', 'acme_insert_20261130_1.txt')])
    expect(archived.filter((path) => path.endsWith(TEMP_SUFFIX))).toEqual([])
    expect(await sha256OfFile(join(folders.archiveDir, DATED_FOLDER, STATEMENT))).toBe(statement.sha256)
    expect(await sha256OfFile(join(folders.archiveDir, 'acme', 'inserts', '2026', 'acme_insert_20261130_1.txt'))).toBe(insertHash)
    expect(await readdir(folders.indexDir)).toEqual([])
  })

  it('cleans up a move killed across file systems', async () => {
    folders.archiveDir = join(await faults.sharedMemoryDir('pui-archive'), 'archive')
    const insert = join(folders.indexDir, 'acme_insert_20261130_1.txt')
    const file = await open(insert, 'w')
    const block = 'INS1|insert_1.pdf|1\n'.repeat(50_000)
    for (let index = 0; index < 2; index += 1) await file.write(block)
    await file.close()
    const insertHash = await sha256OfFile(insert)
    const flags = ['--index', folders.indexDir, '--archive', folders.archiveDir, '--data', folders.dataDir, ...FAST_FLAGS]

    const killed = await watchAndKill(flags, { moment: 'copy', delayMs: 0 }, folders)
    expect(killed.confirmed, 'the kill left a temporary copy in the archive').toBe(true)
    const run = await runOnce(folders)

    expect(run.code, run.stderr).toBe(0)
    const moved = join('acme', 'inserts', '2026', 'acme_insert_20261130_1.txt')
    expect(await listFiles(folders.archiveDir)).toEqual([moved])
    expect(await sha256OfFile(join(folders.archiveDir, moved))).toBe(insertHash)
    expect(await readdir(folders.indexDir)).toEqual([])
  })
})
