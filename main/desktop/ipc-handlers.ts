import { z } from 'zod'
import {
  ApiCallError,
  FolderKindSchema,
  JobQuerySchema,
  ReportRangeSchema,
  type ApiError,
  type PuiApi,
  type SettingsPatch,
} from '../../shared/api'
import { IPC_CHANNELS, type IpcResult, type PuiRequestMethod } from '../../shared/ipc-channels'
import type { CoreLogger } from '../core/logger'
import { parseRequest } from '../serve/validation'
import type { IpcSender } from './trusted-sender'

/** Handler of one IPC request. It returns every failure as `{ ok: false, error }` instead of throwing. */
export type IpcHandler = (sender: IpcSender, args: unknown[]) => Promise<IpcResult<unknown>>

/** One handler per IPC channel of `IPC_CHANNELS`. */
export type IpcHandlerTable = Readonly<Record<string, IpcHandler>>

interface RequestSpec {
  run(api: PuiApi, args: unknown[]): Promise<unknown>
}

/** Pairs the argument list's schema with the call, so each call receives the types the schema produced. */
function request<Args extends unknown[]>(schema: z.ZodType<Args>, call: (api: PuiApi, args: Args) => Promise<unknown>): RequestSpec {
  return { run: (api, args) => call(api, parseRequest(schema, args, 'arguments')) }
}

const NoArguments = z.tuple([])

/**
 * A settings change passes as it is, because `ApiService.updateSettings` checks its shape, names and values with
 * the same messages as serve mode and the command line. A zod record would be wrong here: it copies keys into a new
 * object, where an own `__proto__` key becomes the prototype and vanishes from the checked keys.
 */
const SettingsChange = z.unknown()

/** Argument schemas and calls of every request method. Each call gets exactly the arguments of its `PuiApi` method. */
const REQUESTS: Readonly<Record<PuiRequestMethod, RequestSpec>> = {
  listJobs: request(z.tuple([JobQuerySchema]), (api, [query]) => api.listJobs(query)),
  getJob: request(z.tuple([z.string()]), (api, [id]) => api.getJob(id)),
  retryBackup: request(z.tuple([z.string()]), (api, [id]) => api.retryBackup(id)),
  retryFailedBackups: request(z.tuple([JobQuerySchema]), (api, [query]) => api.retryFailedBackups(query)),
  acknowledgeFailure: request(z.tuple([z.string()]), (api, [id]) => api.acknowledgeFailure(id)),
  acknowledgeFailures: request(z.tuple([JobQuerySchema]), (api, [query]) => api.acknowledgeFailures(query)),
  getReport: request(z.tuple([ReportRangeSchema]), (api, [range]) => api.getReport(range)),
  exportReportCsv: request(z.tuple([ReportRangeSchema]), (api, [range]) => api.exportReportCsv(range)),
  getSettings: request(NoArguments, (api) => api.getSettings()),
  updateSettings: request(z.tuple([SettingsChange]), (api, [patch]) => api.updateSettings(patch as SettingsPatch)),
  getStatus: request(NoArguments, (api) => api.getStatus()),
  pause: request(NoArguments, (api) => api.pause()),
  resume: request(NoArguments, (api) => api.resume()),
  loadSampleFiles: request(NoArguments, (api) => api.loadSampleFiles()),
  chooseFolder: request(z.tuple([FolderKindSchema]), (api, [kind]) => api.chooseFolder(kind)),
}

export interface IpcHandlerOptions {
  api: PuiApi
  /** Returns true when the sender is the app's own page (see `isTrustedSender`). */
  isTrusted: (sender: IpcSender) => boolean
  logger: CoreLogger
}

/**
 * Creates the handler of every IPC channel. Each handler first checks that the sender is the app's own page, then
 * parses the arguments with the contract's zod schemas, then calls the API. A rejected sender gets `FORBIDDEN`,
 * invalid arguments get `INVALID_REQUEST`, an `ApiCallError` keeps its code, and anything else becomes `INTERNAL`.
 */
export function createIpcHandlers(options: IpcHandlerOptions): IpcHandlerTable {
  const table: Record<string, IpcHandler> = {}
  for (const method of Object.keys(IPC_CHANNELS) as PuiRequestMethod[]) {
    table[IPC_CHANNELS[method]] = (sender, args) => handle(method, sender, args, options)
  }
  return table
}

async function handle(method: PuiRequestMethod, sender: IpcSender, args: unknown[], options: IpcHandlerOptions): Promise<IpcResult<unknown>> {
  const channel = IPC_CHANNELS[method]
  if (!options.isTrusted(sender)) {
    const from = sender.url === null ? 'a frame that no longer exists' : `${sender.isMainFrame ? '' : 'a subframe of '}${sender.url.slice(0, 200)}`
    options.logger.warn(`ipc: rejected ${channel} from ${from}`)
    return failure({ code: 'FORBIDDEN', message: `${channel} was rejected: only the app's own page may call the API` })
  }

  try {
    return { ok: true, value: await REQUESTS[method].run(options.api, Array.isArray(args) ? args : [args]) }
  } catch (error) {
    if (error instanceof ApiCallError) return failure(error.error)
    options.logger.error(`ipc: ${channel} failed: ${(error as Error)?.stack ?? String(error)}`)
    return failure({ code: 'INTERNAL', message: `${method} failed: ${(error as Error)?.message ?? String(error)}; the details are in the log file` })
  }
}

function failure(error: ApiError): IpcResult<never> {
  return { ok: false, error: { code: error.code, message: error.message } }
}
