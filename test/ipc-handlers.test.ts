import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest'
import { ApiCallError, type PuiApi } from '../shared/api'
import { IPC_CHANNELS, PUI_API_METHODS, type IpcResult, type PuiRequestMethod } from '../shared/ipc-channels'
import { createIpcHandlers, type IpcHandlerTable } from '../main/desktop/ipc-handlers'
import { isTrustedSender, type IpcSender, type RendererSource } from '../main/desktop/trusted-sender'
import { recordingLogger } from './helpers/recording-logger'

const FILE_SOURCE: RendererSource = { kind: 'file', indexFileUrl: 'file:///opt/pui/resources/app.asar/out/renderer/index.html' }
const APP_PAGE: IpcSender = { url: 'file:///opt/pui/resources/app.asar/out/renderer/index.html?view=jobs&job=J000001#top', isMainFrame: true }

/** A PuiApi whose every method resolves to its own name, which shows the method a channel reached. */
type EchoApi = PuiApi & { [Method in PuiRequestMethod]: Mock<(...args: unknown[]) => Promise<unknown>> }

function echoApi(): EchoApi {
  const api: Record<string, unknown> = { subscribe: vi.fn(() => () => undefined) }
  for (const method of Object.keys(IPC_CHANNELS)) api[method] = vi.fn(async () => `result of ${method}`)
  return api as unknown as EchoApi
}

/** Valid arguments of each method, as the renderer sends them. */
const VALID_ARGUMENTS: Record<PuiRequestMethod, unknown[]> = {
  listJobs: [{ status: ['FAILED'], limit: 10 }],
  getJob: ['J000001'],
  retryBackup: ['J000001'],
  retryFailedBackups: [{ failuresOnly: true }],
  acknowledgeFailure: ['J000001'],
  acknowledgeFailures: [{}],
  getReport: [{ from: '2026-11-01', to: null }],
  exportReportCsv: [{}],
  getSettings: [],
  updateSettings: [{ concurrency: 2 }],
  getStatus: [],
  pause: [],
  resume: [],
  loadSampleFiles: [],
  chooseFolder: ['archive'],
}

describe('isTrustedSender', () => {
  it.each([
    ['the app page with a query', APP_PAGE, true],
    ['another file', { url: 'file:///tmp/evil.html', isMainFrame: true }, false],
    ['a same-named file elsewhere', { url: 'file:///tmp/out/renderer/index.html', isMainFrame: true }, false],
    ['a subframe of the app page', { ...APP_PAGE, isMainFrame: false }, false],
    ['a web page', { url: 'https://example.com/out/renderer/index.html', isMainFrame: true }, false],
    ['a destroyed frame', { url: null, isMainFrame: true }, false],
    ['an unparsable URL', { url: 'not a url', isMainFrame: true }, false],
  ])('judges %s', (_case, sender, trusted) => {
    expect(isTrustedSender(sender as IpcSender, FILE_SOURCE)).toBe(trusted)
  })

  it('trusts only the dev server origin', () => {
    const source: RendererSource = { kind: 'dev-server', origin: 'http://localhost:5173' }

    expect(isTrustedSender({ url: 'http://localhost:5173/?view=report', isMainFrame: true }, source)).toBe(true)
    expect(isTrustedSender({ url: 'http://localhost:5174/', isMainFrame: true }, source)).toBe(false)
    expect(isTrustedSender({ url: 'http://127.0.0.1:5173/', isMainFrame: true }, source)).toBe(false)
    expect(isTrustedSender({ url: APP_PAGE.url, isMainFrame: true }, source)).toBe(false)
  })
})

