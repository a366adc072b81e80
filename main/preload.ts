import { contextBridge } from 'electron'
import { IPC_CHANNELS, type PuiBridge, type PuiRequestMethod } from '../shared/ipc-channels'
import { invoke, onPuiEvent } from './preload-ipc'

// Runs sandboxed, where a preload may require only `electron`: the bundle inlines every other import.

function bind<Method extends PuiRequestMethod>(method: Method): PuiBridge[Method] {
  return ((...args: unknown[]) => invoke(method, args)) as PuiBridge[Method]
}

const requests = Object.fromEntries((Object.keys(IPC_CHANNELS) as PuiRequestMethod[]).map((method) => [method, bind(method)]))

/** The renderer API as `window.pui`: one function per request method of the contract, and `subscribe`. */
const bridge = { ...requests, subscribe: onPuiEvent } as PuiBridge

contextBridge.exposeInMainWorld('pui', Object.freeze(bridge))
