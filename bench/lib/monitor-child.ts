// Runs one measurement in a process of its own, so its peak RSS and open files are its alone. The parent passes a
// ChildRequest as JSON in the first argument and reads the ChildResult from the line starting with RESULT_PREFIX.
import { readFile } from 'node:fs/promises'
import type { Job } from '../../shared/job'
import type { Settings } from '../../shared/schemas'
import { JobStore } from '../../main/core/job-store'
import { createLogger } from '../../main/core/logger'
import { Monitor } from '../../main/core/monitor'
import { READY_LINE, RESULT_PREFIX, type ChildRequest, type ChildResult, type JobSummary } from './child-protocol'

/** How long a watching monitor keeps running after the last expected job settled, to catch a file taken twice. */
const QUIET_MS = 6_000

function summarize(jobs: readonly Job[]): JobSummary {
  const byOutcome: Record<string, number> = {}
  const jobsByPath = new Map<string, number>()
  for (const job of jobs) {
    const outcome = `${job.status}/${job.archivalStatus}`
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1
    jobsByPath.set(job.sourcePath, (jobsByPath.get(job.sourcePath) ?? 0) + 1)
  }
  const pathsTakenTwice = [...jobsByPath.values()].filter((jobCount) => jobCount > 1).length
  return { jobs: jobs.length, byOutcome, paths: jobsByPath.size, pathsTakenTwice }
}

function isSettled(job: Job): boolean {
  return (
    job.status !== 'PENDING' &&
    job.status !== 'RUNNING' &&
    job.archivalStatus !== 'PENDING' &&
    job.archivalStatus !== 'IN_PROGRESS'
  )
}

async function openMonitor(settings: Settings): Promise<Monitor> {
  return Monitor.open(settings, { logger: createLogger(settings.dataDir, { console: false, prefix: 'bench' }) })
}

/** Processes what the index folder holds, as `run --once` does; the time ends once the store is closed. */
async function runOnce(settings: Settings): Promise<Partial<ChildResult>> {
  const monitor = await openMonitor(settings)
  let changes = 0
  monitor.subscribe((event) => {
    if (event.type === 'job-changed') changes += 1
  })
  const started = performance.now()
  await monitor.runOnce()
  const elapsedMs = performance.now() - started
  return { elapsedMs, jobChanges: changes, summary: summarize(monitor.jobs()) }
}

/**
 * Watches the index folder, prints READY_LINE once watching, and stops `QUIET_MS` after `expectedJobs` jobs have
 * settled, or after `timeoutMs` with what settled so far. Times are epoch milliseconds, so the parent can compare
 * them with when it started writing files.
 */
async function watchUntil(settings: Settings, expectedJobs: number, timeoutMs: number): Promise<Partial<ChildResult>> {
  const monitor = await openMonitor(settings)
  const settled = new Set<string>()
  let lastSettledAt = 0
  let allSettled: () => void = () => undefined
  const done = new Promise<void>((resolve) => (allSettled = resolve))
  monitor.subscribe((event) => {
    if (event.type !== 'job-changed' || !isSettled(event.job) || settled.has(event.job.id)) return
    settled.add(event.job.id)
    lastSettledAt = Date.now()
    if (settled.size >= expectedJobs) allSettled()
  })

  await monitor.start()
  process.stdout.write(`${READY_LINE}\n`)
  const timedOut = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref())
  await Promise.race([done, timedOut])
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
  await monitor.stop()
  return { lastSettledAtEpochMs: lastSettledAt, summary: summarize(monitor.jobs()) }
}

/** Times opening the monitor (store load) and starting it, until the watcher is ready and the first scan is done. */
async function startUp(settings: Settings): Promise<Partial<ChildResult>> {
  const started = performance.now()
  const monitor = await openMonitor(settings)
  const openedMs = performance.now() - started
  await monitor.start()
  const elapsedMs = performance.now() - started
  const jobs = monitor.jobs().length
  await monitor.stop()
  return { elapsedMs, openMs: openedMs, summary: { jobs, byOutcome: {}, paths: 0, pathsTakenTwice: 0 } }
}

/** Times reading and parsing the given JSON files, the floor of any store that keeps its jobs as JSON. */
async function parseFiles(files: string[]): Promise<Partial<ChildResult>> {
  const started = performance.now()
  let bytes = 0
  let parsed = 0
  for (const file of files) {
    const text = await readFile(file, 'utf8')
    bytes += Buffer.byteLength(text)
    const value: unknown = JSON.parse(text)
    if (value !== null) parsed += 1
  }
  return { elapsedMs: performance.now() - started, bytes, parsedFiles: parsed }
}

/**
 * Persists `changes` archival status changes to the most recent jobs, with `concurrency` changes in flight as the
 * pipeline has, and stops early once `budgetMs` has passed.
 */
async function persistChanges(dataDir: string, changes: number, concurrency: number, budgetMs: number): Promise<Partial<ChildResult>> {
  const store = await JobStore.open(dataDir)
  const jobs = store.all()
  const targets = jobs.slice(Math.max(0, jobs.length - changes)).map((job) => job.id)
  let next = 0
  let persisted = 0
  const started = performance.now()
  const worker = async (): Promise<void> => {
    while (next < changes && performance.now() - started < budgetMs) {
      const id = targets[next % targets.length]!
      next += 1
      await store.updateArchival(id, { archivalStatus: next % 2 === 0 ? 'BACKED_UP' : 'IN_PROGRESS' })
      persisted += 1
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const elapsedMs = performance.now() - started
  await store.close()
  return { elapsedMs, persistedChanges: persisted, summary: { jobs: jobs.length, byOutcome: {}, paths: 0, pathsTakenTwice: 0 } }
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '{}') as ChildRequest
  let result: Partial<ChildResult>
  switch (request.mode) {
    case 'run-once':
      result = await runOnce(request.settings)
      break
    case 'watch':
      result = await watchUntil(request.settings, request.expectedJobs, request.timeoutMs)
      break
    case 'start-up':
      result = await startUp(request.settings)
      break
    case 'parse':
      result = await parseFiles(request.files)
      break
    case 'persist':
      result = await persistChanges(request.dataDir, request.changes, request.concurrency, request.budgetMs)
      break
  }
  const complete: ChildResult = { ...result, maxRssKb: process.resourceUsage().maxRSS }
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(complete)}\n`)
}

await main()
