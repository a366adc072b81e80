// P6: start-up with a large history until the watcher is ready, against JSON.parse of the store's own files, each
// in a process of its own so the peak RSS is the start-up's alone.
import { mkdir, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { sized } from './lib/args'
import { runChild, storeFilesOf } from './lib/child'
import { count, kbToMb, ms, reportFigure } from './lib/figure'
import { benchSettings, withBenchFolders } from './lib/folders'
import { seededDataFolder } from './lib/seed'

const HISTORY = sized(200_000, 1_000)
const MAX_RATIO = 2
const MAX_RSS_MB = 300

await withBenchFolders('P6', async ({ run, work }) => {
  const settings = benchSettings(work)
  const seededSeconds = await seededDataFolder(run, HISTORY, settings.dataDir)
  await mkdir(settings.indexDir, { recursive: true })
  await mkdir(settings.archiveDir, { recursive: true })
  const files = await storeFilesOf(settings.dataDir)
  if (files.length === 0) throw new Error(`P6: no store file found in ${settings.dataDir}; check storeFilesOf against the store's layout`)
  let bytes = 0
  for (const file of files) bytes += (await stat(file)).size

  const parse = await runChild({ mode: 'parse', files })
  const startUp = await runChild({ mode: 'start-up', settings })
  const parseMs = parse.result.elapsedMs ?? Number.NaN
  const startUpMs = startUp.result.elapsedMs ?? Number.NaN
  const rssMb = kbToMb(startUp.result.maxRssKb)
  const fileNames = files.length <= 3 ? files.map((file) => basename(file)).join(', ') : `${files.length} files`

  await reportFigure({
    id: 'P6',
    title: `start-up with ${count(HISTORY)} jobs in history until the watcher is ready`,
    baseline: `read + JSON.parse of the store files (${fileNames}, ${(bytes / 1024 / 1024).toFixed(0)} MB): ${ms(parseMs)}, peak RSS ${kbToMb(parse.result.maxRssKb).toFixed(0)} MB`,
    raw: [
      ['monitor', `Monitor.open ${ms(startUp.result.openMs ?? Number.NaN)}, open + start ${ms(startUpMs)}; ${count(startUp.result.summary?.jobs ?? 0)} jobs loaded`],
      ['monitor process', `peak RSS ${rssMb.toFixed(0)} MB, at most ${startUp.peakOpenFiles} open file descriptors`],
    ],
    targets: [
      { name: 'time vs baseline', value: startUpMs / parseMs, limit: MAX_RATIO, unit: 'x' },
      { name: 'peak RSS', value: rssMb, limit: MAX_RSS_MB, unit: 'MB' },
    ],
    notes: seededSeconds > 0 ? [`seeding ${count(HISTORY)} jobs took ${seededSeconds.toFixed(1)} s`] : [],
  })
})
