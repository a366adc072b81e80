import { ipcRenderer, type IpcRendererEvent } from 'electron'
import type { PuiEvent } from '../shared/api'
import { EVENT_CHANNEL, IPC_CHANNELS, type IpcReply, type PuiRequestMethod } from '../shared/ipc-channels'

// The only module of the preload that uses ipcRenderer. The page never receives ipcRenderer itself, only the typed
// functions built here.

/** Sends a request on the method's channel and resolves to the main process's `IpcResult`. */
export function invoke<Method extends PuiRequestMethod>(method: Method, args: unknown[]): Promise<IpcReply<Method>> {
  return ipcRenderer.invoke(IPC_CHANNELS[method], ...args) as Promise<IpcReply<Method>>
}

/** Calls `listener` with each event the main process sends; returns the function that stops it. */
export function onPuiEvent(listener: (event: PuiEvent) => void): () => void {
  const receive = (_event: IpcRendererEvent, event: PuiEvent) => listener(event)
  ipcRenderer.on(EVENT_CHANNEL, receive)
  return () => {
    ipcRenderer.removeListener(EVENT_CHANNEL, receive)
  }
}
