import { constants } from 'node:fs'
import { access, mkdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { z } from 'zod'
import { SettingsSchema, type Settings } from '../../shared/schemas'
import { SETTING_LABELS, type SettingsWording } from '../../shared/setting-labels'
import { dataFolderOverlap, isSameOrInside } from './folder-overlap'

export { isSameOrInside } from './folder-overlap'

/** Name of the settings file inside the data folder. */
export const SETTINGS_FILE_NAME = 'settings.json'

/** Defaults for everything except the folders. */
export const DEFAULT_OPTIONS = {
  stabilityWindowMs: 2_000,
  usePolling: false,
  pollIntervalMs: 1_000,
  sweepIntervalMs: 60_000,
  concurrency: 4,
  backupRetries: 3,
  backupRetryMinDelayMs: 500,
  backupRetryMaxDelayMs: 10_000,
  // Over a year, so a year-end reconciliation still finds every job of the year in the grid.
  retentionDays: 400,
  closeToTray: true,
  startAtLogin: false,
} satisfies Omit<Settings, 'indexDir' | 'archiveDir' | 'dataDir'>

/** A settings problem the user has to fix; `problems` lists each one on its own. */
export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'))
    this.name = 'SettingsError'
  }
}

/**
 * Returns the default data folder: `$PUI_MONITOR_DATA` when set, else the platform's per-user data folder
 * (`$XDG_DATA_HOME/pui-monitor` or `~/.local/share/pui-monitor` on Linux, `%APPDATA%\pui-monitor` on Windows,
 * `~/Library/Application Support/pui-monitor` on macOS).
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PUI_MONITOR_DATA) return resolve(env.PUI_MONITOR_DATA)
  if (process.platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'pui-monitor')
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'pui-monitor')
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'pui-monitor')
}

const SettingsFileSchema = SettingsSchema.omit({ dataDir: true }).partial().strict()

/** Reads `<dataDir>/settings.json`; a missing file gives no overrides. Paths in it are relative to the data folder. */
export async function readSettingsFile(dataDir: string): Promise<Partial<Settings>> {
  const path = join(dataDir, SETTINGS_FILE_NAME)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return {}
    if (code === 'EISDIR') {
      throw new SettingsError([`settings: ${path} is a folder, not a file: move or remove that folder, then start again`])
    }
    throw new SettingsError([`settings: cannot read ${path} (${code}): check its permissions`])
  }

  let json: unknown
  try {
    // Notepad and other Windows editors start UTF-8 files with a byte order mark, which JSON.parse rejects.
    json = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (error) {
    throw new SettingsError([`settings: ${path} is not valid JSON (${(error as Error).message}): fix or delete the file`])
  }

  const parsed = SettingsFileSchema.safeParse(json)
  if (!parsed.success) throw new SettingsError(describeIssues(parsed.error, `settings: ${path}`, json))

  const fromFile = parsed.data
  if (fromFile.indexDir) fromFile.indexDir = resolve(dataDir, fromFile.indexDir)
  if (fromFile.archiveDir) fromFile.archiveDir = resolve(dataDir, fromFile.archiveDir)
  return fromFile
}

/**
 * Turns zod issues into one message per setting, because zod may report several issues for one value (not whole
 * and too small). A number setting gets its allowed range in plain words and the value it had in `input`.
 */
function describeIssues(error: z.ZodError, where: string, input: unknown, wording: SettingsWording = 'command-line'): string[] {
  const problems: string[] = []
  const described = new Set<string>()

  for (const issue of error.issues) {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)'
    if (described.has(field)) continue
    described.add(field)
    const label = (SETTING_LABELS as Record<string, string>)[field]
    const named = wording === 'form' && label ? label : `${where}: ${field}`

    const range = allowedRange(field)
    if (range === null) {
      problems.push(`${named}: ${issue.message}`)
      continue
    }
    const value = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[field] : undefined
    problems.push(`${named}: must be ${range}, got ${JSON.stringify(value) ?? 'nothing'}`)
  }
  return problems
}

/** Describes the values a number setting accepts, such as `a whole number from 1 to 64`, or returns null for others. */
function allowedRange(field: string): string | null {
  const schema = (SettingsSchema.shape as Record<string, z.ZodType>)[field]
  if (!(schema instanceof z.ZodNumber) || schema.minValue === null || schema.maxValue === null) return null

  const kind = schema.isInt ? 'a whole number' : 'a number'
  const unit = field.endsWith('Ms') ? ' of milliseconds' : ''
  return `${kind}${unit} from ${schema.minValue} to ${schema.maxValue}`
}

