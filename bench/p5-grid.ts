// P5: the job grid in headless Chromium against serve mode with a large seeded history: first render, frame times
// while scrolling, and the latency of typing in the filter box while files arrive at about 200 store changes/s.
import { existsSync } from 'node:fs'
import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { simulate } from '../main/cli/simulate'
import { CHROMIUM_PATH } from '../test/helpers/browser'
import { startServe } from '../test/helpers/serve-process'
import { sized } from './lib/args'
import { count, ms, percentile, reportFigure } from './lib/figure'
import { withBenchFolders } from './lib/folders'
import { seededDataFolder } from './lib/seed'

const HISTORY = sized(100_000, 1_000)
const SCROLL_MS = sized(5_000, 1_000)
const SCROLL_PIXELS_PER_FRAME = 100
const TYPING_MS = sized(10_000, 2_000)
/** Store changes one archived file makes (create, RUNNING, result, IN_PROGRESS, BACKED_UP, log entry), as P1 counts. */
const CHANGES_PER_FILE = 6
const CHANGES_PER_SECOND = 200
const KEY_DELAY_MS = 100
const SEARCH_BOX = 'input[aria-label="Search file name, client or job id"]'
const MAX_FIRST_RENDER_MS = 1_000
const MAX_FRAME_MS = 16
/** RAIL's limit for a response to input to feel immediate; the figure's own target names no number. */
const MAX_INPUT_LATENCY_MS = 100
const SETTLE_TIMEOUT_MS = 120_000

/** A static page with a scrollable grid of plain rows, to measure scrolling without the app. */
const PLAIN_GRID_HTML =
  '<div role="grid" style="height: 860px; overflow: auto">' +
  Array.from({ length: 5_000 }, (_, index) => `<div style="height: 32px">row ${index} acme_stmt_20261130_${index}.txt SUCCESS BACKED_UP</div>`).join('') +
  '</div>'

/** Measurements that `bench/lib/page-probes.js` adds to the page's global object. */
interface BenchProbes {
  firstRowPaintedAt: number | null
  inputLatencies: number[]
  scrollFrames(durationMs: number, pixelsPerFrame: number): Promise<{ deltas: number[]; scrollTop: number }>
  watchInput(selector: string): void
}

/** The page's global object with the probes. Functions run in the page name it inline, because Playwright sends only their source. */
type ProbeHost = { __benchProbes: BenchProbes }

function describeFrames(deltas: number[]): string {
  const spread = `median ${ms(percentile(deltas, 0.5))}, p95 ${ms(percentile(deltas, 0.95))}, max ${ms(Math.max(...deltas))}`
  return `${count(deltas.length)} frames in ${SCROLL_MS / 1000} s: ${spread}`
}

/** Returns the number of files still in the index folder, which the pipeline has not archived yet. */
async function waitingFiles(folder: string): Promise<number> {
  return (await readdir(folder)).length
}

