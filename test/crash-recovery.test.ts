import { spawn } from 'node:child_process'
import { cp, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Job } from '../shared/job'
import { isPosted } from '../shared/status'
import { FsFaults, sha256OfFile } from './helpers/fs-faults'
import { CLI_BIN, runCli } from './helpers/cli'
import { readStoredJobs } from './helpers/stored-jobs'

const FAST = ['--stability-ms', '50', '--retry-min-delay-ms', '10', '--retry-max-delay-ms', '20']

/** Starts `watch`, waits until it has printed `lines` job lines, then kills it with SIGKILL. */
function watchAndKill(args: string[], lines: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, 'watch', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let seen = 0
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString().split('\n').filter(Boolean).length
      if (seen >= lines) child.kill('SIGKILL')
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`watch ended with ${code} before it was killed: ${stderr}`))
      else resolve(seen)
    })
  })
}

async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true })
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name))
}

describe('crash recovery', () => {
  let faults: FsFaults

  beforeEach(() => {
    faults = new FsFaults()
  })
  afterEach(() => faults.cleanup())

  it('loses and double-counts nothing after kill -9', async () => {
    const root = await faults.tempDir('pui-crash')
    const input = join(root, 'input')
    expect((await runCli(['simulate', '--to', input, '--files', '300', '--bad-ratio', '0.1', '--seed', '11'])).code).toBe(0)
    const names = (await readdir(input)).sort()
    await cp(input, join(root, 'clean-in'), { recursive: true })
    await cp(input, join(root, 'in'), { recursive: true })
    const folders = ['--index', join(root, 'in'), '--archive', join(root, 'arch'), '--data', join(root, 'data')]

    for (const lines of [20, 60, 120]) {
      const seen = await watchAndKill([...folders, ...FAST], lines)
      expect(seen).toBeGreaterThanOrEqual(lines)
    }
    const finish = await runCli(['run', '--once', '--quiet', ...folders, ...FAST])
    const clean = await runCli(['run', '--once', '--quiet', '--index', join(root, 'clean-in'), '--archive', join(root, 'clean-arch'), '--data', join(root, 'clean-data'), ...FAST])

    expect(finish.code).toBe(clean.code)
    const jobs = await readStoredJobs(join(root, 'data'))
    expect(jobs.map((job) => job.fileName).sort()).toEqual(names)
    expect(jobs.filter((job) => ['PENDING', 'RUNNING'].includes(job.status))).toEqual([])
    expect(jobs.filter((job) => ['PENDING', 'IN_PROGRESS'].includes(job.archivalStatus))).toEqual([])

    const postedHashes = jobs.filter((job) => isPosted(job.status)).map((job) => job.sha256)
    expect(new Set(postedHashes).size).toBe(postedHashes.length)

    const remaining = new Set(await readdir(join(root, 'in')))
    for (const job of jobs) {
      if (job.archivalStatus === 'BACKED_UP') {
        expect(await sha256OfFile(job.archivePath ?? ''), `${job.id} archive`).toBe(job.sha256)
        expect(remaining.has(job.fileName), `${job.id} source removed`).toBe(false)
      }
    }
    const archiveFiles = await listFiles(join(root, 'arch'))
    expect(archiveFiles.filter((path) => path.endsWith('.pui-tmp'))).toEqual([])
    expect((await readdir(join(root, 'data'))).filter((name) => name.includes('.tmp'))).toEqual([])
    expect(archiveFiles.length + remaining.size).toBe(names.length)

    const report = await runCli(['report', '--data', join(root, 'data')])
    const cleanReport = await runCli(['report', '--data', join(root, 'clean-data')])
    expect(report.stdout).toBe(cleanReport.stdout)
  }, 240_000)
})
