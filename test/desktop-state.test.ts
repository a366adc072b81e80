import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_OPTIONS, resolveSettings, SettingsError, SETTINGS_FILE_NAME } from '../main/core/settings'
import { decideClose } from '../main/desktop/close-behaviour'
import { defaultDesktopFolders, resolveDesktopSettings } from '../main/desktop/desktop-folders'
import {
  DESKTOP_STATE_FILE_NAME,
  INITIAL_DESKTOP_STATE,
  readDesktopState,
  restoreBounds,
  writeDesktopState,
  type Bounds,
} from '../main/desktop/window-state'
import { FsFaults } from './helpers/fs-faults'
import { recordingLogger } from './helpers/recording-logger'

const LAPTOP: Bounds = { x: 0, y: 0, width: 1920, height: 1040 }
const RIGHT_MONITOR: Bounds = { x: 1920, y: 0, width: 2560, height: 1400 }

describe('restoreBounds', () => {
  it('keeps bounds on a display', () => {
    expect(restoreBounds({ x: 100, y: 50, width: 1200, height: 800 }, [LAPTOP])).toEqual({ x: 100, y: 50, width: 1200, height: 800 })
    expect(restoreBounds({ x: 2000, y: 100, width: 1600, height: 900 }, [LAPTOP, RIGHT_MONITOR])).toEqual({ x: 2000, y: 100, width: 1600, height: 900 })
  })

  it('drops bounds of a missing display', () => {
    expect(restoreBounds({ x: 2000, y: 100, width: 1600, height: 900 }, [LAPTOP])).toBeNull()
    expect(restoreBounds({ x: -5000, y: -5000, width: 800, height: 600 }, [LAPTOP])).toBeNull()
    expect(restoreBounds({ x: 100, y: 1030, width: 800, height: 600 }, [LAPTOP])).toBeNull()
  })

  it('shrinks a window larger than its display', () => {
    expect(restoreBounds({ x: 0, y: 0, width: 3000, height: 2000 }, [LAPTOP])).toEqual({ x: 0, y: 0, width: 1920, height: 1040 })
  })

  it('grows a tiny window to the minimum', () => {
    expect(restoreBounds({ x: 10, y: 10, width: 50, height: 20 }, [LAPTOP])).toEqual({ x: 10, y: 10, width: 640, height: 400 })
  })

  it('returns null without saved bounds', () => {
    expect(restoreBounds(null, [LAPTOP])).toBeNull()
    expect(restoreBounds({ x: 0, y: 0, width: 800, height: 600 }, [])).toBeNull()
  })
})

describe('desktop state file', () => {
  let faults: FsFaults
  let dataDir: string

  beforeEach(async () => {
    faults = new FsFaults()
    dataDir = await faults.tempDir('pui-desktop-state')
  })
  afterEach(async () => {
    await faults.cleanup()
  })

  it('round-trips through the data folder', async () => {
    const state = { bounds: { x: 5, y: 6, width: 900, height: 700 }, maximized: true, closeToTrayHintShown: true }

    await writeDesktopState(dataDir, state)

    expect(await readDesktopState(dataDir, recordingLogger())).toEqual(state)
    expect(JSON.parse(await readFile(join(dataDir, DESKTOP_STATE_FILE_NAME), 'utf8'))).toEqual(state)
  })

  it('starts fresh without a file', async () => {
    const logger = recordingLogger()

    expect(await readDesktopState(dataDir, logger)).toEqual(INITIAL_DESKTOP_STATE)
    expect(logger.lines).toEqual([])
  })

  it('replaces a damaged file with defaults', async () => {
    const logger = recordingLogger()
    const path = join(dataDir, DESKTOP_STATE_FILE_NAME)
    await writeFile(path, '{"bounds": ')

    expect(await readDesktopState(dataDir, logger)).toEqual(INITIAL_DESKTOP_STATE)
    expect(logger.lines[0]).toMatch(new RegExp(`^warn desktop: ${path} is not valid JSON \\(`))
  })

  it('keeps valid fields of an odd file', async () => {
    await writeFile(join(dataDir, DESKTOP_STATE_FILE_NAME), JSON.stringify({ bounds: { x: 'left' }, maximized: true, closeToTrayHintShown: 'yes' }))

    expect(await readDesktopState(dataDir, recordingLogger())).toEqual({ bounds: null, maximized: true, closeToTrayHintShown: false })
  })

  it('reports an unwritable data folder', async () => {
    const readOnly = await faults.readOnlyView(dataDir)

    const write = writeDesktopState(readOnly, INITIAL_DESKTOP_STATE)

    await expect(write).rejects.toThrow(`desktop: cannot write ${join(readOnly, DESKTOP_STATE_FILE_NAME)} (EROFS): check the data folder's permissions`)
    expect(existsSync(join(dataDir, DESKTOP_STATE_FILE_NAME))).toBe(false)
  })
})

