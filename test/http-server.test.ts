import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { JobPage, PuiEvent } from '../shared/api'
import type { Settings } from '../shared/schemas'
import { reportToCsv } from '../main/core/accounting'
import { Monitor } from '../main/core/monitor'
import { ApiService } from '../main/serve/api-service'
import { CONTENT_SECURITY_POLICY, MAX_BODY_BYTES } from '../main/serve/http-guards'
import { ServeStartError, startServeServer, type ServeServer, type ServeServerOptions } from '../main/serve/http-server'
import { makeTestSettings } from './helpers/test-settings'
import { FsFaults } from './helpers/fs-faults'
import { parseEvents, rawRequest, readStreamUntil } from './helpers/http'
import { recordingLogger } from './helpers/recording-logger'
import { writeIndexFile } from './helpers/index-files'
import { waitForSettledJobs } from './helpers/wait'

const INDEX_HTML = '<!doctype html><html><head><script type="module" src="/assets/app.js"></script></head><body>grid</body></html>\n'

describe('startServeServer', () => {
  let faults: FsFaults
  let settings: Settings
  let rendererDir: string
  let monitor: Monitor
  let api: ApiService
  let server: ServeServer
  let logger: ReturnType<typeof recordingLogger>
  let base: string
  let extraServers: Server[]

  beforeEach(async () => {
    faults = new FsFaults()
    const root = await faults.tempDir('pui-http')
    settings = await makeTestSettings(root)

    rendererDir = join(root, 'renderer')
    await mkdir(join(rendererDir, 'assets'), { recursive: true })
    await writeFile(join(rendererDir, 'index.html'), INDEX_HTML)
    await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log("grid")\n')
    await writeFile(join(root, 'secret.txt'), 'not for the browser\n')
    await symlink(join(root, 'secret.txt'), join(rendererDir, 'assets', 'linked.txt'))

    monitor = await Monitor.open(settings)
    api = new ApiService(monitor)
    await monitor.start()
    logger = recordingLogger()
    server = await startServeServer({ api, host: '127.0.0.1', port: 0, rendererDir, allowRemote: false, logger })
    base = `http://127.0.0.1:${server.port}`
    extraServers = []
  })
  afterEach(async () => {
    await server.close()
    for (const extra of extraServers) await new Promise((resolve) => extra.close(resolve))
    api.close()
    await monitor.stop()
    await faults.cleanup()
  })

  function call(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${base}${path}`, { ...init, headers: { Authorization: `Bearer ${server.token}`, ...init.headers } })
  }

  function sendJson(method: string, path: string, body: string): Promise<Response> {
    return call(path, { method, body, headers: { 'Content-Type': 'application/json' } })
  }

  it('prints a loopback URL with the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`)
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{32}$/)
  })

  it('serves the page without a token', async () => {
    const response = await fetch(`${base}/`)

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('referrer-policy')).toBe('no-referrer')
    expect(await response.text()).toBe(INDEX_HTML)

    const script = await fetch(`${base}/assets/app.js`)
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(await script.text()).toBe('console.log("grid")\n')
  })

  it('guards every response with CSP', async () => {
    for (const path of ['/', '/api/status', '/missing.js', '/api/nothing']) {
      const response = await fetch(`${base}${path}`)
      expect(response.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'")
    }
    const apiResponse = await call('/api/status')
    expect(apiResponse.headers.get('cache-control')).toBe('no-store')
  })

  it('rejects API calls without the token', async () => {
    const missing = await fetch(`${base}/api/status`)
    expect(missing.status).toBe(401)
    expect(await missing.json()).toEqual({ code: 'UNAUTHORIZED', message: expect.stringContaining('missing API token') })

    const wrong = await fetch(`${base}/api/status?token=${server.token.slice(1)}x`)
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toEqual({ code: 'UNAUTHORIZED', message: expect.stringContaining('invalid API token') })

    const inQuery = await fetch(`${base}/api/status?token=${server.token}`)
    expect(inQuery.status).toBe(200)
    expect(await inQuery.json()).toEqual({ paused: false, indexDir: settings.indexDir, archiveDir: settings.archiveDir, indexFolderProblem: null, desktop: false })
  })

  it('logs failures without the token', async () => {
    await fetch(`${base}/api/jobs/J999999?token=${server.token}`)
    await fetch(`${base}/api/status?token=wrong-${server.token}`)

    expect(logger.lines).toContain('warn serve: GET /api/jobs/J999999 404')
    expect(logger.lines).toContain('warn serve: GET /api/status 401')
    expect(logger.lines.some((line) => line.includes(server.token))).toBe(false)
  })

  it('rejects a foreign Host header', async () => {
    for (const path of ['/api/status', '/']) {
      const response = await rawRequest(server.port, { path, headers: { Host: 'evil.example', Authorization: `Bearer ${server.token}` } })
      expect(response.status, path).toBe(403)
      expect(JSON.parse(response.body)).toEqual({ code: 'FORBIDDEN', message: expect.stringContaining('evil.example') })
    }
    for (const host of [`localhost:${server.port}`, `[::1]:${server.port}`, '127.0.0.1']) {
      const response = await rawRequest(server.port, { path: '/api/status', headers: { Host: host, Authorization: `Bearer ${server.token}` } })
      expect(response.status, host).toBe(200)
    }
  })

  it('rejects a foreign Origin', async () => {
    const foreign = await call('/api/pause', { method: 'POST', headers: { Origin: 'http://evil.example' } })
    expect(foreign.status).toBe(403)
    expect(await foreign.json()).toEqual({ code: 'FORBIDDEN', message: expect.stringContaining('http://evil.example') })
    expect(monitor.isPaused).toBe(false)

    const browserWithoutOrigin = await call('/api/pause', { method: 'POST', headers: { 'Sec-Fetch-Site': 'cross-site' } })
    expect(browserWithoutOrigin.status).toBe(403)
    expect(monitor.isPaused).toBe(false)

    const ownOrigin = await call('/api/pause', { method: 'POST', headers: { Origin: base } })
    expect(ownOrigin.status).toBe(200)
    expect(await ownOrigin.json()).toMatchObject({ paused: true })

    const plainClient = await call('/api/resume', { method: 'POST' })
    expect(plainClient.status).toBe(200)
    expect(monitor.isPaused).toBe(false)
  })

  it('rejects an oversized body', async () => {
    const huge = JSON.stringify({ text: 'x'.repeat(MAX_BODY_BYTES) })
    const response = await sendJson('POST', '/api/retry-failed-backups', huge)

    expect(response.status).toBe(413)
    expect(await response.json()).toEqual({ code: 'PAYLOAD_TOO_LARGE', message: 'request body is larger than 64 KiB' })
  })

  it('rejects unknown fields', async () => {
    const settingsResponse = await sendJson('PUT', '/api/settings', JSON.stringify({ concurrency: 2, colour: 'red' }))
    expect(settingsResponse.status).toBe(400)
    expect(await settingsResponse.json()).toEqual({ code: 'INVALID_REQUEST', message: expect.stringContaining('colour') })
    expect(monitor.settings.concurrency).toBe(settings.concurrency)

    const retryResponse = await sendJson('POST', '/api/retry-failed-backups', JSON.stringify({ everything: true }))
    expect(retryResponse.status).toBe(400)
    expect(await retryResponse.json()).toEqual({ code: 'INVALID_REQUEST', message: expect.stringContaining('everything') })

    const pauseResponse = await sendJson('POST', '/api/pause', JSON.stringify({ forever: true }))
    expect(pauseResponse.status).toBe(400)
    expect(monitor.isPaused).toBe(false)
  })

  it('rejects malformed JSON', async () => {
    const body = await sendJson('PUT', '/api/settings', '{"concurrency": 2,')
    expect(body.status).toBe(400)
    expect(await body.json()).toEqual({ code: 'INVALID_REQUEST', message: expect.stringContaining('not valid JSON') })

    const query = await call(`/api/jobs?q=${encodeURIComponent('{limit:')}`)
    expect(query.status).toBe(400)
    expect(await query.json()).toEqual({ code: 'INVALID_REQUEST', message: expect.stringContaining('q parameter') })
  })

  it('rejects a body that is not JSON', async () => {
    const response = await call('/api/settings', { method: 'PUT', body: 'concurrency=2', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })

    expect(response.status).toBe(415)
    expect(monitor.settings.concurrency).toBe(settings.concurrency)
  })

  it('updates settings', async () => {
    const response = await sendJson('PUT', '/api/settings', JSON.stringify({ concurrency: 2 }))

    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ concurrency: 2, indexDir: settings.indexDir })
    expect(monitor.settings.concurrency).toBe(2)
    const invalid = await sendJson('PUT', '/api/settings', JSON.stringify({ indexDir: join(settings.indexDir, 'missing') }))
    expect(invalid.status).toBe(400)
    expect(await invalid.json()).toEqual({ code: 'INVALID_SETTINGS', message: expect.stringContaining('does not exist') })
  })

  it('never looks up a path as a job', async () => {
    // Every lookup by id goes through monitor.job, the store's in-memory map; the file system is never asked.
    const lookup = vi.spyOn(monitor, 'job')
    const encoded = await call('/api/jobs/..%2F..%2Fetc%2Fpasswd')
    expect(encoded.status).toBe(404)
    expect(await encoded.json()).toEqual({ code: 'NOT_FOUND', message: expect.stringContaining('job ids look like J000042') })

    const dotted = await rawRequest(server.port, { path: '/api/jobs/../../etc/passwd', headers: { Authorization: `Bearer ${server.token}` } })
    expect(dotted.status).toBe(404)
    expect(dotted.body).not.toContain('root:')

    const badEscape = await call('/api/jobs/%E0%A4%A')
    expect(badEscape.status).toBe(404)
    const retry = await call('/api/jobs/..%2F..%2Fetc%2Fpasswd/retry-backup', { method: 'POST' })
    expect(retry.status).toBe(404)
    expect(lookup).not.toHaveBeenCalled()

    const unknown = await call('/api/jobs/J999999')
    expect(unknown.status).toBe(404)
    expect(lookup).toHaveBeenCalledWith('J999999')
  })

  it('answers an oversized URL with JSON', async () => {
    const response = await rawRequest(server.port, { path: `/api/jobs?q=${'%5B'.repeat(10_000)}`, headers: { Authorization: `Bearer ${server.token}` } })

    expect(response.status).toBe(431)
    expect(response.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY)
    expect(JSON.parse(response.body)).toEqual({ code: 'HEADERS_TOO_LARGE', message: expect.stringContaining('larger than 16 KiB') })
    expect(logger.lines).toContain('warn serve: ? (request headers too large) 431')
    const after = await call('/api/status')
    expect(after.status).toBe(200)
  })

  it('keeps static files inside the renderer', async () => {
    for (const path of ['/..%2F..%2Fpackage.json', '/..%2Fsecret.txt', '/assets/..%2F..%2Fsecret.txt', '/assets/linked.txt', '/assets', '/%00index.html', '/%E0%A4%A']) {
      const response = await rawRequest(server.port, { path })
      expect(response.status, path).toBe(404)
      expect(response.body, path).not.toContain('not for the browser')
    }
    const dotted = await rawRequest(server.port, { path: '/../secret.txt' })
    expect(dotted.status).toBe(404)
    const post = await fetch(`${base}/index.html`, { method: 'POST' })
    expect(post.status).toBe(405)
  })

  it('rejects an invalid request target', async () => {
    const socket = connect(server.port, '127.0.0.1')
    const reply = new Promise<string>((resolveReply, reject) => {
      let received = ''
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()))
      socket.on('end', () => resolveReply(received))
      socket.on('error', reject)
    })
    socket.end(`GET http://[::x/ HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`)
    const text = await reply

    expect(text.startsWith('HTTP/1.1 400 Bad Request')).toBe(true)
    expect(text).toContain('"code":"INVALID_REQUEST"')
    expect(logger.lines).toContain('warn serve: GET (invalid request target) 400')
  })

  it('answers folder pickers as unavailable', async () => {
    const response = await sendJson('POST', '/api/choose-folder', '{"kind":"index"}')

    expect(response.status).toBe(501)
    const body = (await response.json()) as { code: string; message: string }
    expect(body.code).toBe('NOT_AVAILABLE')
    expect(body.message).toContain('not available in serve mode')
  })

  it('acknowledges nothing without failures', async () => {
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 3)
    const [job] = await waitForSettledJobs(monitor, 1)

    const bulk = await sendJson('POST', '/api/acknowledge-failures', '{"failuresOnly":true}')
    const single = await call(`/api/jobs/${job!.id}/acknowledge-failure`, { method: 'POST' })

    expect(bulk.status).toBe(200)
    expect(await bulk.json()).toEqual({ acknowledged: 0 })
    expect(single.status).toBe(409)
    expect(((await single.json()) as { code: string }).code).toBe('CONFLICT')
  })

  it('answers unknown routes and methods', async () => {
    const unknown = await call('/api/nothing')
    expect(unknown.status).toBe(404)

    const wrongMethod = await call('/api/status', { method: 'DELETE' })
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get('allow')).toBe('GET')
  })

  it('lists jobs with a query', async () => {
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 3)
    await writeIndexFile(settings.indexDir, 'globex_stmt_20261130_1.txt', 4)
    const jobs = await waitForSettledJobs(monitor, 2)

    const query = { text: 'globex', sort: { column: 'id', direction: 'desc' } }
    const response = await call(`/api/jobs?q=${encodeURIComponent(JSON.stringify(query))}`)
    const page = (await response.json()) as JobPage
    expect(response.status).toBe(200)
    expect(page.rows.map((row) => row.fileName)).toEqual(['globex_stmt_20261130_1.txt'])
    expect(page.counts.total).toBe(2)

    const job = jobs.find((candidate) => candidate.client === 'globex')!
    const single = await call(`/api/jobs/${job.id}`)
    expect(await single.json()).toEqual(JSON.parse(JSON.stringify(monitor.job(job.id))))

    const invalid = await call(`/api/jobs?q=${encodeURIComponent(JSON.stringify({ limit: 0 }))}`)
    expect(invalid.status).toBe(400)
  })

  it('refuses retry outside BACKUP_FAILURE', async () => {
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 3)
    const [job] = await waitForSettledJobs(monitor, 1)

    const response = await call(`/api/jobs/${job!.id}/retry-backup`, { method: 'POST' })

    expect(response.status).toBe(409)
    expect(await response.json()).toEqual({ code: 'CONFLICT', message: expect.stringContaining('BACKED_UP') })
    const bulk = await sendJson('POST', '/api/retry-failed-backups', '{}')
    expect(await bulk.json()).toEqual({ retried: 0, backedUp: 0, stillFailing: 0 })
  })

  it('exports the report as CSV', async () => {
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 3)
    await writeIndexFile(settings.indexDir, 'globex_stmt_20261201_1.txt', 4)
    await waitForSettledJobs(monitor, 2)

    const response = await call('/api/report.csv?from=2026-11-01&to=2026-11-30')

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="accounting-report.csv"')
    expect(await response.text()).toBe(reportToCsv(monitor.report({ from: '2026-11-01', to: '2026-11-30' })))
    const json = await call('/api/report')
    expect(await json.json()).toEqual(monitor.report())
    const compact = await call('/api/report.csv?from=20261101&to=20261130')
    expect(compact.status).toBe(200)
    expect(await compact.text()).toBe(reportToCsv(monitor.report({ from: '2026-11-01', to: '2026-11-30' })))
    const invalid = await call('/api/report?from=yesterday')
    expect(invalid.status).toBe(400)
    const impossible = await call('/api/report?from=20261131')
    expect(impossible.status).toBe(400)
    expect(((await impossible.json()) as { message: string }).message).toContain('a real calendar date as YYYY-MM-DD')
  })

  it('streams job changes as events', async () => {
    const controller = new AbortController()
    const stream = await fetch(`${base}/api/events?token=${server.token}`, { signal: controller.signal })
    expect(stream.status).toBe(200)
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')

    const received = readStreamUntil(
      stream,
      (text) => parseEvents<PuiEvent>(text).some((event) => event.type === 'jobs-changed' && event.rows.some((row) => row.status === 'SUCCESS')),
      'a jobs-changed event with the processed job',
    )
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 3)
    const events = parseEvents<PuiEvent>(await received)
    controller.abort()

    const rows = events.flatMap((event) => (event.type === 'jobs-changed' ? event.rows : []))
    expect(rows.every((row) => row.fileName === 'acme_stmt_20261130_1.txt')).toBe(true)
    expect(rows.at(-1)).toMatchObject({ status: 'SUCCESS', accepted: 3 })
  })

  it('sends keepalive comments', async () => {
    const quick = await startServeServer({ api, host: '127.0.0.1', port: 0, rendererDir, allowRemote: false, logger, keepAliveMs: 30 })
    try {
      const stream = await fetch(`http://127.0.0.1:${quick.port}/api/events`, { headers: { Authorization: `Bearer ${quick.token}` } })
      const text = await readStreamUntil(stream, (received) => received.includes(': keepalive\n\n'), 'a keepalive comment')
      expect(text.startsWith('retry: ')).toBe(true)
    } finally {
      await quick.close()
    }
  })

  it('ends event streams on close', async () => {
    const stream = await fetch(`${base}/api/events`, { headers: { Authorization: `Bearer ${server.token}` } })
    const reader = stream.body!.getReader()
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toContain(': connected')

    await server.close()
    const last = await reader.read()

    expect(last.done).toBe(true)
    await expect(fetch(`${base}/`)).rejects.toThrow()
    server = await startServeServer({ api, host: '127.0.0.1', port: 0, rendererDir, allowRemote: false, logger })
  })

  it('accepts any Host when remote is allowed', async () => {
    const remote = await startServeServer({ api, host: '0.0.0.0', port: 0, rendererDir, allowRemote: true, logger })
    try {
      const response = await rawRequest(remote.port, { path: '/api/status', headers: { Host: 'monitor.lan:4780', Authorization: `Bearer ${remote.token}` } })
      expect(response.status).toBe(200)
      expect(remote.url).toBe(`http://127.0.0.1:${remote.port}/?token=${remote.token}`)
      const noToken = await rawRequest(remote.port, { path: '/api/status', headers: { Host: 'monitor.lan:4780' } })
      expect(noToken.status).toBe(401)
    } finally {
      await remote.close()
    }
  })

  it('fails to start on bad addresses', async () => {
    const options: ServeServerOptions = { api, host: '0.0.0.0', port: 0, rendererDir, allowRemote: false, logger }
    await expect(startServeServer(options)).rejects.toThrow(ServeStartError)
    await expect(startServeServer(options)).rejects.toThrow('add --allow-remote')

    const occupant = createServer()
    extraServers.push(occupant)
    await new Promise<void>((resolve) => occupant.listen(0, '127.0.0.1', resolve))
    const port = (occupant.address() as AddressInfo).port
    const error = await startServeServer({ ...options, host: '127.0.0.1', port }).catch((reason: unknown) => reason)
    expect(error).toBeInstanceOf(ServeStartError)
    expect((error as ServeStartError).code).toBe('EADDRINUSE')
    expect((error as ServeStartError).message).toContain(`port ${port} is in use`)
    expect((error as ServeStartError).message).toContain('--port')
  })
})
