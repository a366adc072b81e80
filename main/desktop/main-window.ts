import { pathToFileURL } from 'node:url'
import { BrowserWindow, screen, session, shell } from 'electron'
import type { CoreLogger } from '../core/logger'
import { windowOptions } from '../window-options'
import { buildContentSecurityPolicy, withContentSecurityPolicy } from './content-security-policy'
import type { RendererSource } from './trusted-sender'
import { decideNavigation, isPermissionAllowed } from './web-guards'
import { restoreBounds, type DesktopState } from './window-state'

export interface MainWindowOptions {
  preloadPath: string
  /** Built `index.html`, used when no development server is given. */
  indexHtmlPath: string
  /** URL of the renderer's development server (`ELECTRON_RENDERER_URL` from electron-vite), or null. */
  devServerUrl: string | null
  devTools: boolean
  state: DesktopState
  logger: CoreLogger
}

/** Returns where the page comes from, for the CSP and the IPC sender check. */
export function rendererSourceOf(options: Pick<MainWindowOptions, 'indexHtmlPath' | 'devServerUrl'>): RendererSource {
  if (options.devServerUrl !== null) return { kind: 'dev-server', origin: new URL(options.devServerUrl).origin }
  return { kind: 'file', indexFileUrl: pathToFileURL(options.indexHtmlPath).href }
}

/**
 * Applies the session-wide guards once: the CSP header on every response (the built page also carries it in a
 * `<meta>` element, because `file:` responses have no headers), and every permission denied except notifications.
 */
export function guardSession(devServerUrl: string | null): void {
  const policy = buildContentSecurityPolicy({ devServerOrigin: devServerUrl === null ? null : new URL(devServerUrl).origin })
  const defaultSession = session.defaultSession
  defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders, policy) })
  })
  defaultSession.setPermissionRequestHandler((_webContents, permission, callback) => callback(isPermissionAllowed(permission)))
  defaultSession.setPermissionCheckHandler((_webContents, permission) => isPermissionAllowed(permission))
}

/** Creates the main window on the app's page, with navigation and new windows denied and web links sent to the browser. */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const workAreas = screen.getAllDisplays().map((display) => display.workArea)
  const bounds = restoreBounds(options.state.bounds, workAreas)
  const window = new BrowserWindow(windowOptions(options.preloadPath, { bounds, devTools: options.devTools }))
  if (bounds !== null && options.state.maximized) window.maximize()

  const openExternally = (url: string) => {
    const decision = decideNavigation(url)
    if (decision.openExternally === null) {
      options.logger.warn(`desktop: blocked the page from opening ${url.slice(0, 200)}`)
      return
    }
    shell.openExternal(decision.openExternally).catch((error: unknown) => {
      options.logger.error(`desktop: cannot open ${decision.openExternally} in the browser: ${(error as Error).message}`)
    })
  }
  window.webContents.setWindowOpenHandler(({ url }) => {
    openExternally(url)
    return { action: 'deny' }
  })
  window.webContents.on('will-navigate', (event) => {
    event.preventDefault()
    openExternally(event.url)
  })
  window.webContents.on('will-attach-webview', (event) => event.preventDefault())
  window.once('ready-to-show', () => window.show())

  const loaded = options.devServerUrl !== null ? window.loadURL(options.devServerUrl) : window.loadFile(options.indexHtmlPath)
  loaded.catch((error: unknown) => options.logger.error(`desktop: cannot load the page: ${(error as Error).message}`))
  return window
}

/** Returns the window's placement to remember: its bounds when not maximized, and whether it is maximized. */
export function placementOf(window: BrowserWindow): Pick<DesktopState, 'bounds' | 'maximized'> {
  const { x, y, width, height } = window.getNormalBounds()
  return {
    bounds: { x: Math.round(x), y: Math.round(y), width: Math.round(width), height: Math.round(height) },
    maximized: window.isMaximized(),
  }
}