/**
 * Rejects a first retry delay longer than the maximum delay. p-retry 7 caps every delay at the maximum, so the
 * larger minimum would be ignored without a word.
 */
function checkRetryDelays(settings: Settings, wording: SettingsWording = 'command-line'): void {
  const { backupRetryMinDelayMs: min, backupRetryMaxDelayMs: max } = settings
  if (min <= max) return
  if (wording === 'form') {
    const first = SETTING_LABELS.backupRetryMinDelayMs
    const longest = SETTING_LABELS.backupRetryMaxDelayMs
    throw new SettingsError([
      `${first} is ${min} ms but ${longest} is ${max} ms, and the first retry delay cannot be longer than the longest: ` +
        `lower ${first} or raise ${longest}`,
    ])
  }
  throw new SettingsError([
    `settings: backupRetryMinDelayMs (--retry-min-delay-ms) is ${min} ms but backupRetryMaxDelayMs ` +
      `(--retry-max-delay-ms) is ${max} ms, and the first retry delay cannot be longer than the maximum: ` +
      'lower --retry-min-delay-ms or raise --retry-max-delay-ms',
  ])
}

/**
 * Builds the settings from the defaults, then `<dataDir>/settings.json`, then the given overrides (command-line
 * flags), validates them with zod and checks the folders. The default index and archive folders
 * (`<dataDir>/index`, `<dataDir>/archive`) are created when missing; an index folder that was set explicitly must
 * exist.
 */
export async function resolveSettings(overrides: Partial<Settings> = {}): Promise<Settings> {
  const dataDir = resolve(overrides.dataDir ?? defaultDataDir())
  await ensureWritableDataDir(dataDir)
  const fromFile = await readSettingsFile(dataDir)

  const indexDir = overrides.indexDir ?? fromFile.indexDir
  const archiveDir = overrides.archiveDir ?? fromFile.archiveDir
  const candidate = {
    ...DEFAULT_OPTIONS,
    ...fromFile,
    ...withoutUndefined(overrides),
    dataDir,
    indexDir: resolve(indexDir ?? join(dataDir, 'index')),
    archiveDir: resolve(archiveDir ?? join(dataDir, 'archive')),
  }

  const parsed = SettingsSchema.safeParse(candidate)
  if (!parsed.success) throw new SettingsError(describeIssues(parsed.error, 'settings', candidate))
  const settings = parsed.data
  checkRetryDelays(settings)

  if (!indexDir) await mkdir(settings.indexDir, { recursive: true })
  await checkFolders(settings)
  return settings
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

async function canonical(path: string): Promise<string> {
  try {
    return await realpath(path)
  } catch {
    // A folder that does not exist yet is compared by its resolved name.
    return resolve(path)
  }
}

/** Longest path and longest single name Linux file systems accept (PATH_MAX and NAME_MAX), in bytes. */
const MAX_PATH_BYTES = 4096
const MAX_NAME_BYTES = 255

/**
 * Returns why a folder path can never be opened, or null. Such a path would otherwise be saved and fail at the next
 * start, or at every backup.
 * NOTE: the length limits are Linux's. Windows and macOS allow shorter paths, and there the first use reports them.
 */
function folderPathProblem(label: string, flag: string, path: string, wording: SettingsWording): string | null {
  const where = wording === 'form' ? '' : ` (${flag} on the command line)`
  const shownPath = path.length > 120 ? `${path.slice(0, 120)}…` : path
  if (path.includes('\0')) {
    return `settings: ${label} ${JSON.stringify(shownPath)} contains a NUL byte, which no path can contain: choose another ${label}${where}`
  }
  const tooLong =
    Buffer.byteLength(path) > MAX_PATH_BYTES || path.split(/[/\\]/).some((part) => Buffer.byteLength(part) > MAX_NAME_BYTES)
  if (tooLong) {
    return (
      `settings: ${label} ${shownPath} is longer than file systems allow (${MAX_PATH_BYTES} bytes, or ${MAX_NAME_BYTES} bytes ` +
      `for one folder name): choose a shorter ${label}${where}`
    )
  }
  return null
}

/** Rejects folder combinations the pipeline cannot run with; every problem is listed, not only the first. */
export async function checkFolders(settings: Settings, wording: SettingsWording = 'command-line'): Promise<void> {
  const indexFlag = wording === 'form' ? '' : ' (--index on the command line)'
  const pathProblems = [
    folderPathProblem('index folder', '--index', settings.indexDir, wording),
    folderPathProblem('archive folder', '--archive', settings.archiveDir, wording),
  ].filter((problem): problem is string => problem !== null)
  if (pathProblems.length > 0) throw new SettingsError(pathProblems)

  const problems: string[] = []
  const indexDir = await canonical(settings.indexDir)
  const archiveDir = await canonical(settings.archiveDir)

  try {
    const info = await stat(settings.indexDir)
    if (!info.isDirectory()) problems.push(`settings: index folder ${settings.indexDir} is not a folder: choose an index folder${indexFlag}`)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    problems.push(
      code === 'ENOENT'
        ? `settings: index folder ${settings.indexDir} does not exist: create it or choose another index folder${indexFlag}`
        : `settings: cannot read index folder ${settings.indexDir} (${code}): check its permissions`,
    )
  }

  if (isSameOrInside(archiveDir, indexDir)) {
    problems.push(
      `settings: archive folder ${settings.archiveDir} is the index folder or inside it, so archived files would be processed again: choose an archive folder outside ${settings.indexDir}`,
    )
  } else if (isSameOrInside(indexDir, archiveDir)) {
    problems.push(
      `settings: index folder ${settings.indexDir} is inside the archive folder ${settings.archiveDir}: choose folders that do not contain each other`,
    )
  }

  const dataRealPath = await canonical(settings.dataDir)
  const folders = [
    { label: 'index folder', flag: wording === 'form' ? null : '--index', path: settings.indexDir, realPath: indexDir },
    { label: 'archive folder', flag: wording === 'form' ? null : '--archive', path: settings.archiveDir, realPath: archiveDir },
  ]
  for (const folder of folders) {
    const problem = dataFolderOverlap(folder, settings.dataDir, dataRealPath)
    if (problem !== null) problems.push(problem)
  }

  if (problems.length > 0) throw new SettingsError(problems)
}

/** Creates the data folder when missing and proves it can be written with a probe file. */
export async function ensureWritableDataDir(dataDir: string): Promise<void> {
  const existing = await stat(dataDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null
    throw new SettingsError([`settings: cannot read data folder ${dataDir} (${error.code}): check its permissions`])
  })
  if (existing !== null && !existing.isDirectory()) {
    throw new SettingsError([`settings: data folder ${dataDir} is a file, not a folder: choose a folder with --data`])
  }

  const probe = join(dataDir, `.write-probe-${process.pid}`)
  try {
    await createFolders(dataDir)
    await access(dataDir, constants.W_OK)
    await writeFile(probe, '')
    await rm(probe, { force: true })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error'
    const advice =
      code === 'EROFS'
        ? 'the file system is read-only: remount it read-write or choose another data folder with --data'
        : 'choose another with --data or fix its permissions'
    throw new SettingsError([`settings: data folder ${dataDir} cannot be written (${code}): ${advice}`])
  }
}

