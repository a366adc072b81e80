import { randomInt } from 'node:crypto'
import { cp, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Job } from '../../shared/job'
import { isPosted } from '../../shared/status'
import { simulate } from '../../main/cli/simulate'
import { TEMP_SUFFIX } from '../../main/core/archive-names'
import { JobStore } from '../../main/core/job-store'
import { runCli } from '../helpers/cli'
import { FsFaults, listFiles, sha256OfFile } from '../helpers/fs-faults'
import { planKills, watchAndKill, type KillOutcome } from '../helpers/kill-moments'

/** Environment variable that sets the campaign's seed, to repeat a failed campaign. */
const SEED_VARIABLE = 'PUI_CRASH_SEED'
const FILES = 2_000
const KILLS = 20
/** Short waits, and 16 jobs at once so each store write carries more changes and the campaign takes less time. */
const FAST = ['--stability-ms', '50', '--retry-min-delay-ms', '10', '--retry-max-delay-ms', '20', '--concurrency', '16']
/** Pause of the simulated slow writers, shorter than their default so the input is ready in about a second. */
const SLOW_APPEND_MS = 100

function campaignSeed(): number {
  const text = process.env[SEED_VARIABLE]
  if (text === undefined || text === '') return randomInt(0, 2 ** 31)
  if (!/^\d+$/.test(text)) throw new Error(`${SEED_VARIABLE} must be a whole number, got "${text}"`)
  return Number(text)
}

async function readJobs(dataDir: string): Promise<Job[]> {
  return [...(await JobStore.readSnapshot(dataDir)).jobs]
}

/** Hashes every file under `folder` and returns its paths (relative to `folder`) by SHA-256. */
async function pathsByHash(folder: string): Promise<Map<string, string[]>> {
  const byHash = new Map<string, string[]>()
  for (const path of await listFiles(folder)) {
    const sha256 = await sha256OfFile(join(folder, path))
    byHash.set(sha256, [...(byHash.get(sha256) ?? []), path])
  }
  return byHash
}

/** Returns the job's reason for leaving its file in the index folder, or null when it records none. */
function reasonForStaying(job: Job): string | null {
  if (job.error !== null) return job.error.message
  if (job.backupCallback === 'none') return 'its job type keeps files in the index folder'
  if (job.archivalStatus === 'BACKUP_FAILURE') return job.backupAttempts.at(-1)?.message ?? null
  return null
}

function countKills(outcomes: KillOutcome[], moment: KillOutcome['moment']) {
  const aimed = outcomes.filter((outcome) => outcome.moment === moment)
  const sighted = aimed.filter((outcome) => outcome.sighted).length
  return { aimed: aimed.length, sighted, confirmed: aimed.filter((outcome) => outcome.confirmed).length }
}

