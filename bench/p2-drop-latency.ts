// P2: latency of one file renamed into the index folder until it is BACKED_UP, minus the stability window, over a
// series of drops one after another.
import { mkdir, readdir, rename } from 'node:fs/promises'
import { join } from 'node:path'
import type { Job } from '../shared/job'
import { simulate } from '../main/cli/simulate'
import { createLogger } from '../main/core/logger'
import { Monitor } from '../main/core/monitor'
import { sized } from './lib/args'
import { ms, percentile, reportFigure } from './lib/figure'
import { benchSettings, withBenchFolders } from './lib/folders'

const DROPS = sized(20, 3)
/** A small stability window, subtracted from each latency; the watcher checks files every quarter window. */
const STABILITY_WINDOW_MS = 100
const MAX_MEDIAN_MS = 50
/** Maximum wait for one file before the benchmark gives up on it. */
const DROP_TIMEOUT_MS = 30_000

/** Resolves with the time the job of `fileName` first reached BACKED_UP, or rejects after DROP_TIMEOUT_MS. */
function backedUpAt(monitor: Monitor, fileName: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`P2: ${fileName} was not BACKED_UP within ${DROP_TIMEOUT_MS} ms`))
    }, DROP_TIMEOUT_MS)
    const unsubscribe = monitor.subscribe((event) => {
      if (event.type !== 'job-changed' || !isBackedUp(event.job, fileName)) return
      clearTimeout(timer)
      unsubscribe()
      resolve(performance.now())
    })
  })
}

function isBackedUp(job: Job, fileName: string): boolean {
  return job.fileName === fileName && job.archivalStatus === 'BACKED_UP'
}

await withBenchFolders('P2', async ({ work }) => {
  const staging = join(work, 'staging')
  await simulate({ to: staging, files: DROPS, seed: 2, slowAppendMs: 0, jobTypes: ['stmt'] })
  const names = (await readdir(staging)).sort()
  const settings = benchSettings(work, { stabilityWindowMs: STABILITY_WINDOW_MS })
  await mkdir(settings.indexDir, { recursive: true })
  await mkdir(settings.archiveDir, { recursive: true })

  const monitor = await Monitor.open(settings, { logger: createLogger(settings.dataDir, { console: false, prefix: 'bench' }) })
  const latencies: number[] = []
  try {
    await monitor.start()
    for (const name of names) {
      const backedUp = backedUpAt(monitor, name)
      const renamedAt = performance.now()
      await rename(join(staging, name), join(settings.indexDir, name))
      latencies.push((await backedUp) - renamedAt - STABILITY_WINDOW_MS)
    }
  } finally {
    await monitor.stop()
  }

  const median = percentile(latencies, 0.5)
  await reportFigure({
    id: 'P2',
    title: `one file renamed into the index folder until BACKED_UP, minus the stability window (${names.length} drops)`,
    baseline: null,
    raw: [
      ['latency', `median ${ms(median)}, p95 ${ms(percentile(latencies, 0.95))}, min ${ms(Math.min(...latencies))}, max ${ms(Math.max(...latencies))}`],
      ['settings', `stability window ${STABILITY_WINDOW_MS} ms (subtracted), concurrency ${settings.concurrency}, OS file events`],
    ],
    targets: [{ name: 'median latency', value: median, limit: MAX_MEDIAN_MS, unit: 'ms' }],
  })
})
