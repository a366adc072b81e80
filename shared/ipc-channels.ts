import type { ApiError, PuiApi } from './api'

/** The PuiApi methods that are requests with a reply; `subscribe` is the one-way event channel instead. */
export type PuiRequestMethod = Exclude<keyof PuiApi, 'subscribe'>

/**
 * IPC channel of each request method of the desktop app. The main process registers one handler per entry and the
 * preload binds one function per entry, so a method missing here fails to compile on both sides.
 */
export const IPC_CHANNELS = {
  listJobs: 'pui:list-jobs',
  getJob: 'pui:get-job',
  retryBackup: 'pui:retry-backup',
  retryFailedBackups: 'pui:retry-failed-backups',
  acknowledgeFailure: 'pui:acknowledge-failure',
  acknowledgeFailures: 'pui:acknowledge-failures',
  getReport: 'pui:get-report',
  exportReportCsv: 'pui:export-report-csv',
  getSettings: 'pui:get-settings',
  updateSettings: 'pui:update-settings',
  getStatus: 'pui:get-status',
  pause: 'pui:pause',
  resume: 'pui:resume',
  loadSampleFiles: 'pui:load-sample-files',
  chooseFolder: 'pui:choose-folder',
} as const satisfies Record<PuiRequestMethod, string>

/** Channel on which the main process sends each `PuiEvent` to the window. */
export const EVENT_CHANNEL = 'pui:event'

/** Every method of `PuiApi`, in the order of `IPC_CHANNELS`, then `subscribe`. */
export const PUI_API_METHODS: readonly (keyof PuiApi)[] = [...(Object.keys(IPC_CHANNELS) as PuiRequestMethod[]), 'subscribe']

/**
 * Reply of an IPC request. Errors travel as values because Electron keeps only the message of an error thrown
 * across IPC or the context bridge, and the renderer needs the `code`.
 */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: ApiError }

/** Reply type of a request method. */
export type IpcReply<Method extends PuiRequestMethod> = IpcResult<Awaited<ReturnType<PuiApi[Method]>>>

/**
 * The API the desktop preload exposes as `window.pui`: the methods of `PuiApi` with the same arguments, each resolving
 * to an `IpcResult`, and `subscribe`. The renderer turns it back into a `PuiApi` (`renderer/api/ipc-client.ts`).
 */
export type PuiBridge = {
  [Method in PuiRequestMethod]: (...args: Parameters<PuiApi[Method]>) => Promise<IpcReply<Method>>
} & Pick<PuiApi, 'subscribe'>
