// P3: one large index file from detection to BACKED_UP against the floor, which is a stream read + SHA-256 of the
// same file. It also reports the peak RSS of the monitor process while it parses and archives the file.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, rename, rm, statfs } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { simulate } from '../main/cli/simulate'
import { BUILT_IN_JOB_TYPES } from '../main/core/job-types'
import { parseIndexFile } from '../main/core/parser'
import { sized } from './lib/args'
import { runChild } from './lib/child'
import { kbToMb, ms, reportFigure } from './lib/figure'
import { benchSettings, withBenchFolders } from './lib/folders'

const SIZE_MB = sized(1_024, 1)
const MAX_RATIO = 3
const MAX_RSS_MB = 150
/** The file, its archived copy and the copy's temporary file may all exist at once. */
const COPIES_ON_DISK = 3

async function freeBytes(folder: string): Promise<number> {
  const stats = await statfs(folder)
  return stats.bavail * stats.bsize
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await run()
  return performance.now() - started
}

await withBenchFolders('P3', async ({ work }) => {
  const needed = SIZE_MB * 1024 * 1024 * COPIES_ON_DISK
  const free = await freeBytes(work)
  if (free < needed) {
    throw new Error(
      `P3: ${work} has ${(free / 2 ** 30).toFixed(1)} GiB free but the ${SIZE_MB} MiB file needs ${(needed / 2 ** 30).toFixed(1)} GiB ` +
        '(the file, its archived copy and a temporary copy): free space there or point TMPDIR at a larger file system',
    )
  }

  const staging = join(work, 'staging')
  const summary = await simulate({ to: staging, files: 1, largeMb: SIZE_MB, seed: 3, slowAppendMs: 0, jobTypes: ['stmt'] })
  const large = summary.files.find((file) => file.kind === 'large')
  if (!large) throw new Error('P3: simulate wrote no large file; check the largeMb option of simulate')
  const settings = benchSettings(work, { stabilityWindowMs: 0 })
  await mkdir(settings.indexDir, { recursive: true })
  await mkdir(settings.archiveDir, { recursive: true })
  const path = join(settings.indexDir, large.name)
  await rename(join(staging, large.name), path)
  await rm(staging, { recursive: true, force: true })

  const floorMs = await timed(() => pipeline(createReadStream(path), createHash('sha256')))
  const jobType = BUILT_IN_JOB_TYPES.find((type) => type.name === large.jobType)
  if (!jobType) throw new Error(`P3: no built-in job type ${large.jobType}`)
  const parseMs = await timed(() => parseIndexFile(path, jobType))

  const { result } = await runChild({ mode: 'run-once', settings })
  const monitorMs = result.elapsedMs ?? Number.NaN
  const rssMb = kbToMb(result.maxRssKb)
  const mb = large.size / 1024 / 1024
  const rate = (elapsedMs: number) => `${(mb / (elapsedMs / 1000)).toFixed(0)} MB/s`

  await reportFigure({
    id: 'P3',
    title: `one ${mb.toFixed(0)} MB index file (${large.records.toLocaleString('en-US')} records), detection to BACKED_UP`,
    baseline: `stream read + SHA-256 of the same file: ${ms(floorMs)} (${rate(floorMs)})`,
    raw: [
      ['monitor', `run once, stability window 0: ${ms(monitorMs)} (${rate(monitorMs)}); outcome ${JSON.stringify(result.summary?.byOutcome ?? {})}`],
      ['parse only', `parseIndexFile in the bench process: ${ms(parseMs)} (${rate(parseMs)})`],
      ['monitor process', `peak RSS ${rssMb.toFixed(0)} MB`],
    ],
    targets: [
      { name: 'time vs baseline', value: monitorMs / floorMs, limit: MAX_RATIO, unit: 'x' },
      { name: 'peak RSS', value: rssMb, limit: MAX_RSS_MB, unit: 'MB' },
    ],
  })
})
