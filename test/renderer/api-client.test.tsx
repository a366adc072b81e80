// @vitest-environment jsdom
import { render, screen, cleanup } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiCallError } from '../../shared/api'
import { App } from '../../renderer/App'
import { readAccessToken } from '../../renderer/api/access-token'
import { getApi } from '../../renderer/api/get-api'
import { createHttpClient } from '../../renderer/api/http-client'

interface RecordedRequest {
  url: string
  method: string
  headers: Record<string, string>
  body: string | undefined
}

/** Replaces fetch with one that records each request and returns the response `respond` builds. */
function stubFetch(respond: (request: RecordedRequest) => Response): RecordedRequest[] {
  const requests: RecordedRequest[] = []
  vi.stubGlobal('fetch', async (input: URL | string, init: RequestInit = {}) => {
    const request: RecordedRequest = {
      url: String(input),
      method: init.method ?? 'GET',
      headers: { ...(init.headers as Record<string, string>) },
      body: typeof init.body === 'string' ? init.body : undefined,
    }
    requests.push(request)
    return respond(request)
  })
  return requests
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

describe('http client', () => {
  beforeEach(() => window.sessionStorage.clear())
  afterEach(() => {
    vi.unstubAllGlobals()
    cleanup()
  })

  it('sends the token and the query', async () => {
    const requests = stubFetch(() => json({ total: 0, offset: 0, rows: [], counts: { total: 0, running: 0, failed: 0, backupFailures: 0 } }))
    const client = createHttpClient('http://127.0.0.1:4000', 'tok en')

    await client.listJobs({ status: ['FAILED'], text: 'a&b', limit: 200 })

    const [request] = requests
    expect(request?.method).toBe('GET')
    expect(request?.headers.Authorization).toBe('Bearer tok en')
    const url = new URL(request?.url ?? '')
    expect(url.pathname).toBe('/api/jobs')
    expect(JSON.parse(url.searchParams.get('q') ?? '')).toEqual({ status: ['FAILED'], text: 'a&b', limit: 200 })
  })

  it('maps every route', async () => {
    const requests = stubFetch((request) => (request.url.includes('/api/report.csv') ? new Response('a,b\n') : json({})))
    const client = createHttpClient('http://127.0.0.1:4000/', 'token')

    await client.getJob('J000042')
    await client.retryBackup('J000042')
    await client.retryFailedBackups({ text: 'acme' })
    await client.getReport({ from: '2026-11-01', to: null })
    expect(await client.exportReportCsv({ from: null, to: '2026-11-30' })).toBe('a,b\n')
    await client.getSettings()
    await client.updateSettings({ concurrency: 2 })
    await client.getStatus()
    await client.pause()
    await client.resume()
    await client.loadSampleFiles()

    expect(requests.map((request) => `${request.method} ${request.url.replace('http://127.0.0.1:4000', '')}`)).toEqual([
      'GET /api/jobs/J000042',
      'POST /api/jobs/J000042/retry-backup',
      'POST /api/retry-failed-backups',
      'GET /api/report?from=2026-11-01',
      'GET /api/report.csv?to=2026-11-30',
      'GET /api/settings',
      'PUT /api/settings',
      'GET /api/status',
      'POST /api/pause',
      'POST /api/resume',
      'POST /api/samples',
    ])
    expect(requests[2]?.body).toBe('{"text":"acme"}')
    expect(requests[2]?.headers['Content-Type']).toBe('application/json')
    expect(requests[6]?.body).toBe('{"concurrency":2}')
  })

  it('rejects with the server error', async () => {
    stubFetch(() => json({ code: 'NOT_FOUND', message: 'job J000404 not found' }, 404))
    const client = createHttpClient('http://127.0.0.1:4000', 'token')

    const failure = await client.getJob('J000404').catch((error: unknown) => error)

    expect(failure).toBeInstanceOf(ApiCallError)
    expect((failure as ApiCallError).error).toEqual({ code: 'NOT_FOUND', message: 'job J000404 not found' })
  })

  it('names the route when body is not JSON', async () => {
    stubFetch(() => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }))
    const client = createHttpClient('http://127.0.0.1:4000', 'token')

    const failure = await client.getStatus().catch((error: unknown) => error)

    expect((failure as ApiCallError).error).toEqual({
      code: 'INTERNAL',
      message: 'GET /api/status failed with HTTP 502 Bad Gateway.',
    })
  })

  it('reports an unanswered request', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch')
    })
    const client = createHttpClient('http://127.0.0.1:4000', 'token')

    const failure = await client.pause().catch((error: unknown) => error)

    expect((failure as ApiCallError).error.message).toBe(
      'POST /api/pause failed: no response from the server (Failed to fetch). Check that "pui-monitor serve" is still running.',
    )
  })

  it('calls back on a rejected token', async () => {
    stubFetch(() => json({ code: 'INVALID_REQUEST', message: 'invalid token' }, 401))
    const onUnauthorized = vi.fn()
    const client = createHttpClient('http://127.0.0.1:4000', 'wrong', { onUnauthorized })

    await expect(client.getStatus()).rejects.toBeInstanceOf(ApiCallError)

    expect(onUnauthorized).toHaveBeenCalledTimes(1)
  })

  it('keeps the token for the session', () => {
    window.history.replaceState(null, '', '/index.html?token=abc123')
    expect(readAccessToken()).toBe('abc123')

    window.history.replaceState(null, '', '/index.html?view=report')
    expect(readAccessToken()).toBe('abc123')
  })

  it('prefers the desktop api', async () => {
    const page = { total: 0, offset: 0, rows: [], counts: { total: 0, running: 0, failed: 0, backupFailures: 0 } }
    const desktop = { listJobs: vi.fn(async () => ({ ok: true, value: page })), subscribe: vi.fn() }
    vi.stubGlobal('pui', desktop)
    const fetchSpy = vi.fn()
    vi.stubGlobal('fetch', fetchSpy)

    const api = getApi()

    expect(await api?.listJobs({ limit: 5 })).toEqual(page)
    expect(desktop.listJobs).toHaveBeenCalledWith({ limit: 5 })
    expect(fetchSpy).not.toHaveBeenCalled()
  })

  it('rejects desktop errors with their code', async () => {
    const error = { code: 'NOT_FOUND', message: 'no job J000009 in this data folder' }
    vi.stubGlobal('pui', { listJobs: vi.fn(), getJob: vi.fn(async () => ({ ok: false, error })), subscribe: vi.fn() })

    const failure = await getApi()
      ?.getJob('J000009')
      .then(
        () => null,
        (reason: unknown) => reason,
      )

    expect(failure).toBeInstanceOf(ApiCallError)
    expect((failure as ApiCallError).error).toEqual(error)
  })

  it('explains a missing token', () => {
    window.history.replaceState(null, '', '/index.html')

    expect(getApi()).toBeNull()
    render(<App />)

    expect(screen.getByText(/Open the URL printed by/).textContent).toBe(
      'Open the URL printed by pui-monitor serve (it carries the access token).',
    )
  })

  it('explains a rejected token', async () => {
    stubFetch(() => json({ code: 'INVALID_REQUEST', message: 'invalid token' }, 401))
    vi.stubGlobal('EventSource', class {
      addEventListener(): void {}
      close(): void {}
    })
    window.history.replaceState(null, '', '/index.html?token=expired')

    render(<App />)

    expect(await screen.findByText('The server rejected the access token of this page.')).toBeTruthy()
    expect(window.sessionStorage.length).toBe(0)
  })
})