/**
 * Creates `folder` and its missing parents one level at a time. Node 20's `mkdir(path, { recursive: true })` never
 * returns for a path under /proc, and reports ENOENT instead of EROFS below a read-only folder.
 */
export async function createFolders(folder: string): Promise<void> {
  try {
    await mkdir(folder)
    return
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return
    if (code !== 'ENOENT' || dirname(folder) === folder) throw error
  }

  await createFolders(dirname(folder))
  try {
    await mkdir(folder)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
}

/**
 * Validates `patch` on top of `current` with the same rules as at start-up, then writes the changed keys into
 * `<dataDir>/settings.json` (through a temporary file and a rename) and returns the new settings. `wording` names
 * the settings in error messages by their flags (the command line) or by their Settings form labels (the UI).
 */
export async function saveSettings(
  current: Settings,
  patch: Partial<Settings>,
  wording: SettingsWording = 'command-line',
): Promise<Settings> {
  const candidate = { ...current, ...withoutUndefined(patch), dataDir: current.dataDir }
  const parsed = SettingsSchema.safeParse(candidate)
  if (!parsed.success) throw new SettingsError(describeIssues(parsed.error, 'settings', candidate, wording))
  const next = parsed.data
  checkRetryDelays(next, wording)
  await checkFolders(next, wording)

  const path = join(current.dataDir, SETTINGS_FILE_NAME)
  const stored = { ...(await readSettingsFile(current.dataDir)), ...withoutUndefined(patch) }
  delete (stored as Partial<Settings>).dataDir
  const temporary = `${path}.tmp-${process.pid}`
  try {
    await writeFile(temporary, JSON.stringify(stored, null, 2) + '\n')
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true })
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error'
    throw new SettingsError([`settings: cannot write ${path} (${code}): check the data folder's permissions and free space`])
  }
  return next
}