/** Returns when the index folder is empty (every file archived), or null after SETTLE_TIMEOUT_MS. */
async function waitUntilEmpty(folder: string): Promise<number | null> {
  const deadline = performance.now() + SETTLE_TIMEOUT_MS
  while (performance.now() < deadline) {
    if ((await waitingFiles(folder)) === 0) return performance.now()
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return null
}

for (const built of ['out/main/cli.js', 'out/renderer/index.html']) {
  if (!existsSync(built)) throw new Error(`P5: ${built} is missing: run "npm run build" first, because P5 drives the built serve mode`)
}

await withBenchFolders('P5', async ({ run, work }) => {
  const dataDir = join(work, 'data')
  const indexDir = join(work, 'in')
  const archiveDir = join(work, 'archive')
  const seededSeconds = await seededDataFolder(run, HISTORY, dataDir)
  await mkdir(indexDir, { recursive: true })
  await mkdir(archiveDir, { recursive: true })

  const serveStarted = performance.now()
  const serve = await startServe(['--data', dataDir, '--index', indexDir, '--archive', archiveDir, '--stability-ms', '100'])
  const serveStartMs = performance.now() - serveStarted
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Frames are not held to the display's rate, so a frame's time is the work it took, not the wait for vsync.
    // The other flags stop Chromium from calling Google services, which a closed network refuses.
    args: ['--no-sandbox', '--disable-gpu', '--disable-frame-rate-limit', '--disable-gpu-vsync', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
  try {
    const context = await browser.newContext({ viewport: { width: 1500, height: 900 } })
    await context.addInitScript({ path: 'bench/lib/page-probes.js' })

    // The browser's own floor: the same scroll over a static page of plain rows, without the app.
    const plain = await context.newPage()
    await plain.setContent(PLAIN_GRID_HTML)
    const plainScroll = await plain.evaluate(
      ({ duration, pixels }) => (globalThis as unknown as ProbeHost).__benchProbes.scrollFrames(duration, pixels),
      { duration: SCROLL_MS, pixels: SCROLL_PIXELS_PER_FRAME },
    )
    await plain.close()

    const page = await context.newPage()

    await page.goto(serve.url)
    // Functions, not strings: the app's Content Security Policy forbids evaluating strings in the page.
    await page.waitForFunction(() => (globalThis as unknown as ProbeHost).__benchProbes.firstRowPaintedAt !== null, null, { timeout: 60_000 })
    const firstRenderMs = (await page.evaluate(() => (globalThis as unknown as ProbeHost).__benchProbes.firstRowPaintedAt)) ?? Number.NaN
    const scroll = await page.evaluate(({ duration, pixels }) => (globalThis as unknown as ProbeHost).__benchProbes.scrollFrames(duration, pixels), { duration: SCROLL_MS, pixels: SCROLL_PIXELS_PER_FRAME })

    const filesPerSecond = CHANGES_PER_SECOND / CHANGES_PER_FILE
    const files = Math.max(1, Math.round((filesPerSecond * TYPING_MS) / 1000))
    await page.evaluate((selector) => (globalThis as unknown as ProbeHost).__benchProbes.watchInput(selector), SEARCH_BOX)
    await page.click(SEARCH_BOX)
    const dropsStarted = performance.now()
    const dropping = simulate({ to: indexDir, files, rate: filesPerSecond, seed: 5, slowAppendMs: 0, jobTypes: ['stmt', 'notice'] })
    while (performance.now() - dropsStarted < TYPING_MS) {
      await page.keyboard.type('acme', { delay: KEY_DELAY_MS })
      for (let key = 0; key < 4; key += 1) await page.keyboard.press('Backspace', { delay: KEY_DELAY_MS })
    }
    await dropping
    const typingMs = performance.now() - dropsStarted
    const archivedWhileTyping = files - (await waitingFiles(indexDir))
    const settledAt = await waitUntilEmpty(indexDir)
    const latencies = await page.evaluate(() => (globalThis as unknown as ProbeHost).__benchProbes.inputLatencies)

    const frameP95 = percentile(scroll.deltas, 0.95)
    const inputP95 = percentile(latencies, 0.95)
    const archivedRate = (archivedWhileTyping * CHANGES_PER_FILE) / (typingMs / 1000)
    const whileTyping = `${count(archivedWhileTyping)} archived while typing (about ${archivedRate.toFixed(0)} store changes/s)`
    const settleText =
      settledAt === null
        ? `${count(files - (await waitingFiles(indexDir)))} archived ${SETTLE_TIMEOUT_MS / 1000} s after typing ended`
        : `all archived ${ms(settledAt - dropsStarted)} after the first drop (${(files / ((settledAt - dropsStarted) / 1000)).toFixed(1)} files/s)`
    await reportFigure({
      id: 'P5',
      title: `job grid in headless Chromium with ${count(HISTORY)} jobs (built serve mode)`,
      baseline: `scrolling a static page of plain rows in the same browser: ${describeFrames(plainScroll.deltas)}`,
      raw: [
        ['first render', `navigation to first row painted: ${ms(firstRenderMs)}; serve start-up before it ${ms(serveStartMs)}`],
        [
          'scrolling',
          `${describeFrames(scroll.deltas)}, ${SCROLL_PIXELS_PER_FRAME} px a frame`,
        ],
        [
          'updates',
          `${count(files)} files dropped at ${filesPerSecond.toFixed(1)} files/s (about ${CHANGES_PER_SECOND} store changes/s offered); ` +
            `${whileTyping}; ${settleText}`,
        ],
        [
          'typing',
          `${count(latencies.length)} keys, event to next paint: median ${ms(percentile(latencies, 0.5))}, p95 ${ms(inputP95)}, max ${ms(Math.max(...latencies))}`,
        ],
      ],
      targets: [
        { name: 'first render', value: firstRenderMs, limit: MAX_FIRST_RENDER_MS, unit: 'ms' },
        { name: 'p95 scroll frame', value: frameP95, limit: MAX_FRAME_MS, unit: 'ms' },
        { name: 'p95 key to paint during updates', value: inputP95, limit: MAX_INPUT_LATENCY_MS, unit: 'ms' },
      ],
      notes: seededSeconds > 0 ? [`seeding ${count(HISTORY)} jobs took ${seededSeconds.toFixed(1)} s`] : [],
    })
  } finally {
    await browser.close()
    await serve.stop()
  }
})
