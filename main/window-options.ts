/** Options of the main window. The page runs sandboxed, isolated from Node, and reaches the core only through the preload. */
export function windowOptions(preloadPath: string) {
  return {
    width: 1280,
    height: 800,
    show: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  } as const
}