describe('crash campaign', () => {
  let faults: FsFaults

  beforeEach(() => {
    faults = new FsFaults()
  })
  afterEach(() => faults.cleanup())

  it('loses and double-counts nothing after 20 kills', async () => {
    const started = Date.now()
    const seed = campaignSeed()
    console.log(`crash campaign: seed ${seed} (repeat with ${SEED_VARIABLE}=${seed} npm run test:crash)`)

    const root = await faults.tempDir('pui-crash-campaign')
    const input = join(root, 'input')
    await simulate({ to: input, files: FILES, badRatio: 0.1, seed, slowAppendMs: SLOW_APPEND_MS })
    const names = (await readdir(input)).sort()
    const inputHashes = new Map<string, string>()
    for (const name of names) inputHashes.set(name, await sha256OfFile(join(input, name)))
    await cp(input, join(root, 'clean-in'), { recursive: true })
    await cp(input, join(root, 'in'), { recursive: true })

    const folders = { indexDir: join(root, 'in'), archiveDir: join(root, 'arch'), dataDir: join(root, 'data') }
    const folderFlags = ['--index', folders.indexDir, '--archive', folders.archiveDir, '--data', folders.dataDir]
    // The run without kills works on its own folders at the same time, so the campaign takes less wall time.
    const cleanFlags = ['--index', join(root, 'clean-in'), '--archive', join(root, 'clean-arch'), '--data', join(root, 'clean-data')]
    const cleanRun = runCli(['run', '--once', '--quiet', ...cleanFlags, ...FAST])
    const outcomes: KillOutcome[] = []
    for (const plan of planKills(seed, KILLS)) {
      const outcome = await watchAndKill([...folderFlags, ...FAST], plan, folders)
      expect(outcome.stderr, `kill ${outcomes.length + 1}`).not.toContain('unexpected error')
      outcomes.push(outcome)
    }
    const copies = countKills(outcomes, 'copy')
    const stores = countKills(outcomes, 'store')
    console.log(
      `crash campaign: kills ${outcomes.length}: ${countKills(outcomes, 'any').aimed} at any moment; ` +
        `${copies.aimed} aimed at a copy, ${copies.sighted} seen in one, ${copies.confirmed} leaving a temporary copy; ` +
        `${stores.aimed} aimed at a store write, ${stores.sighted} seen in one, ${stores.confirmed} shown to ` +
        `interrupt it (a temporary file left, or a journal open at the kill)`,
    )

    const finish = await runCli(['run', '--once', '--quiet', ...folderFlags, ...FAST])
    const clean = await cleanRun
    expect(finish.stderr).not.toContain('warning: store')
    // The exit code covers the jobs this run processed: 0 when the killed runs had already finished every file.
    expect([0, clean.code], finish.stderr).toContain(finish.code)

    // One job per input file, every job finished, and the same outcome per file as the run without kills.
    const jobs = await readJobs(folders.dataDir)
    const cleanJobs = await readJobs(join(root, 'clean-data'))
    expect(jobs.map((job) => job.fileName).sort()).toEqual(names)
    expect(jobs.filter((job) => job.status === 'PENDING' || job.status === 'RUNNING')).toEqual([])
    expect(jobs.filter((job) => job.archivalStatus === 'PENDING' || job.archivalStatus === 'IN_PROGRESS')).toEqual([])
    const outcomeByName = (list: Job[]) => Object.fromEntries(list.map((job) => [job.fileName, `${job.status} ${job.archivalStatus}`]))
    expect(outcomeByName(jobs)).toEqual(outcomeByName(cleanJobs))

    const postedHashes = jobs.filter((job) => isPosted(job.status)).map((job) => job.sha256)
    const duplicates = postedHashes.length - new Set(postedHashes).size
    expect(duplicates).toBe(0)

    // Every input file is archived with its recorded SHA-256, or still in the index folder with a job saying why.
    const remaining = new Set(await readdir(folders.indexDir))
    const archived = await pathsByHash(folders.archiveDir)
    const lost: string[] = []
    for (const job of jobs) {
      const inputHash = inputHashes.get(job.fileName)
      expect(job.sha256 === null || job.sha256 === inputHash, `${job.id} ${job.fileName} sha256`).toBe(true)
      if (remaining.has(job.fileName)) {
        expect(await sha256OfFile(join(folders.indexDir, job.fileName)), `${job.fileName} in the index folder`).toBe(inputHash)
        expect(reasonForStaying(job), `${job.id} ${job.fileName} stays without a reason`).not.toBeNull()
        continue
      }
      if (inputHash === undefined || !archived.has(inputHash)) lost.push(job.fileName)
      if (job.archivalStatus === 'BACKED_UP') {
        expect(await sha256OfFile(job.archivePath ?? ''), `${job.id} archived copy`).toBe(job.sha256)
      }
    }
    expect(lost).toEqual([])

    const archiveFiles = await listFiles(folders.archiveDir)
    expect(archiveFiles.filter((path) => path.endsWith(TEMP_SUFFIX))).toEqual([])
    expect(archiveFiles).toHaveLength(names.length - remaining.size)
    expect(archiveFiles).toEqual(await listFiles(join(root, 'clean-arch')))
    const dataFiles = await readdir(folders.dataDir)
    expect(dataFiles.filter((name) => name.includes('.tmp-') || name.includes('.corrupt-'))).toEqual([])

    const report = await runCli(['report', '--data', folders.dataDir])
    const cleanReport = await runCli(['report', '--data', join(root, 'clean-data')])
    expect(report.code, report.stderr).toBe(0)
    expect(report.stdout).toBe(cleanReport.stdout)

    expect(copies.confirmed, 'kills that left an archive temporary copy').toBeGreaterThan(0)
    expect(stores.confirmed, 'kills that interrupted a store write').toBeGreaterThan(0)

    const seconds = ((Date.now() - started) / 1000).toFixed(0)
    console.log(
      `crash campaign: seed ${seed}; kills ${outcomes.length}; files ${names.length}; archived ${archiveFiles.length}; ` +
        `left in the index folder ${remaining.size}; lost ${lost.length}; duplicates ${duplicates}; ${seconds} s`,
    )
  }, 600_000)
})
