import { contextBridge } from 'electron'

// The typed API is bound here once the grid needs it; until then the page only learns the app's version.
contextBridge.exposeInMainWorld('pui', Object.freeze({ version: '0.1.0' }))
