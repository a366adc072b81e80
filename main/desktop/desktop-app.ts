import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { app, BrowserWindow, dialog, Notification, shell } from 'electron'
import type { FolderKind } from '../../shared/api'
import type { Settings } from '../../shared/schemas'
import { createLogger, type CoreLogger } from '../core/logger'
import { Monitor } from '../core/monitor'
import { ApiService } from '../serve/api-service'
import { APP_USER_MODEL_ID } from './app-identity'
import { CLOSE_TO_TRAY_HINT, decideClose } from './close-behaviour'
import { resolveDesktopSettings } from './desktop-folders'
import { startFailureNotifier } from './failure-notifier'
import { createIpcHandlers } from './ipc-handlers'
import { registerIpcHandlers, sendPuiEvent } from './ipc-main'
import { createMainWindow, guardSession, placementOf, rendererSourceOf } from './main-window'
import { NotificationAdapter } from './notification-adapter'
import { createTray, type DesktopTray } from './tray'
import { trayStateOf, type TrayAction } from './tray-menu'
import { isTrustedSender } from './trusted-sender'
import { readDesktopState, writeDesktopState, type DesktopState } from './window-state'

/** Platforms where Electron can register the app to start at login (`app.setLoginItemSettings`). */
const LOGIN_ITEM_PLATFORMS: ReadonlySet<NodeJS.Platform> = new Set(['darwin', 'win32'])

const bundleDir = fileURLToPath(new URL('.', import.meta.url))

/**
 * Starts the desktop app: one instance per user (a second launch focuses the first window), the core on the data
 * folder `app.getPath('userData')`, the window, the IPC handlers, the tray and the OS notifications.
 */
export function runDesktopApp(): void {
  app.setAppUserModelId(APP_USER_MODEL_ID)
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return
  }
  app
    .whenReady()
    .then(startDesktop)
    .catch((error: unknown) => {
      // The logger may not exist yet, so the error goes to the dialog and to standard error.
      console.error(`desktop: start-up failed: ${(error as Error)?.stack ?? String(error)}`)
      dialog.showErrorBox('PUI Monitor stopped', `${(error as Error)?.message ?? String(error)}`)
      app.exit(1)
    })
}

async function startDesktop(): Promise<void> {
  const dataDir = app.getPath('userData')
  const logger = createLogger(dataDir, { prefix: 'desktop' })
  logger.info(`desktop: starting ${app.getName()} ${app.getVersion()} with data folder ${dataDir}`)

  let settings: Settings
  let monitor: Monitor
  try {
    settings = await resolveDesktopSettings(dataDir, app.getPath('documents'), logger)
    monitor = await Monitor.open(settings, { logger })
  } catch (error) {
    logger.error(`desktop: cannot start: ${(error as Error).stack ?? error}`)
    dialog.showErrorBox('PUI Monitor cannot start', `${(error as Error).message}\n\nThe log is in ${join(dataDir, 'logs')}.`)
    app.exit(2)
    return
  }

  const devServerUrl = !app.isPackaged && process.env.ELECTRON_RENDERER_URL ? process.env.ELECTRON_RENDERER_URL : null
  const indexHtmlPath = join(bundleDir, '../renderer/index.html')
  const state: DesktopState = await readDesktopState(dataDir, logger)
  const saveState = () => writeDesktopState(dataDir, state).catch((error: unknown) => logger.warn((error as Error).message))
  let window: BrowserWindow | null = null
  let tray: DesktopTray | null = null
  let quitting = false

  const api = new ApiService(monitor, {
    logger,
    desktop: { chooseFolder: (kind, current) => chooseFolder(window, kind, current) },
    onSettingsSaved: (saved) => {
      settings = saved
      applyLoginItem(saved, logger)
    },
  })
  applyLoginItem(settings, logger)

  guardSession(devServerUrl)
  const source = rendererSourceOf({ indexHtmlPath, devServerUrl })
  registerIpcHandlers(createIpcHandlers({ api, logger, isTrusted: (sender) => isTrustedSender(sender, source) }))

  function showWindow(): BrowserWindow {
    if (window === null || window.isDestroyed()) window = openWindow()
    if (window.isMinimized()) window.restore()
    window.show()
    window.focus()
    return window
  }

  const notifications = new NotificationAdapter({
    factory: { isSupported: () => Notification.isSupported(), create: (content) => new Notification(content) },
    logger,
    onClick: (notice) => sendPuiEvent(showWindow().webContents, { type: 'notice-opened', notice }),
  })

  function openWindow(): BrowserWindow {
    const created = createMainWindow({
      preloadPath: join(bundleDir, '../preload/index.cjs'),
      indexHtmlPath,
      devServerUrl,
      devTools: !app.isPackaged,
      state,
      logger,
    })
    created.on('close', (event) => {
      Object.assign(state, placementOf(created))
      const decision = decideClose({ closeToTray: settings.closeToTray, quitting, trayAvailable: tray !== null, hintShown: state.closeToTrayHintShown })
      if (decision !== 'quit') {
        event.preventDefault()
        created.hide()
      }
      if (decision === 'hide-with-hint') {
        state.closeToTrayHintShown = notifications.showContent(CLOSE_TO_TRAY_HINT, showWindow)
      }
      void saveState()
    })
    return created
  }

  window = openWindow()
  app.on('second-instance', () => showWindow())
  api.subscribe((event) => {
    if (window !== null && !window.isDestroyed()) sendPuiEvent(window.webContents, event)
  })
  // NOTE: the main process cannot read the notification level, which the page keeps in its localStorage. OS
  // notifications therefore cover backup failures only, and the level applies to the page's banners.
  startFailureNotifier({ api, level: 'backup-failures', show: (notice) => notifications.show(notice) })

  const onTrayAction = (action: TrayAction) => runTrayAction(action, { api, showWindow, logger, quit: () => app.quit() })
  try {
    tray = createTray(join(app.getAppPath(), 'resources'), onTrayAction, logger)
  } catch (error) {
    logger.error(`desktop: cannot create the tray icon, so closing the window quits: ${(error as Error).message}`)
  }
  const updateTray = () => tray?.update(trayStateOf(monitor.jobs(), monitor.isPaused))
  api.subscribe(updateTray)
  updateTray()

  app.on('before-quit', () => {
    quitting = true
  })
  app.on('window-all-closed', () => app.quit())
  let stopped = false
  app.on('will-quit', (event) => {
    if (stopped) return
    event.preventDefault()
    stopped = true
    logger.info('desktop: quitting, letting running jobs finish')
    void saveState()
      .then(() => {
        api.close()
        tray?.destroy()
        return monitor.stop()
      })
      .catch((error: unknown) => logger.error(`desktop: stopping failed: ${(error as Error).stack ?? error}`))
      .finally(() => app.quit())
  })

  await monitor.start()
  if (monitor.storeRecovery) notifications.showContent({ title: 'Job store recovered', body: monitor.storeRecovery.message }, showWindow)
}

