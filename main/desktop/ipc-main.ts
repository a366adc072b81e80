import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron'
import type { PuiEvent } from '../../shared/api'
import { EVENT_CHANNEL } from '../../shared/ipc-channels'
import type { IpcHandlerTable } from './ipc-handlers'
import type { IpcSender } from './trusted-sender'

// The only module of the main process that uses ipcMain. Everything else goes through these typed functions.

/** Describes the frame that sent an IPC message. A frame that navigated away or was destroyed has no URL. */
export function senderOf(event: IpcMainInvokeEvent): IpcSender {
  try {
    const frame = event.senderFrame ?? null
    if (frame === null) return { url: null, isMainFrame: false }
    return { url: frame.url, isMainFrame: frame.parent === null }
  } catch {
    // Electron throws when a frame that has just been destroyed is read; such a sender is untrusted.
    return { url: null, isMainFrame: false }
  }
}

/** Registers a handler for every channel of the table; returns the function that removes them. */
export function registerIpcHandlers(table: IpcHandlerTable): () => void {
  for (const [channel, handler] of Object.entries(table)) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => handler(senderOf(event), args))
  }
  return () => {
    for (const channel of Object.keys(table)) ipcMain.removeHandler(channel)
  }
}

/** Sends an API event to the page on the one event channel; a page that is gone gets nothing. */
export function sendPuiEvent(webContents: WebContents, event: PuiEvent): void {
  if (webContents.isDestroyed()) return
  webContents.send(EVENT_CHANNEL, event)
}