describe('createIpcHandlers', () => {
  let api: ReturnType<typeof echoApi>
  let logger: ReturnType<typeof recordingLogger>
  let handlers: IpcHandlerTable

  beforeEach(() => {
    api = echoApi()
    logger = recordingLogger()
    handlers = createIpcHandlers({ api, logger, isTrusted: (sender) => isTrustedSender(sender, FILE_SOURCE) })
  })

  it('has a handler per API method', () => {
    const requestMethods = PUI_API_METHODS.filter((method) => method !== 'subscribe')

    expect(Object.keys(handlers).sort()).toEqual(requestMethods.map((method) => IPC_CHANNELS[method as PuiRequestMethod]).sort())
    expect(new Set(Object.values(IPC_CHANNELS)).size).toBe(requestMethods.length)
  })

  it.each(Object.keys(IPC_CHANNELS) as PuiRequestMethod[])('routes %s to its method', async (method) => {
    const reply = await handlers[IPC_CHANNELS[method]]!(APP_PAGE, VALID_ARGUMENTS[method])

    expect(reply).toEqual({ ok: true, value: `result of ${method}` })
    expect(api[method]).toHaveBeenCalledWith(...VALID_ARGUMENTS[method])
  })

  it('rejects a foreign sender before parsing', async () => {
    const reply = await handlers[IPC_CHANNELS.pause]!({ url: 'https://example.com/', isMainFrame: true }, [])

    expect(reply).toEqual({
      ok: false,
      error: { code: 'FORBIDDEN', message: "pui:pause was rejected: only the app's own page may call the API" },
    })
    expect(api.pause).not.toHaveBeenCalled()
    expect(logger.lines).toEqual(['warn ipc: rejected pui:pause from https://example.com/'])
  })

  it('names the invalid argument', async () => {
    const reply = await handlers[IPC_CHANNELS.listJobs]!(APP_PAGE, [{ limit: 5000 }])

    expect(reply.ok).toBe(false)
    const error = (reply as Extract<IpcResult<unknown>, { ok: false }>).error
    expect(error.code).toBe('INVALID_REQUEST')
    expect(error.message).toMatch(/^invalid arguments: 0\.limit: /)
    expect(api.listJobs).not.toHaveBeenCalled()
  })

  it('keeps the code of API errors', async () => {
    api.getJob.mockRejectedValueOnce(new ApiCallError({ code: 'NOT_FOUND', message: 'no job J000001 in this data folder' }))

    const reply = await handlers[IPC_CHANNELS.getJob]!(APP_PAGE, ['J000001'])

    expect(reply).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'no job J000001 in this data folder' } })
  })

  it('turns other errors into INTERNAL', async () => {
    api.getStatus.mockRejectedValueOnce(new TypeError('status is broken'))

    const reply = await handlers[IPC_CHANNELS.getStatus]!(APP_PAGE, [])

    expect(reply).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'getStatus failed: status is broken; the details are in the log file' } })
    expect(logger.lines[0]).toMatch(/^error ipc: pui:get-status failed: TypeError: status is broken/)
  })
})

describe('IPC wrapper', () => {
  afterEach(() => {
    vi.resetModules()
    vi.doUnmock('electron')
  })

  it('passes the sender frame to the handler', async () => {
    const registered = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>()
    vi.doMock('electron', () => ({ ipcMain: { handle: (channel: string, handler: never) => registered.set(channel, handler), removeHandler: (channel: string) => registered.delete(channel) } }))
    const { registerIpcHandlers } = await import('../main/desktop/ipc-main')
    const seen: IpcSender[] = []
    const remove = registerIpcHandlers({ 'pui:get-status': async (sender) => (seen.push(sender), { ok: true, value: null }) })

    await registered.get('pui:get-status')!({ senderFrame: { url: APP_PAGE.url, parent: null } })
    await registered.get('pui:get-status')!({ senderFrame: { url: APP_PAGE.url, parent: {} } })
    await registered.get('pui:get-status')!({ senderFrame: null })
    remove()

    expect(seen).toEqual([APP_PAGE, { url: APP_PAGE.url, isMainFrame: false }, { url: null, isMainFrame: false }])
    expect(registered.size).toBe(0)
  })
})