describe('desktop settings', () => {
  let faults: FsFaults
  let dataDir: string
  let documentsDir: string

  beforeEach(async () => {
    faults = new FsFaults()
    dataDir = join(await faults.tempDir('pui-user-data'), 'PUI Monitor')
    documentsDir = await faults.tempDir('pui-documents')
  })
  afterEach(async () => {
    await faults.cleanup()
  })

  it('defaults to close to tray', async () => {
    const settings = await resolveSettings({ dataDir })

    expect(DEFAULT_OPTIONS.closeToTray).toBe(true)
    expect(DEFAULT_OPTIONS.startAtLogin).toBe(false)
    expect(settings.closeToTray).toBe(true)
    expect(settings.startAtLogin).toBe(false)
  })

  it('creates default folders in Documents', async () => {
    const logger = recordingLogger()

    const settings = await resolveDesktopSettings(dataDir, documentsDir, logger)

    const expected = defaultDesktopFolders(documentsDir)
    expect(expected).toEqual({ indexDir: join(documentsDir, 'PUI Monitor', 'index'), archiveDir: join(documentsDir, 'PUI Monitor', 'archive') })
    expect(settings).toMatchObject({ ...expected, dataDir, closeToTray: true, startAtLogin: false })
    expect(existsSync(expected.indexDir)).toBe(true)
    expect(existsSync(expected.archiveDir)).toBe(true)
    expect(JSON.parse(await readFile(join(dataDir, SETTINGS_FILE_NAME), 'utf8'))).toEqual(expected)
    expect(logger.lines).toEqual([`info desktop: first start, using index folder ${expected.indexDir} and archive folder ${expected.archiveDir}`])
  })

  it('keeps folders named in settings', async () => {
    const indexDir = await faults.tempDir('pui-chosen-index')
    await mkdir(dataDir, { recursive: true })
    await writeFile(join(dataDir, SETTINGS_FILE_NAME), JSON.stringify({ indexDir, startAtLogin: true }))

    const settings = await resolveDesktopSettings(dataDir, documentsDir, recordingLogger())

    expect(settings.indexDir).toBe(indexDir)
    expect(settings.archiveDir).toBe(join(documentsDir, 'PUI Monitor', 'archive'))
    expect(settings.startAtLogin).toBe(true)
    expect(existsSync(join(documentsDir, 'PUI Monitor', 'index'))).toBe(false)
    expect(JSON.parse(await readFile(join(dataDir, SETTINGS_FILE_NAME), 'utf8'))).toEqual({ indexDir, startAtLogin: true, archiveDir: settings.archiveDir })
  })

  it('reports read-only Documents', async () => {
    const readOnly = await faults.readOnlyView(documentsDir)

    const attempt = resolveDesktopSettings(dataDir, readOnly, recordingLogger())

    await expect(attempt).rejects.toBeInstanceOf(SettingsError)
    await expect(resolveDesktopSettings(dataDir, readOnly, recordingLogger())).rejects.toThrow(
      `settings: cannot create the default folder ${join(readOnly, 'PUI Monitor', 'index')} (EROFS): check the permissions of ${readOnly}`,
    )
    expect(existsSync(join(dataDir, SETTINGS_FILE_NAME))).toBe(false)
  })
})

describe('decideClose', () => {
  const base = { closeToTray: true, quitting: false, trayAvailable: true, hintShown: true }

  it.each([
    ['hides to the tray', base, 'hide'],
    ['hints the first time', { ...base, hintShown: false }, 'hide-with-hint'],
    ['quits when the setting is off', { ...base, closeToTray: false }, 'quit'],
    ['quits on Quit', { ...base, quitting: true }, 'quit'],
    ['quits without a tray icon', { ...base, trayAvailable: false }, 'quit'],
  ] as const)('%s', (_case, state, decision) => {
    expect(decideClose(state)).toBe(decision)
  })
})
