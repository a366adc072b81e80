// A stand-in for the `electron` module so built bundles can be loaded under plain Node. It records what the
// bundle asked for and prints it as one JSON line when the process exits.
const calls = []
const record = (name, ...args) => calls.push({ name, args: JSON.parse(JSON.stringify(args ?? null)) })

class BrowserWindow {
  constructor(options) {
    record('BrowserWindow', options)
    this.webContents = { on: () => undefined, setWindowOpenHandler: () => undefined }
  }
  loadFile(path) {
    record('loadFile', path)
    return Promise.resolve()
  }
  on() {}
}

const app = {
  requestSingleInstanceLock: () => true,
  whenReady: () => Promise.resolve(),
  on: (event) => record('app.on', event),
  quit: () => record('app.quit'),
  getPath: () => '/tmp',
}

const contextBridge = { exposeInMainWorld: (key, api) => record('exposeInMainWorld', key, Object.keys(api)) }
const ipcRenderer = { invoke: () => Promise.resolve(), on: () => undefined, removeListener: () => undefined }
const ipcMain = { handle: () => undefined, on: () => undefined }

process.on('exit', () => process.stdout.write(`ELECTRON_STUB_CALLS ${JSON.stringify(calls)}\n`))

module.exports = { app, BrowserWindow, contextBridge, ipcRenderer, ipcMain, default: undefined }
module.exports.default = module.exports
