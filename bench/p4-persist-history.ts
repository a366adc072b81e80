// P4: persisting status changes with a large history against the same changes with a small one, each in a process
// of its own. The pipeline's concurrency decides how many changes are in flight, as during a run.
import { join } from 'node:path'
import { DEFAULT_OPTIONS } from '../main/core/settings'
import { sized } from './lib/args'
import { runChild, type ChildRun } from './lib/child'
import { count, kbToMb, ms, reportFigure } from './lib/figure'
import { withBenchFolders } from './lib/folders'
import { seededDataFolder } from './lib/seed'

const CHANGES = sized(1_000, 50)
const LARGE_HISTORY = sized(200_000, 1_000)
const SMALL_HISTORY = sized(1_000, 50)
const MAX_RATIO = 1.2
/** Maximum time a series of changes may run. A slower store is measured on the changes made until then. */
const BUDGET_MS = 120_000

function perChange(run: ChildRun): number {
  return (run.result.elapsedMs ?? Number.NaN) / (run.result.persistedChanges ?? 0)
}

function describe(run: ChildRun): string {
  const done = run.result.persistedChanges ?? 0
  return (
    `${count(done)} changes in ${ms(run.result.elapsedMs ?? Number.NaN)} (${ms(perChange(run))} per change), ` +
    `peak RSS ${kbToMb(run.result.maxRssKb).toFixed(0)} MB`
  )
}

await withBenchFolders('P4', async ({ run, work }) => {
  const concurrency = DEFAULT_OPTIONS.concurrency
  const seeded: string[] = []
  const measure = async (history: number): Promise<ChildRun> => {
    const dataDir = join(work, `data-${history}`)
    const seconds = await seededDataFolder(run, history, dataDir)
    if (seconds > 0) seeded.push(`seeding ${count(history)} jobs took ${seconds.toFixed(1)} s`)
    return runChild({ mode: 'persist', dataDir, changes: CHANGES, concurrency, budgetMs: BUDGET_MS })
  }
  const small = await measure(SMALL_HISTORY)
  const large = await measure(LARGE_HISTORY)

  const notes = [...seeded]
  if ((large.result.persistedChanges ?? 0) < CHANGES) {
    notes.push(`the ${count(LARGE_HISTORY)}-job run stopped at its ${BUDGET_MS / 1000} s budget; the ratio compares time per change`)
  }
  await reportFigure({
    id: 'P4',
    title: `persisting ${count(CHANGES)} status changes with ${count(LARGE_HISTORY)} jobs in history (${concurrency} in flight)`,
    baseline: `${count(SMALL_HISTORY)} jobs in history: ${describe(small)}`,
    raw: [[`${count(LARGE_HISTORY)} jobs`, describe(large)]],
    targets: [{ name: 'time per change vs baseline', value: perChange(large) / perChange(small), limit: MAX_RATIO, unit: 'x' }],
    notes,
  })
})
