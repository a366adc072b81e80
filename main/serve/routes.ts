import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import { ApiCallError, type FolderKind, type JobQuery, type PuiApi, type ReportRangeRequest, type SettingsPatch } from '../../shared/api'
import { HttpError, readJsonBody } from './http-guards'
import { parseRequest } from './validation'

/** Outcome of a route: a JSON value, a CSV download, or a response the route has already started itself. */
export type RouteResult = { json: unknown } | { csv: string; fileName: string } | { streaming: true }

export interface RouteContext {
  request: IncomingMessage
  response: ServerResponse
  url: URL
  api: PuiApi
  /** Starts the server-sent event stream on the response. */
  openEvents: (response: ServerResponse) => void
}

interface Route {
  method: 'GET' | 'POST' | 'PUT'
  /** Pattern over the raw (still percent-encoded) path. Its groups are passed to `handle`. */
  pattern: RegExp
  handle: (context: RouteContext, params: string[]) => Promise<RouteResult>
}

/** File name the browser saves the CSV report under. */
export const REPORT_CSV_FILE_NAME = 'accounting-report.csv'

const EmptyBodySchema = z.object({}).strict()

/** Handler of a POST that takes no arguments: its body must be empty or `{}`. */
function withoutArguments(call: (api: PuiApi) => Promise<unknown>): Route['handle'] {
  return async (context) => {
    await readEmptyBody(context)
    return { json: await call(context.api) }
  }
}

const ROUTES: readonly Route[] = [
  { method: 'GET', pattern: /^\/api\/jobs$/, handle: async ({ api, url }) => ({ json: await api.listJobs(jobQueryParam(url)) }) },
  { method: 'GET', pattern: /^\/api\/jobs\/([^/]+)$/, handle: async ({ api }, [id]) => ({ json: await api.getJob(jobIdParam(id)) }) },
  {
    method: 'POST',
    pattern: /^\/api\/jobs\/([^/]+)\/retry-backup$/,
    handle: async (context, [id]) => {
      await readEmptyBody(context)
      return { json: await context.api.retryBackup(jobIdParam(id)) }
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/retry-failed-backups$/,
    handle: async (context) => ({ json: await context.api.retryFailedBackups(((await readJsonBody(context.request, context.response)) ?? {}) as JobQuery) }),
  },
  {
    method: 'POST',
    pattern: /^\/api\/jobs\/([^/]+)\/acknowledge-failure$/,
    handle: async (context, [id]) => {
      await readEmptyBody(context)
      return { json: await context.api.acknowledgeFailure(jobIdParam(id)) }
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/acknowledge-failures$/,
    handle: async (context) => ({ json: await context.api.acknowledgeFailures(((await readJsonBody(context.request, context.response)) ?? {}) as JobQuery) }),
  },
  {
    method: 'POST',
    pattern: /^\/api\/choose-folder$/,
    handle: async (context) => {
      const body = (await readJsonBody(context.request, context.response)) as { kind?: unknown } | undefined
      return { json: await context.api.chooseFolder(body?.kind as FolderKind) }
    },
  },
  { method: 'GET', pattern: /^\/api\/report$/, handle: async ({ api, url }) => ({ json: await api.getReport(reportRangeParams(url)) }) },
  {
    method: 'GET',
    pattern: /^\/api\/report\.csv$/,
    handle: async ({ api, url }) => ({ csv: await api.exportReportCsv(reportRangeParams(url)), fileName: REPORT_CSV_FILE_NAME }),
  },
  { method: 'GET', pattern: /^\/api\/settings$/, handle: async ({ api }) => ({ json: await api.getSettings() }) },
  {
    method: 'PUT',
    pattern: /^\/api\/settings$/,
    handle: async (context) => {
      const body = await readJsonBody(context.request, context.response)
      if (body === undefined) throw new HttpError(400, 'INVALID_REQUEST', 'PUT /api/settings needs a JSON body with the settings to change')
      return { json: await context.api.updateSettings(body as SettingsPatch) }
    },
  },
  { method: 'GET', pattern: /^\/api\/status$/, handle: async ({ api }) => ({ json: await api.getStatus() }) },
  { method: 'POST', pattern: /^\/api\/pause$/, handle: withoutArguments((api) => api.pause()) },
  { method: 'POST', pattern: /^\/api\/resume$/, handle: withoutArguments((api) => api.resume()) },
  { method: 'POST', pattern: /^\/api\/samples$/, handle: withoutArguments((api) => api.loadSampleFiles()) },
  {
    method: 'GET',
    pattern: /^\/api\/events$/,
    handle: async ({ response, openEvents }) => {
      openEvents(response)
      return { streaming: true }
    },
  },
]

/** Finds the route for a request and runs it. Throws 404 for an unknown path and 405 for a known path with another method. */
export async function runApiRoute(context: RouteContext): Promise<RouteResult> {
  const pathname = context.url.pathname
  const allowed: string[] = []
  for (const route of ROUTES) {
    const match = route.pattern.exec(pathname)
    if (!match) continue
    if (route.method === context.request.method) return route.handle(context, match.slice(1))
    allowed.push(route.method)
  }
  if (allowed.length > 0) {
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${context.request.method} is not allowed on ${pathname}`, { Allow: allowed.join(', ') })
  }
  throw new HttpError(404, 'NOT_FOUND', `no API route ${pathname.slice(0, 200)}`)
}

/** Decodes a job id from the path. Whatever it decodes to, the API only ever looks it up as an id, never as a path. */
function jobIdParam(raw: string | undefined = ''): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new ApiCallError({ code: 'NOT_FOUND', message: `no job ${JSON.stringify(raw.slice(0, 40))}: job ids look like J000042` })
  }
}

/** Parses the `q` parameter, a URL-encoded JSON `JobQuery`. A missing one lists everything. */
function jobQueryParam(url: URL): JobQuery {
  const text = url.searchParams.get('q')
  if (text === null || text === '') return {}
  try {
    return JSON.parse(text) as JobQuery
  } catch (error) {
    throw new HttpError(400, 'INVALID_REQUEST', `the q parameter is not valid JSON: ${(error as Error).message}`)
  }
}

/** Reads the `from` and `to` parameters of a report (`YYYY-MM-DD`). A missing or empty one leaves that end open. */
function reportRangeParams(url: URL): ReportRangeRequest {
  const range: ReportRangeRequest = {}
  const from = url.searchParams.get('from')
  const to = url.searchParams.get('to')
  if (from) range.from = from
  if (to) range.to = to
  return range
}

/** Reads the body of a request that takes no arguments: empty or `{}`. */
async function readEmptyBody(context: RouteContext): Promise<void> {
  const body = await readJsonBody(context.request, context.response)
  if (body !== undefined) parseRequest(EmptyBodySchema, body, 'request body')
}
