// A stand-in for the `electron` module so built bundles can be loaded under plain Node. It records what the
// bundle asked for and prints it as one JSON line when the process exits.
//
// `app.getPath` returns ELECTRON_STUB_USER_DATA and ELECTRON_STUB_DOCUMENTS (a new temporary folder when
// unset). A process that called `app.whenReady()` exits ELECTRON_STUB_EXIT_MS milliseconds later (default 1500),
// because the desktop app it loaded would otherwise keep watching its index folder.
const { mkdtempSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')

const calls = []
const record = (name, ...args) => calls.push({ name, args: JSON.parse(JSON.stringify(args ?? null) ?? 'null') })
const exposed = {}
let stubRoot = null

function stubFolder(variable, name) {
  if (process.env[variable]) return process.env[variable]
  stubRoot ??= mkdtempSync(join(tmpdir(), 'electron-stub-'))
  return join(stubRoot, name)
}

class EventTarget {
  on() {
    return this
  }
  once() {
    return this
  }
}

class WebContents extends EventTarget {
  setWindowOpenHandler() {}
  isDestroyed() {
    return false
  }
  send(channel, ...args) {
    record('webContents.send', channel, ...args)
  }
}

class BrowserWindow extends EventTarget {
  constructor(options) {
    super()
    record('BrowserWindow', options)
    this.webContents = new WebContents()
  }
  loadFile(path) {
    record('loadFile', path)
    return Promise.resolve()
  }
  loadURL(url) {
    record('loadURL', url)
    return Promise.resolve()
  }
  maximize() {}
  show() {}
  hide() {}
  focus() {}
  restore() {}
  isMinimized() {
    return false
  }
  isMaximized() {
    return false
  }
  isDestroyed() {
    return false
  }
  getNormalBounds() {
    return { x: 0, y: 0, width: 1280, height: 800 }
  }
}

const app = {
  isPackaged: false,
  setAppUserModelId: (id) => record('app.setAppUserModelId', id),
  requestSingleInstanceLock: () => true,
  whenReady: () => {
    setTimeout(() => process.exit(0), Number(process.env.ELECTRON_STUB_EXIT_MS ?? 1500))
    return Promise.resolve()
  },
  on: (event) => record('app.on', event),
  quit: () => record('app.quit'),
  exit: (code) => {
    record('app.exit', code)
    process.exit(code)
  },
  getPath: (name) => (name === 'documents' ? stubFolder('ELECTRON_STUB_DOCUMENTS', 'documents') : stubFolder('ELECTRON_STUB_USER_DATA', 'user-data')),
  getAppPath: () => process.cwd(),
  getName: () => 'PUI Monitor',
  getVersion: () => '0.0.0-stub',
  setLoginItemSettings: (settings) => record('app.setLoginItemSettings', settings),
}

class Tray extends EventTarget {
  constructor() {
    super()
    record('Tray')
  }
  setImage() {}
  setToolTip(text) {
    record('tray.setToolTip', text)
  }
  setContextMenu() {}
  destroy() {}
}

class Notification extends EventTarget {
  static isSupported() {
    return false
  }
  show() {}
}

const session = {
  defaultSession: {
    webRequest: { onHeadersReceived: () => record('session.onHeadersReceived') },
    setPermissionRequestHandler: () => record('session.setPermissionRequestHandler'),
    setPermissionCheckHandler: () => record('session.setPermissionCheckHandler'),
  },
}

const contextBridge = {
  exposeInMainWorld: (key, api) => {
    exposed[key] = api
    record('exposeInMainWorld', key, Object.keys(api))
  },
}
const ipcRenderer = {
  invoke: (channel, ...args) => {
    record('ipcRenderer.invoke', channel, ...args)
    return Promise.resolve({ ok: true, value: null })
  },
  on: (channel) => record('ipcRenderer.on', channel),
  removeListener: (channel) => record('ipcRenderer.removeListener', channel),
}
const ipcMain = {
  handle: (channel) => record('ipcMain.handle', channel),
  removeHandler: () => undefined,
  on: () => undefined,
}

globalThis.__electronStubExposed = exposed
process.on('exit', () => process.stdout.write(`ELECTRON_STUB_CALLS ${JSON.stringify(calls)}\n`))

const dialog = {
  showErrorBox: (title, message) => record('dialog.showErrorBox', title, message),
  showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
}
const Menu = { buildFromTemplate: (template) => template }
const nativeImage = { createFromPath: (path) => ({ path }) }
const screen = { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] }
const shell = { openExternal: async () => undefined, openPath: async () => '' }

// Shorthand properties only, so Node's CommonJS export detection gives ES modules these named exports.
module.exports = { app, BrowserWindow, contextBridge, dialog, ipcMain, ipcRenderer, Menu, nativeImage, Notification, screen, session, shell, Tray }
module.exports.default = module.exports
