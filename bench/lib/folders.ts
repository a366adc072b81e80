import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Settings } from '../../shared/schemas'
import { DEFAULT_OPTIONS } from '../../main/core/settings'
import { benchRunFolder } from './seed'

/** The folders of one benchmark: its own work folder inside the run folder, removed when the benchmark ends. */
export interface BenchFolders {
  /** The run folder, which contains the seeded data folders shared by the benchmarks of one run. */
  run: string
  /** This benchmark's own folder. */
  work: string
}

/**
 * Runs `measure` with a fresh work folder named after the figure, and removes the work folder afterwards (and the
 * run folder too when no `bench/run.ts` run owns it).
 */
export async function withBenchFolders<T>(figure: string, measure: (folders: BenchFolders) => Promise<T>): Promise<T> {
  const run = await benchRunFolder()
  const work = join(run.path, `${figure.toLowerCase()}-work`)
  await rm(work, { recursive: true, force: true })
  await mkdir(work, { recursive: true })
  try {
    return await measure({ run: run.path, work })
  } finally {
    await rm(run.owned ? run.path : work, { recursive: true, force: true })
  }
}

/**
 * Returns the monitor's default settings for folders under `root` (`in`, `archive`, `data`), with `overrides` on top.
 * The sweep runs every 5 s instead of every minute so a missed event costs seconds, not the whole figure.
 */
export function benchSettings(root: string, overrides: Partial<Settings> = {}): Settings {
  return {
    ...DEFAULT_OPTIONS,
    sweepIntervalMs: 5_000,
    dataDir: join(root, 'data'),
    indexDir: join(root, 'in'),
    archiveDir: join(root, 'archive'),
    ...overrides,
  }
}
