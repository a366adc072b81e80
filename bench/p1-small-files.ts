// P1: small index files from detection to BACKED_UP, store persisted, against the file-system floor: a plain loop
// doing read + SHA-256 + copy + fsync + rename + unlink per file at the monitor's concurrency, in the same run.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { simulate } from '../main/cli/simulate'
import { sized } from './lib/args'
import { runChild } from './lib/child'
import { copyFloor } from './lib/copy-floor'
import { count, kbToMb, ms, reportFigure } from './lib/figure'
import { benchSettings, withBenchFolders } from './lib/folders'

const FILES = sized(2_000, 20)
/** Time target: the pipeline may take this many times the floor's time. */
const MAX_RATIO = 1.5

await withBenchFolders('P1', async ({ work }) => {
  // Statement and notice files only: both are archived, so every job ends BACKED_UP like the floor's files.
  const written = { files: FILES, seed: 1, slowAppendMs: 0, jobTypes: ['stmt', 'notice'] }
  await simulate({ ...written, to: join(work, 'floor-in') })
  const summary = await simulate({ ...written, to: join(work, 'in') })
  const bytes = summary.files.reduce((total, file) => total + file.size, 0)
  const records = summary.files.reduce((total, file) => total + file.records, 0)
  const settings = benchSettings(work, { stabilityWindowMs: 0 })
  await mkdir(settings.archiveDir, { recursive: true })

  const started = performance.now()
  await copyFloor(join(work, 'floor-in'), join(work, 'floor-archive'), settings.concurrency)
  const floorMs = performance.now() - started

  const { result, peakOpenFiles } = await runChild({ mode: 'run-once', settings })
  const monitorMs = result.elapsedMs ?? Number.NaN
  const backedUp = result.summary?.byOutcome['SUCCESS/BACKED_UP'] ?? 0

  await reportFigure({
    id: 'P1',
    title: `${count(FILES)} small index files (about ${Math.round(records / FILES)} records), detection to BACKED_UP, store persisted`,
    baseline: `copy loop at concurrency ${settings.concurrency} (read + SHA-256 + copy + fsync + rename + unlink): ${ms(floorMs)}`,
    raw: [
      ['monitor', `run once at concurrency ${settings.concurrency}, stability window 0: ${ms(monitorMs)} (${ms(monitorMs / FILES)} per file)`],
      ['files', `${count(FILES)}, ${(bytes / 1024 / 1024).toFixed(1)} MB in all`],
      ['jobs', `${count(backedUp)} of ${count(FILES)} SUCCESS/BACKED_UP; ${JSON.stringify(result.summary?.byOutcome ?? {})}`],
      ['store changes', `${count(result.jobChanges ?? 0)} (${((result.jobChanges ?? 0) / FILES).toFixed(1)} per file)`],
      ['monitor process', `peak RSS ${kbToMb(result.maxRssKb).toFixed(0)} MB, at most ${peakOpenFiles} open file descriptors`],
    ],
    targets: [{ name: 'time vs baseline', value: monitorMs / floorMs, limit: MAX_RATIO, unit: 'x' }],
    notes: backedUp === FILES ? [] : [`only ${backedUp} of ${FILES} jobs reached SUCCESS/BACKED_UP`],
  })
})
