import { join } from 'node:path'
import type { Settings } from '../../shared/schemas'
import type { CoreLogger } from '../core/logger'
import { createFolders, readSettingsFile, resolveSettings, saveSettings, SettingsError } from '../core/settings'

/** Folder under the user's Documents folder that contains the desktop app's default index and archive folders. */
export const DESKTOP_FOLDER_NAME = 'PUI Monitor'

/**
 * Returns the desktop app's default folders: `<Documents>/PUI Monitor/index` and `<Documents>/PUI Monitor/archive`.
 * They sit where users look for their files, unlike the command line's defaults inside the hidden data folder.
 */
export function defaultDesktopFolders(documentsDir: string): Pick<Settings, 'indexDir' | 'archiveDir'> {
  const root = join(documentsDir, DESKTOP_FOLDER_NAME)
  return { indexDir: join(root, 'index'), archiveDir: join(root, 'archive') }
}

/**
 * Resolves the desktop app's settings for `dataDir`. A folder that `settings.json` does not name gets its default
 * under `documentsDir`, is created, and is saved into `settings.json`, so a later change of the Documents folder
 * does not move the watched folder. Throws a `SettingsError` the app shows to the user.
 */
export async function resolveDesktopSettings(dataDir: string, documentsDir: string, logger: CoreLogger): Promise<Settings> {
  const fromFile = await readSettingsFile(dataDir)
  const defaults = defaultDesktopFolders(documentsDir)
  const missing = {
    indexDir: fromFile.indexDir === undefined ? defaults.indexDir : undefined,
    archiveDir: fromFile.archiveDir === undefined ? defaults.archiveDir : undefined,
  }

  for (const folder of [missing.indexDir, missing.archiveDir]) {
    if (folder === undefined) continue
    try {
      await createFolders(folder)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error'
      throw new SettingsError([`settings: cannot create the default folder ${folder} (${code}): check the permissions of ${documentsDir}`])
    }
  }

  const settings = await resolveSettings({ dataDir, ...withoutUndefined(missing) })
  if (missing.indexDir === undefined && missing.archiveDir === undefined) return settings

  logger.info(`desktop: first start, using index folder ${settings.indexDir} and archive folder ${settings.archiveDir}`)
  return saveSettings(settings, { indexDir: settings.indexDir, archiveDir: settings.archiveDir })
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>
}
