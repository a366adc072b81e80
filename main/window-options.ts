import { PRODUCT_NAME } from './desktop/app-identity'
import { DEFAULT_WINDOW_SIZE, MIN_WINDOW_SIZE, type Bounds } from './desktop/window-state'

export interface WindowOptionsInput {
  /** Bounds restored from the last run (see `restoreBounds`), or null for the default size, centred. */
  bounds: Bounds | null
  /** DevTools are available in development only: `!app.isPackaged`. */
  devTools: boolean
}

/**
 * Options of the main window. The page runs sandboxed, isolated from Node, and reaches the core only through the
 * preload. The window stays hidden until its first paint, so it never flashes empty.
 */
export function windowOptions(preloadPath: string, input: WindowOptionsInput = { bounds: null, devTools: false }) {
  const placement = input.bounds ?? { ...DEFAULT_WINDOW_SIZE, center: true }
  return {
    ...placement,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    title: PRODUCT_NAME,
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: input.devTools,
    },
  } as const
}
