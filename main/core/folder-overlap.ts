import { isAbsolute, join, relative, sep } from 'node:path'
import { STORE_FOLDER_NAME } from './partition-folder'
import { RETIRED_FOLDER_NAME } from './retired-history'

/** Folders inside the data folder that the app writes itself: the job store, retired days and logs. */
const DATA_FOLDER_OWN_FOLDERS = [STORE_FOLDER_NAME, RETIRED_FOLDER_NAME, 'logs']

/** Returns true when `child` is `parent` or lies inside it. */
export function isSameOrInside(child: string, parent: string): boolean {
  const path = relative(parent, child)
  return path === '' || (!path.startsWith('..') && !isAbsolute(path))
}

/** A folder setting as `checkFolders` compares it: the path as given and its resolved real path. */
export interface FolderSetting {
  /** `index folder` or `archive folder`. */
  label: string
  /** Command-line flag that sets it, or null when the message is for the settings form. */
  flag: string | null
  path: string
  realPath: string
}

/**
 * Returns why a folder setting overlaps the data folder, or null. The folder must not be the data folder, contain
 * it, or lie inside one of the folders the app writes in it (`jobs`, `retired`, `logs`). Other folders inside the
 * data folder are allowed, because the default index and archive folders are `<data>/index` and `<data>/archive`.
 */
export function dataFolderOverlap(folder: FolderSetting, dataDir: string, dataRealPath: string): string | null {
  const where = folder.flag === null ? '' : ` (${folder.flag} on the command line)`
  const advice = `choose an ${folder.label} outside the data folder${where}`
  if (folder.realPath === dataRealPath) {
    return `settings: ${folder.label} ${folder.path} is the data folder ${dataDir}, which contains the job store, the settings and the logs: ${advice}`
  }
  if (isSameOrInside(dataRealPath, folder.realPath)) {
    return `settings: ${folder.label} ${folder.path} contains the data folder ${dataDir}: ${advice}`
  }
  if (!isSameOrInside(folder.realPath, dataRealPath)) return null

  const firstName = relative(dataRealPath, folder.realPath).split(sep)[0]!
  if (!DATA_FOLDER_OWN_FOLDERS.includes(firstName)) return null
  return `settings: ${folder.label} ${folder.path} is inside the data folder's own ${join(dataDir, firstName)}, which the app writes: ${advice}`
}
