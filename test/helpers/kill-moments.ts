import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readlinkSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { createRandom } from '../../main/cli/index-file-samples'
import { TEMP_SUFFIX } from '../../main/core/archive-names'
import { CLI_BIN } from './cli'

/**
 * When a kill lands: `any` after a random delay, `copy` while the process has an archive temporary copy open,
 * `store` while it has a job store write open. A store write is a temporary file (a day file, the manifest, the
 * totals) or a day's journal, which the store opens only to append and fdatasync a save.
 */
export type KillMoment = 'any' | 'copy' | 'store'

export interface PlannedKill {
  moment: KillMoment
  /** Milliseconds after the spawn before the kill, or before the process is watched for its moment. */
  delayMs: number
}

export interface KillOutcome extends PlannedKill {
  /** True when the planned moment was seen in the process's open files before the kill. */
  sighted: boolean
  /**
   * True when the kill is shown to have interrupted the planned moment. For `copy`, a temporary copy was left. For
   * `store`, a temporary file was left, or the journal open at the last look before the kill is still on disk.
   */
  confirmed: boolean
  /** Job lines the process printed before it died. */
  lines: number
  stderr: string
}

/** Shortest and longest delay before a kill or before the watch for its moment starts. */
const MIN_DELAY_MS = 100
const MAX_DELAY_MS = 3_000

/** How long a `copy` or `store` kill waits for its moment before it kills anyway. */
const MOMENT_TIMEOUT_MS = 10_000

/** Share of kills aimed at a copy and at a store write; the rest land at any moment. */
const COPY_SHARE = 0.3
const STORE_SHARE = 0.3

/** Part of the name of every temporary file the job store writes under the data folder (day files, manifest, totals). */
const STORE_TEMP_MARK = '.json.tmp-'

/** Ending of a day's journal, which the job store opens only while it appends to it. */
const JOURNAL_SUFFIX = '.journal'

/**
 * Plans `count` kills from `seed`: the same seed gives the same moments and delays. Kills aimed at a copy and at a
 * store write each make up about 30% of the plan, and at least one of each is planned.
 */
export function planKills(seed: number, count: number): PlannedKill[] {
  const random = createRandom(seed)
  const copies = Math.max(1, Math.round(count * COPY_SHARE))
  const stores = Math.max(1, Math.round(count * STORE_SHARE))
  const moments: KillMoment[] = Array.from({ length: count }, (_, index) => {
    if (index < copies) return 'copy'
    if (index < copies + stores) return 'store'
    return 'any'
  })

  // Fisher-Yates shuffle with the seeded sequence.
  for (let index = moments.length - 1; index > 0; index -= 1) {
    const other = random.int(0, index)
    ;[moments[index], moments[other]] = [moments[other] as KillMoment, moments[index] as KillMoment]
  }
  return moments.map((moment) => ({ moment, delayMs: random.int(MIN_DELAY_MS, MAX_DELAY_MS) }))
}

/** Returns the targets of the open file descriptors of process `pid`, or an empty list once it has exited. */
function openFiles(pid: number): string[] {
  let descriptors: string[]
  try {
    descriptors = readdirSync(`/proc/${pid}/fd`)
  } catch {
    return [] // the process exited between two polls
  }
  const targets: string[] = []
  for (const descriptor of descriptors) {
    try {
      targets.push(readlinkSync(`/proc/${pid}/fd/${descriptor}`))
    } catch {
      continue // the descriptor was closed while the list was read
    }
  }
  return targets
}

/** Returns the file of `targets` that shows `moment` under way, or null; `any` is always under way. */
function openMomentFile(moment: KillMoment, targets: string[], dataDir: string): string | null {
  if (moment === 'copy') return targets.find((target) => target.endsWith(TEMP_SUFFIX)) ?? null
  if (moment === 'store') {
    const isStoreWrite = (target: string) => target.includes(STORE_TEMP_MARK) || target.endsWith(JOURNAL_SUFFIX)
    return targets.find((target) => target.startsWith(dataDir) && isStoreWrite(target)) ?? null
  }
  return ''
}

/**
 * Returns true when the folders show that a kill at `moment` interrupted it: a temporary file left behind, or, for a
 * store write, the journal seen open just before the kill still on disk. An append of a few lines is usually one
 * write call, so a kill seldom leaves a partial line for the folder to show. The journal open in `/proc` at the kill
 * shows instead that an append or its fdatasync was under way.
 */
async function interruptedMoment(moment: KillMoment, openFile: string | null, folders: { archiveDir: string; dataDir: string }): Promise<boolean> {
  if (moment === 'copy') {
    if (!existsSync(folders.archiveDir)) return false
    const names = await readdir(folders.archiveDir, { recursive: true })
    return names.some((name) => name.endsWith(TEMP_SUFFIX))
  }
  if (moment === 'store') {
    if ((await readdir(folders.dataDir, { recursive: true })).some((name) => name.includes(STORE_TEMP_MARK))) return true
    return openFile !== null && openFile.endsWith(JOURNAL_SUFFIX) && existsSync(openFile)
  }
  return false
}

/**
 * Starts `pui-monitor watch` with `args` and kills it with SIGKILL at the planned moment. A `copy` or `store` kill
 * polls `/proc/<pid>/fd` every millisecond after its delay and kills as soon as its file is open, or after
 * MOMENT_TIMEOUT_MS without it. Rejects when the process ends before it is killed.
 */
export function watchAndKill(
  args: string[],
  plan: PlannedKill,
  folders: { archiveDir: string; dataDir: string },
): Promise<KillOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, 'watch', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let lines = 0
    let stderr = ''
    let sighted = false
    let openFile: string | null = null
    let poller: NodeJS.Timeout | null = null
    child.stdout.on('data', (chunk: Buffer) => (lines += chunk.toString().split('\n').filter(Boolean).length))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))

    const kill = () => {
      if (poller) clearInterval(poller)
      child.kill('SIGKILL')
    }
    const delay = setTimeout(() => {
      if (plan.moment === 'any' || child.pid === undefined) return kill()
      const pid = child.pid
      const giveUpAt = Date.now() + MOMENT_TIMEOUT_MS
      poller = setInterval(() => {
        openFile = openMomentFile(plan.moment, openFiles(pid), folders.dataDir)
        sighted = openFile !== null
        if (sighted || Date.now() > giveUpAt) kill()
      }, 1)
    }, plan.delayMs)

    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(delay)
      if (poller) clearInterval(poller)
      if (signal !== 'SIGKILL') {
        reject(new Error(`watch ended with code ${code} before it was killed: ${stderr}`))
        return
      }
      interruptedMoment(plan.moment, openFile, folders).then(
        (confirmed) => resolve({ ...plan, sighted, confirmed, lines, stderr }),
        reject,
      )
    })
  })
}
