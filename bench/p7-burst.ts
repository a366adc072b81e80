// P7: a burst of files written into a watched index folder: every file must get exactly one job, and the monitor's
// peak RSS and open file descriptors are reported.
import { mkdir } from 'node:fs/promises'
import { sized } from './lib/args'
import { runChild } from './lib/child'
import { simulate } from '../main/cli/simulate'
import { count, kbToMb, ms, reportFigure } from './lib/figure'
import { benchSettings, withBenchFolders } from './lib/folders'

const FILES = sized(10_000, 200)
/** Share of bad files (rejected records, unmatched names, re-sent content), which must be taken once as well. */
const BAD_RATIO = 0.05
/** Maximum time the monitor may take to settle every job before the figure reports what it has. */
const TIMEOUT_MS = 10 * 60_000

await withBenchFolders('P7', async ({ work }) => {
  const settings = benchSettings(work)
  await mkdir(settings.indexDir, { recursive: true })
  await mkdir(settings.archiveDir, { recursive: true })

  let burstStartedAt = 0
  let burstWrittenAt = 0
  let written = 0
  const { result, peakOpenFiles } = await runChild({ mode: 'watch', settings, expectedJobs: FILES, timeoutMs: TIMEOUT_MS }, async () => {
    burstStartedAt = Date.now()
    const summary = await simulate({ to: settings.indexDir, files: FILES, badRatio: BAD_RATIO, seed: 7, slowAppendMs: 500 })
    written = summary.files.length
    burstWrittenAt = Date.now()
  })

  const summary = result.summary
  const jobs = summary?.jobs ?? 0
  const twice = summary?.pathsTakenTwice ?? 0
  const unsettled = Object.entries(summary?.byOutcome ?? {})
    .filter(([outcome]) => /PENDING|RUNNING|IN_PROGRESS/.test(outcome))
    .reduce((total, [, jobCount]) => total + jobCount, 0)
  const exactlyOnce = jobs === written && summary?.paths === written && twice === 0 && unsettled === 0
  const lastSettled = result.lastSettledAtEpochMs ?? Number.NaN

  await reportFigure({
    id: 'P7',
    title: `a burst of ${count(FILES)} files into the watched index folder`,
    baseline: null,
    raw: [
      ['burst', `${count(written)} files written in ${ms(burstWrittenAt - burstStartedAt)} (${BAD_RATIO * 100}% bad, some slow appends)`],
      [
        'processing',
        `${count(jobs - unsettled)} jobs settled, the last ${ms(lastSettled - burstStartedAt)} after the burst began ` +
          `(${((jobs - unsettled) / ((lastSettled - burstStartedAt) / 1000)).toFixed(1)} jobs/s)`,
      ],
      ['jobs', `${count(jobs)} jobs for ${count(summary?.paths ?? 0)} paths; ${twice} paths taken twice; ${unsettled} unsettled; ${JSON.stringify(summary?.byOutcome ?? {})}`],
      ['monitor process', `peak RSS ${kbToMb(result.maxRssKb).toFixed(0)} MB, at most ${peakOpenFiles} open file descriptors`],
    ],
    targets: [{ name: 'files not processed exactly once', value: exactlyOnce ? 0 : Math.max(1, Math.abs(written - jobs) + twice + unsettled), limit: 0, unit: 'files' }],
    notes: unsettled > 0 ? [`the monitor was stopped ${TIMEOUT_MS / 60_000} minutes after it started watching, with ${count(unsettled)} jobs unsettled`] : [],
  })
})
