import { createHash } from 'node:crypto'
import { cp, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JobStore } from '../../main/core/job-store'
import type { ImportedJob } from '../../main/core/job-store-contract'

/** Jobs handed to `importJobs` at once, which bounds the memory seeding needs beyond the store itself. */
const IMPORT_BATCH = 20_000
/** Days the seeded history spans, so cycle dates and detection times vary as in a long-running install. */
const HISTORY_DAYS = 200
const CLIENTS = ['acme', 'globex', 'initech', 'umbrella', 'hooli']
/** Name of the file written once a seeded data folder is complete, so a half-seeded cache is never reused. */
const COMPLETE_MARKER = '.bench-seed-complete'

/**
 * Returns the folder shared by the benchmarks of one `npm run bench` run: `BENCH_RUN_DIR` when `bench/run.ts` set
 * it, else a new folder under the OS temporary folder that the caller removes.
 */
export async function benchRunFolder(): Promise<{ path: string; owned: boolean }> {
  const shared = process.env.BENCH_RUN_DIR
  if (shared) return { path: shared, owned: false }
  return { path: await mkdtemp(join(tmpdir(), 'pui-bench-run-')), owned: true }
}

/**
 * Creates a data folder at `target` holding `jobs` finished jobs, through the store's public API only. The first
 * call for a size in a run seeds a cache folder under `runFolder`; later calls copy it, because seeding 200,000 jobs
 * takes minutes. Returns the seconds seeding took, or 0 for a copy.
 */
export async function seededDataFolder(runFolder: string, jobs: number, target: string): Promise<number> {
  const cache = join(runFolder, `seed-${jobs}`)
  let seededSeconds = 0
  if (!(await exists(join(cache, COMPLETE_MARKER)))) {
    await rm(cache, { recursive: true, force: true })
    const started = performance.now()
    await seedStore(cache, jobs)
    seededSeconds = (performance.now() - started) / 1000
    await writeFile(join(cache, COMPLETE_MARKER), `${jobs} jobs\n`)
  }
  await mkdir(target, { recursive: true })
  await cp(cache, target, { recursive: true, filter: (source) => !source.endsWith(COMPLETE_MARKER) })
  return seededSeconds
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
}

/**
 * Records `total` jobs as the pipeline would have left them, through `JobStore.importJobs`: about 85% SUCCESS,
 * 10% WARNING with two rejected records and 5% FAILED, each archived with one backup attempt and a log entry. The
 * index folder they name does not exist, so a monitor opening the folder finds nothing left to reconcile.
 */
async function seedStore(dataDir: string, total: number): Promise<void> {
  const store = await JobStore.open(dataDir)
  try {
    for (let first = 0; first < total; first += IMPORT_BATCH) {
      const batch: ImportedJob[] = []
      for (let number = first; number < Math.min(total, first + IMPORT_BATCH); number += 1) {
        batch.push(seededJob(number, total))
      }
      await store.importJobs(batch)
    }
  } finally {
    await store.close()
  }
}

function seededJob(number: number, total: number): ImportedJob {
  const day = Math.floor((number / total) * HISTORY_DAYS)
  const detected = new Date(Date.UTC(2026, 0, 1) + day * 86_400_000 + (number % 86_400) * 1000)
  const cycle = new Date(detected.getTime() - 86_400_000).toISOString().slice(0, 10)
  const client = CLIENTS[number % CLIENTS.length]!
  const jobType = number % 3 === 0 ? 'notice' : 'stmt'
  const fileName = `${client}_${jobType}_${cycle.replaceAll('-', '')}_${number}.txt`
  const size = 4_000 + (number % 500) * 7
  const records = 40 + (number % 21)
  let status: ImportedJob['status'] = 'SUCCESS'
  let rejected = 0
  if (number % 20 === 0) {
    status = 'FAILED'
    rejected = records
  } else if (number % 10 === 0) {
    status = 'WARNING'
    rejected = 2
  }
  const finishedAt = new Date(detected.getTime() + 150).toISOString()
  const archivePath = `/srv/pui-bench/archive/${client}/${cycle.slice(0, 4)}/${cycle.slice(5, 7)}/${fileName}`

  return {
    fileName,
    sourcePath: `/srv/pui-bench/in/${fileName}`,
    detectedSize: size,
    detectedMtimeMs: detected.getTime() - 2_000,
    detectedAt: detected.toISOString(),
    backupCallback: 'archive',
    status,
    jobType,
    client,
    cycleDate: cycle,
    sha256: createHash('sha256').update(fileName).digest('hex'),
    size,
    counts: { records, accepted: records - rejected, rejected, pages: (records - rejected) * 3 },
    rejections: Array.from({ length: Math.min(rejected, 2) }, (_, index) => ({
      line: index + 5,
      reason: 'page_count: must be a whole number from 1 to 9999, got "0"',
    })),
    error: status === 'FAILED' ? { code: 'NO_ACCEPTED_RECORD', message: 'no record was accepted: every record was rejected' } : null,
    duplicateOf: null,
    startedAt: detected.toISOString(),
    finishedAt,
    archivalStatus: 'BACKED_UP',
    archivePath,
    failureAcknowledgedAt: null,
    backupAttempts: [{ at: finishedAt, outcome: 'success', code: null, message: `archived to ${archivePath}`, durationMs: 12 }],
    log: [{ at: finishedAt, message: `backup: archived to ${archivePath}` }],
  }
}
