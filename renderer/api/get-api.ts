import type { PuiApi } from '../../shared/api'
import { readAccessToken } from './access-token'
import { createHttpClient, type HttpClientOptions } from './http-client'
import { createIpcClient } from './ipc-client'

/**
 * Picks the renderer API: the IPC client over the desktop preload's `window.pui` when it is there, else the HTTP
 * client of serve mode with the page's access token. Returns null in serve mode when the page has no token.
 */
export function getApi(options: HttpClientOptions = {}): PuiApi | null {
  const desktop = window.pui
  if (desktop && typeof desktop.listJobs === 'function') return createIpcClient(desktop)

  const token = readAccessToken()
  if (!token) return null
  return createHttpClient(window.location.origin, token, options)
}
