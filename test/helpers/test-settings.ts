import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Settings } from '../../shared/schemas'
import { DEFAULT_OPTIONS } from '../../main/core/settings'

/**
 * Creates `data/` and `in/` under `root` and returns settings for a fast test monitor: a 50 ms stability window
 * and short backup retry delays. `archive/` is left for the pipeline to create.
 */
export async function makeTestSettings(root: string, overrides: Partial<Settings> = {}): Promise<Settings> {
  const settings: Settings = {
    ...DEFAULT_OPTIONS,
    dataDir: join(root, 'data'),
    indexDir: join(root, 'in'),
    archiveDir: join(root, 'archive'),
    stabilityWindowMs: 50,
    backupRetryMinDelayMs: 10,
    backupRetryMaxDelayMs: 20,
    ...overrides,
  }
  await mkdir(settings.dataDir, { recursive: true })
  await mkdir(settings.indexDir, { recursive: true })
  return settings
}