async function chooseFolder(window: BrowserWindow | null, kind: FolderKind, current: string): Promise<string | null> {
  const options: Electron.OpenDialogOptions = {
    title: kind === 'index' ? 'Choose the index folder to watch' : 'Choose the archive folder',
    defaultPath: current,
    properties: ['openDirectory', 'createDirectory'],
  }
  const result = window !== null && !window.isDestroyed() ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options)
  return result.canceled ? null : (result.filePaths[0] ?? null)
}

function applyLoginItem(settings: Settings, logger: CoreLogger): void {
  if (!LOGIN_ITEM_PLATFORMS.has(process.platform)) {
    if (settings.startAtLogin) logger.warn(`desktop: starting at login is not available on ${process.platform}; add PUI Monitor to the desktop's autostart instead`)
    return
  }
  app.setLoginItemSettings({ openAtLogin: settings.startAtLogin })
}

interface TrayActionContext {
  api: ApiService
  showWindow(): void
  quit(): void
  logger: CoreLogger
}

function runTrayAction(action: TrayAction, context: TrayActionContext): void {
  const { api, logger } = context
  const report = (action: string) => (error: unknown) => logger.error(`desktop: tray: ${action} failed: ${(error as Error).message}`)
  const openFolder = (path: string) =>
    shell.openPath(path).then((problem) => {
      if (problem !== '') logger.error(`desktop: tray: cannot open ${path}: ${problem}`)
    })

  switch (action) {
    case 'show-window':
      return context.showWindow()
    case 'retry-failed-backups':
      void api.retryFailedBackups({}).catch(report('retrying the failed backups'))
      return
    case 'pause':
      void api.pause().catch(report('pausing'))
      return
    case 'resume':
      void api.resume().catch(report('resuming'))
      return
    case 'open-index-folder':
      void api.getStatus().then((status) => openFolder(status.indexDir)).catch(report('opening the index folder'))
      return
    case 'open-archive-folder':
      void api.getStatus().then((status) => openFolder(status.archiveDir)).catch(report('opening the archive folder'))
      return
    case 'quit':
      return context.quit()
    default: {
      const unknownAction: never = action
      logger.warn(`desktop: tray: unknown action ${String(unknownAction)}`)
    }
  }
}
