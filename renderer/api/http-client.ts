import { ApiCallError, type ApiError, type JobQuery, type PuiApi, type PuiEvent, type ReportRangeRequest } from '../../shared/api'

export interface HttpClientOptions {
  /** Called when the server rejects the access token (HTTP 401), before the call rejects. */
  onUnauthorized?: () => void
}

type ResponseKind = 'json' | 'text'

const API_ERROR_CODES: readonly ApiError['code'][] = [
  'INVALID_REQUEST',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'INVALID_SETTINGS',
  'NOT_AVAILABLE',
  'INTERNAL',
]

const PUI_EVENT_TYPES: readonly PuiEvent['type'][] = ['jobs-changed', 'backup-failed', 'job-failed', 'status-changed']

/**
 * Creates the renderer API over serve mode's HTTP routes and server-sent events. Every request carries
 * `Authorization: Bearer <token>`; the event stream, which cannot send headers, carries the token in its URL.
 * A failed call rejects with an `ApiCallError` built from the server's `{code, message}` body.
 */
export function createHttpClient(baseUrl: string, token: string, options: HttpClientOptions = {}): PuiApi {
  async function request<T>(method: string, path: string, body?: unknown, kind: ResponseKind = 'json'): Promise<T> {
    const url = new URL(path, baseUrl)
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      Accept: kind === 'json' ? 'application/json' : 'text/csv, text/plain',
    }
    if (body !== undefined) headers['Content-Type'] = 'application/json'

    let response: Response
    try {
      response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    } catch (error) {
      throw new ApiCallError({
        code: 'INTERNAL',
        message: `${method} ${url.pathname} failed: no response from the server (${describe(error)}). Check that "pui-monitor serve" is still running.`,
      })
    }

    if (!response.ok) {
      if (response.status === 401) options.onUnauthorized?.()
      throw new ApiCallError(await readApiError(response, method, url.pathname))
    }
    return (kind === 'json' ? await response.json() : await response.text()) as T
  }

  const events = createEventStream(new URL(`/api/events?token=${encodeURIComponent(token)}`, baseUrl).href)

  return {
    listJobs: (query: JobQuery) => request('GET', `/api/jobs?q=${encodeURIComponent(JSON.stringify(query))}`),
    getJob: (id) => request('GET', `/api/jobs/${encodeURIComponent(id)}`),
    retryBackup: (id) => request('POST', `/api/jobs/${encodeURIComponent(id)}/retry-backup`),
    retryFailedBackups: (query) => request('POST', '/api/retry-failed-backups', query),
    acknowledgeFailure: (id) => request('POST', `/api/jobs/${encodeURIComponent(id)}/acknowledge-failure`),
    acknowledgeFailures: (query) => request('POST', '/api/acknowledge-failures', query),
    getReport: (range) => request('GET', `/api/report${rangeParameters(range)}`),
    exportReportCsv: (range) => request('GET', `/api/report.csv${rangeParameters(range)}`, undefined, 'text'),
    getSettings: () => request('GET', '/api/settings'),
    updateSettings: (patch) => request('PUT', '/api/settings', patch),
    getStatus: () => request('GET', '/api/status'),
    pause: () => request('POST', '/api/pause'),
    resume: () => request('POST', '/api/resume'),
    loadSampleFiles: () => request('POST', '/api/samples'),
    chooseFolder: (kind) => request('POST', '/api/choose-folder', { kind }),
    subscribe: events.subscribe,
  }
}

function rangeParameters(range: ReportRangeRequest): string {
  const parameters = new URLSearchParams()
  if (range.from) parameters.set('from', range.from)
  if (range.to) parameters.set('to', range.to)
  const text = parameters.toString()
  return text ? `?${text}` : ''
}

async function readApiError(response: Response, method: string, path: string): Promise<ApiError> {
  const fallback: ApiError = {
    code: 'INTERNAL',
    message: `${method} ${path} failed with HTTP ${response.status} ${response.statusText}.`,
  }
  if (response.status === 401) {
    fallback.message = 'The access token is missing or invalid. Open the URL printed by "pui-monitor serve".'
  }

  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    // A proxy or a crash page can respond with HTML, so the status line is all there is to report.
    return fallback
  }

  if (typeof body !== 'object' || body === null) return fallback
  const { code, message } = body as Record<string, unknown>
  if (typeof message !== 'string') return fallback
  // A code outside the contract, such as the server's UNAUTHORIZED, keeps its message because it names the fix.
  const known = API_ERROR_CODES.find((candidate) => candidate === code)
  return { code: known ?? 'INTERNAL', message }
}

/** Creates the event stream: one EventSource shared by every subscriber, opened with the first and closed with the last. */
function createEventStream(url: string) {
  const listeners = new Set<(event: PuiEvent) => void>()
  let source: EventSource | null = null

  function dispatch(message: MessageEvent<string>): void {
    let event: PuiEvent
    try {
      event = JSON.parse(message.data) as PuiEvent
    } catch (error) {
      console.error(`event stream: ignored a message that is not JSON (${describe(error)}): ${message.data.slice(0, 200)}`)
      return
    }
    if (!PUI_EVENT_TYPES.includes(event.type)) {
      console.error(`event stream: ignored an event of unknown type ${JSON.stringify(event.type)}`)
      return
    }
    for (const listener of listeners) listener(event)
  }

  return {
    subscribe(listener: (event: PuiEvent) => void): () => void {
      listeners.add(listener)
      if (!source) {
        source = new EventSource(url)
        source.addEventListener('message', dispatch)
      }

      return () => {
        listeners.delete(listener)
        if (listeners.size === 0 && source) {
          source.close()
          source = null
        }
      }
    },
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
