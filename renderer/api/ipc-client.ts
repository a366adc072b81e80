import { ApiCallError, type PuiApi } from '../../shared/api'
import { IPC_CHANNELS, type IpcResult, type PuiBridge, type PuiRequestMethod } from '../../shared/ipc-channels'

/**
 * Creates the renderer API over the desktop preload's `window.pui`. Each call resolves to the reply's value or
 * rejects with an `ApiCallError` carrying the reply's code, as the HTTP client of serve mode does.
 */
export function createIpcClient(bridge: PuiBridge): PuiApi {
  const api: Record<string, unknown> = { subscribe: (listener: Parameters<PuiApi['subscribe']>[0]) => bridge.subscribe(listener) }
  for (const method of Object.keys(IPC_CHANNELS) as PuiRequestMethod[]) {
    const send = bridge[method] as (...args: unknown[]) => Promise<IpcResult<unknown>>
    api[method] = async (...args: unknown[]) => unwrap(method, await send(...args))
  }
  return api as unknown as PuiApi
}

function unwrap<T>(method: string, reply: IpcResult<T> | undefined): T {
  if (reply === undefined || reply === null || typeof reply !== 'object') {
    throw new ApiCallError({ code: 'INTERNAL', message: `${method} failed: the desktop app sent no reply; restart it and look in its log file` })
  }
  if (reply.ok) return reply.value
  throw new ApiCallError(reply.error)
}
