import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, cp, mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Job } from '../shared/job'
import { FsFaults, sha256OfFile } from './helpers/fs-faults'
import { CLI_BIN, runCli } from './helpers/cli'
import { writeIndexFile } from './helpers/index-files'
import { readStoredJobs } from './helpers/stored-jobs'

const FAST = ['--stability-ms', '50', '--retry-min-delay-ms', '10', '--retry-max-delay-ms', '20', '--backup-retries', '1']

async function readJobs(dataDir: string): Promise<Job[]> {
  return readStoredJobs(dataDir)
}

describe('pui-monitor command line', () => {
  let faults: FsFaults
  let root: string

  beforeEach(async () => {
    faults = new FsFaults()
    root = await faults.tempDir('pui-cli')
  })
  afterEach(() => faults.cleanup())

  it('processes, archives and reports simulated files', async () => {
    const indexDir = join(root, 'in')
    const simulated = await runCli(['simulate', '--to', indexDir, '--files', '120', '--bad-ratio', '0.1', '--seed', '3'])
    expect(simulated.code).toBe(0)
    const names = await readdir(indexDir)
    expect(names).toHaveLength(120)

    const run = await runCli(['run', '--once', '--index', indexDir, '--archive', join(root, 'arch'), '--data', join(root, 'data'), ...FAST])

    expect(run.stderr).toContain('120 jobs:')
    expect(run.code).toBe(3)
    const jobs = await readJobs(join(root, 'data'))
    expect(jobs.map((job) => job.fileName).sort()).toEqual([...names].sort())
    const archived = jobs.filter((job) => job.archivalStatus === 'BACKED_UP')
    expect(archived.length).toBeGreaterThan(60)
    for (const job of archived) expect(await sha256OfFile(job.archivePath ?? '')).toBe(job.sha256)
    expect(jobs.some((job) => job.error?.code === 'DUPLICATE')).toBe(true)
    expect(jobs.some((job) => job.error?.code === 'NO_JOB_TYPE')).toBe(true)

    const report = await runCli(['report', '--data', join(root, 'data'), '--format', 'csv'])
    expect(report.code).toBe(0)
    expect(report.stdout.split('\n')[0]).toBe('client,jobType,cycleDate,jobs,postedJobs,failedJobs,documents,rejectedRecords,pages')
    expect(report.stdout).toMatch(/\nTOTAL,,,\d+,\d+,\d+,\d+,\d+,\d+\n$/)
  })

  it('keeps the report identical when backups fail', async () => {
    const input = join(root, 'input')
    expect((await runCli(['simulate', '--to', input, '--files', '80', '--bad-ratio', '0.1', '--seed', '5'])).code).toBe(0)
    await cp(input, join(root, 'clean-in'), { recursive: true })
    await cp(input, join(root, 'broken-in'), { recursive: true })
    const brokenArchive = await faults.readOnlyView(await faults.tempDir('pui-archive'))

    const clean = await runCli(['run', '--once', '--quiet', '--index', join(root, 'clean-in'), '--archive', join(root, 'clean-arch'), '--data', join(root, 'clean-data'), ...FAST])
    const broken = await runCli(['run', '--once', '--quiet', '--index', join(root, 'broken-in'), '--archive', brokenArchive, '--data', join(root, 'broken-data'), ...FAST])
    const cleanReport = await runCli(['report', '--data', join(root, 'clean-data')])
    const brokenReport = await runCli(['report', '--data', join(root, 'broken-data')])

    expect(clean.code).toBe(3)
    expect(broken.code).toBe(5)
    expect(brokenReport.stdout).toBe(cleanReport.stdout)
    const cleanJobs = await readJobs(join(root, 'clean-data'))
    const brokenJobs = await readJobs(join(root, 'broken-data'))
    const statusByName = (jobs: Job[]) => Object.fromEntries(jobs.map((job) => [job.fileName, job.status]))
    expect(statusByName(brokenJobs)).toEqual(statusByName(cleanJobs))
    const failed = brokenJobs.filter((job) => job.archivalStatus === 'BACKUP_FAILURE')
    expect(failed.length).toBe(cleanJobs.filter((job) => job.archivalStatus === 'BACKED_UP').length)
    expect(failed[0]?.backupAttempts.at(-1)?.code).toBe('EROFS')
    for (const job of failed) expect(existsSync(job.sourcePath)).toBe(true)

    execFileSync('mount', ['-o', 'remount,rw,bind', brokenArchive])
    const retry = await runCli(['retry-backup', '--all-failed', '--index', join(root, 'broken-in'), '--archive', brokenArchive, '--data', join(root, 'broken-data'), ...FAST])

    expect(retry.code).toBe(0)
    const retried = await readJobs(join(root, 'broken-data'))
    expect(retried.filter((job) => job.archivalStatus === 'BACKUP_FAILURE')).toEqual([])
    expect(statusByName(retried)).toEqual(statusByName(cleanJobs))
    expect((await runCli(['report', '--data', join(root, 'broken-data')])).stdout).toBe(cleanReport.stdout)
    for (const job of failed) expect(existsSync(job.sourcePath)).toBe(false)
  })

  it('rejects an archive inside the index', async () => {
    const indexDir = join(root, 'in')
    await mkdir(indexDir)

    const result = await runCli(['run', '--once', '--index', indexDir, '--archive', join(indexDir, 'arch'), '--data', join(root, 'data')])

    expect(result.code).toBe(2)
    expect(result.stderr).toContain('is the index folder or inside it')
    expect(result.stderr).not.toContain('    at ')
  })

  it('rejects a second instance on one data folder', async () => {
    const dataDir = join(root, 'data')
    await mkdir(join(root, 'in'))
    const { spawn } = await import('node:child_process')
    const watcher = spawn(process.execPath, ['bin/pui-monitor.js', 'watch', '--index', join(root, 'in'), '--data', dataDir], { stdio: ['ignore', 'ignore', 'pipe'] })
    let watcherErr = ''
    watcher.stderr.on('data', (chunk: Buffer) => (watcherErr += chunk.toString()))
    try {
      for (let waited = 0; !watcherErr.includes('watching') && waited < 20_000; waited += 50) await new Promise((r) => setTimeout(r, 50))
      expect(watcherErr).toContain('watching')

      const second = await runCli(['run', '--once', '--index', join(root, 'in'), '--data', dataDir])

      expect(second.code).toBe(2)
      expect(second.stderr).toContain(`pid ${watcher.pid}`)
    } finally {
      watcher.kill('SIGTERM')
      await new Promise((resolve) => watcher.once('close', resolve))
    }
    expect(watcherErr).toContain('stopping')
  })

  it('names an unknown job id', async () => {
    await mkdir(join(root, 'in'))

    const result = await runCli(['retry-backup', 'J999999', '--index', join(root, 'in'), '--data', join(root, 'data')])

    expect(result.code).toBe(2)
    expect(result.stderr).toContain('no job J999999')
  })

  it('rejects an invalid date flag', async () => {
    const result = await runCli(['report', '--data', join(root, 'data'), '--from', '2026-13-45'])

    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--from expects a date as YYYY-MM-DD, got "2026-13-45"')
  })

  it('rejects a folder without a store', async () => {
    const result = await runCli(['report', '--data', root])

    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`job store not found: ${root} has no jobs folder`)
    expect(result.stdout).toBe('')
  })

  it('rejects a reversed date range', async () => {
    const result = await runCli(['report', '--data', root, '--from', '2026-11-30', '--to', '2026-11-01'])

    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--from 2026-11-30 is after --to 2026-11-01')
  })

  it('rejects a job id with --all-failed', async () => {
    const result = await runCli(['retry-backup', 'J000001', '--all-failed', '--data', root])

    expect(result.code).toBe(2)
    expect(result.stderr).toContain('give a job id (for example J000042) or --all-failed, but not both')
  })

  it('explains an unreadable job types file', async () => {
    const dataDir = join(root, 'data')
    await mkdir(dataDir)
    await mkdir(join(root, 'in'))
    await writeFile(join(dataDir, 'job-types.json'), '{ "jobTypes": [ { "name": "stmt" } ] }')

    const result = await runCli(['run', '--once', '--index', join(root, 'in'), '--data', dataDir])

    expect(result.code).toBe(2)
    expect(result.stderr).toContain('job-types.json')
    expect(result.stderr).toContain('"stmt"')
  })

  it('remembers folders given as flags', async () => {
    const indexDir = join(root, 'in')
    const dataDir = join(root, 'data')
    await mkdir(indexDir)
    await writeIndexFile(indexDir, 'acme_stmt_20261130_1.txt', 3)
    const archive = await faults.readOnlyView(await faults.tempDir('pui-archive'))

    const run = await runCli(['run', '--once', '--quiet', '--index', indexDir, '--archive', archive, '--data', dataDir, ...FAST])
    expect(run.code).toBe(4)
    execFileSync('mount', ['-o', 'remount,rw,bind', archive])
    const retry = await runCli(['retry-backup', '--all-failed', '--data', dataDir, ...FAST])

    expect(retry.code).toBe(0)
    expect(existsSync(join(archive, 'acme', '2026', '11', 'acme_stmt_20261130_1.txt'))).toBe(true)
    expect(existsSync(join(dataDir, 'archive'))).toBe(false)
  })

  it('acknowledges backup failures', async () => {
    const indexDir = join(root, 'in')
    const dataDir = join(root, 'data')
    await mkdir(indexDir)
    await writeIndexFile(indexDir, 'acme_stmt_20261130_1.txt', 3)
    await writeIndexFile(indexDir, 'beta_stmt_20261130_1.txt', 4)
    const archive = await faults.readOnlyView(await faults.tempDir('pui-archive'))
    expect((await runCli(['run', '--once', '--quiet', '--index', indexDir, '--archive', archive, '--data', dataDir, ...FAST])).code).toBe(4)
    const reportBefore = await runCli(['report', '--data', dataDir])

    const single = await runCli(['acknowledge', 'J000001', '--data', dataDir])
    const rest = await runCli(['acknowledge', '--all-failed', '--data', dataDir])
    const none = await runCli(['acknowledge', '--all-failed', '--data', dataDir])

    expect(single.code).toBe(0)
    expect(single.stdout).toMatch(/J000001 acme_stmt_20261130_1\.txt SUCCESS BACKUP_FAILURE .* \(acknowledged\)\n$/)
    expect(rest.code).toBe(0)
    expect(rest.stdout).toContain('J000002 beta_stmt_20261130_1.txt SUCCESS BACKUP_FAILURE')
    expect(rest.stdout).not.toContain('J000001')
    expect(none.stderr).toBe('acknowledge: no unacknowledged backup failure\n')
    const jobs = await readStoredJobs(dataDir)
    expect(jobs.map((job) => [job.archivalStatus, job.failureAcknowledgedAt !== null])).toEqual([
      ['BACKUP_FAILURE', true],
      ['BACKUP_FAILURE', true],
    ])
    expect((await runCli(['report', '--data', dataDir])).stdout).toBe(reportBefore.stdout)
  })

  it('rejects acknowledging a backed-up job', async () => {
    const indexDir = join(root, 'in')
    const dataDir = join(root, 'data')
    await mkdir(indexDir)
    await writeIndexFile(indexDir, 'acme_stmt_20261130_1.txt', 3)
    expect((await runCli(['run', '--once', '--quiet', '--index', indexDir, '--archive', join(root, 'arch'), '--data', dataDir, ...FAST])).code).toBe(0)

    const result = await runCli(['acknowledge', 'J000001', '--data', dataDir])

    expect(result.code).toBe(2)
    expect(result.stderr).toBe('acknowledge: cannot acknowledge job J000001 (acme_stmt_20261130_1.txt): its archival status is BACKED_UP, and only a backup failure can be acknowledged\n')
  })

  it('finishes its work when stdout closes', async () => {
    const indexDir = join(root, 'in')
    expect((await runCli(['simulate', '--to', indexDir, '--files', '40', '--seed', '9'])).code).toBe(0)

    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI_BIN, 'run', '--once', '--index', indexDir, '--archive', join(root, 'arch'), '--data', join(root, 'data'), ...FAST], {
        stdio: ['ignore', 'pipe', 'ignore'],
      })
      child.stdout.once('data', () => child.stdout.destroy())
      child.on('error', reject)
      child.on('close', resolve)
    })

    expect(code).toBe(0)
    const jobs = await readJobs(join(root, 'data'))
    expect(jobs).toHaveLength(40)
    expect(jobs.filter((job) => job.status === 'PENDING' || job.status === 'RUNNING')).toEqual([])
  })

  it('reads an unreadable file again once readable', async () => {
    const indexDir = join(root, 'in')
    const dataDir = join(root, 'data')
    const archiveDir = join(root, 'arch')
    for (const folder of [indexDir, dataDir, archiveDir]) await mkdir(folder)
    const path = await writeIndexFile(indexDir, 'acme_stmt_20261130_1.txt', 3)
    await chmod(path, 0o000)
    execFileSync('chown', ['-R', '65534:65534', root])
    execFileSync('chown', ['0:0', path])
    const asNobody = ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI_BIN, 'run', '--once', '--quiet']
    const folders = ['--index', indexDir, '--archive', archiveDir, '--data', dataDir, ...FAST]
    const runAsNobody = () =>
      new Promise<number | null>((resolve) => spawn('setpriv', [...asNobody, ...folders], { stdio: 'ignore' }).on('close', resolve))

    expect(await runAsNobody()).toBe(3)
    const failed = (await readJobs(dataDir))[0]
    expect(failed?.error?.code).toBe('UNREADABLE')
    expect(failed?.error?.message).toContain('EACCES')
    expect(existsSync(path)).toBe(true)

    await chmod(path, 0o644)
    expect(await runAsNobody()).toBe(0)

    const jobs = await readJobs(dataDir)
    expect(jobs).toHaveLength(1)
    expect(jobs[0]?.status).toBe('SUCCESS')
    expect(jobs[0]?.archivalStatus).toBe('BACKED_UP')
    expect(existsSync(path)).toBe(false)
  })
})
