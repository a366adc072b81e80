import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { ApiError } from '../shared/api'
import { IPC_CHANNELS, type IpcResult, type PuiRequestMethod } from '../shared/ipc-channels'
import type { Settings } from '../shared/schemas'
import { silentLogger } from '../main/core/logger'
import { Monitor } from '../main/core/monitor'
import { SETTINGS_FILE_NAME } from '../main/core/settings'
import { createIpcHandlers } from '../main/desktop/ipc-handlers'
import { isTrustedSender } from '../main/desktop/trusted-sender'
import { ApiService } from '../main/serve/api-service'
import { FsFaults } from './helpers/fs-faults'
import { makeTestSettings } from './helpers/test-settings'

type InvokeHandler = (event: unknown, ...args: unknown[]) => Promise<unknown>
const registered = new Map<string, InvokeHandler>()

vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, handler: InvokeHandler) => registered.set(channel, handler),
    removeHandler: (channel: string) => registered.delete(channel),
  },
}))

const INDEX_FILE_URL = 'file:///opt/pui/out/renderer/index.html'
const APP_EVENT = { senderFrame: { url: `${INDEX_FILE_URL}?view=jobs`, parent: null } }
const METHODS = Object.keys(IPC_CHANNELS) as PuiRequestMethod[]
const NO_ARGUMENT_METHODS = new Set<PuiRequestMethod>(['getSettings', 'getStatus', 'pause', 'resume', 'loadSampleFiles'])
const ERROR_CODES: ApiError['code'][] = ['INVALID_REQUEST', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'INVALID_SETTINGS', 'NOT_AVAILABLE', 'INTERNAL']
const HUGE = 'x'.repeat(1_000_000)

/** Payloads that no method accepts as its whole argument list, whatever its schema. */
function invalidForEvery(): unknown[][] {
  const pollution = JSON.parse('{"__proto__": {"polluted": "yes"}}') as unknown
  return [
    [42, 'extra'],
    [{}, {}, {}],
    [null, undefined],
    [pollution, pollution],
    [HUGE, HUGE],
  ]
}

/** Payloads that break the single argument of the method's schema. */
function invalidForMethod(method: PuiRequestMethod): unknown[][] {
  if (NO_ARGUMENT_METHODS.has(method)) return [[null], [{}], ['x'], [HUGE], [JSON.parse('{"__proto__": {"polluted": 1}}')]]

  const common: unknown[][] = [[], [null], [undefined], [true], [Number.NaN], [[]], [Symbol.for('x').toString().length]]
  switch (method) {
    case 'listJobs':
    case 'retryFailedBackups':
    case 'acknowledgeFailures':
      return [
        ...common,
        [HUGE],
        [{ text: HUGE }],
        [{ limit: -1 }],
        [{ limit: 10_000 }],
        [{ status: ['NOPE'] }],
        [{ sort: { column: 'sourcePath', direction: 'asc' } }],
        [{ detectedFrom: '2026-02-30' }],
        [JSON.parse('{"__proto__": {"polluted": true}}')],
        [JSON.parse('{"constructor": {"prototype": {"polluted": true}}}')],
        [{ failuresOnly: 'yes' }],
      ]
    case 'getJob':
    case 'retryBackup':
    case 'acknowledgeFailure':
      return [...common, [42], [{ id: 'J000001' }], [HUGE], ['../../etc/passwd'], ['J000001'], ['__proto__'], ['J000001\u0000']]
    case 'getReport':
    case 'exportReportCsv':
      return [...common, [{ from: 'yesterday' }], [{ from: '2026-12-02', to: '2026-12-01' }], [{ to: HUGE }], [{ range: {} }], [JSON.parse('{"__proto__": {}}')]]
    case 'updateSettings':
      return [
        ...common,
        [HUGE],
        [{ concurrency: 'four' }],
        [{ concurrency: 1e9 }],
        [{ dataDir: '/' }],
        [{ unknownSetting: 1 }],
        [{ indexDir: HUGE }],
        [{ closeToTray: 'no' }],
        [JSON.parse('{"__proto__": {"polluted": true}}')],
      ]
    case 'chooseFolder':
      return [...common, ['data'], ['../'], [HUGE], [{ kind: 'index' }]]
    default:
      return common
  }
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be repeated with the same seed. */
function random(seed: number): () => number {
  let state = seed
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let value = Math.imul(state ^ (state >>> 15), 1 | state)
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** Builds a random JSON-like value. Objects always have at least one key, so they never equal an empty query. */
function randomValue(next: () => number, depth = 0): unknown {
  const pick = Math.floor(next() * (depth > 2 ? 4 : 6))
  switch (pick) {
    case 0:
      return Math.floor(next() * 2 ** 40) - 2 ** 39
    case 1:
      return next() < 0.5
    case 2:
      return null
    case 3:
      return `r${Math.floor(next() * 1e9).toString(36)}`.repeat(1 + Math.floor(next() * 50))
    case 4:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1))
    default: {
      const value: Record<string, unknown> = {}
      const keys = 1 + Math.floor(next() * 3)
      for (let index = 0; index < keys; index += 1) value[`k${Math.floor(next() * 1e6)}`] = randomValue(next, depth + 1)
      return value
    }
  }
}

/** Random argument lists that are invalid by construction: a wrong count, or a lone value of the wrong kind. */
function randomArguments(method: PuiRequestMethod, next: () => number): unknown[] {
  if (NO_ARGUMENT_METHODS.has(method)) return Array.from({ length: 1 + Math.floor(next() * 3) }, () => randomValue(next))
  if (next() < 0.5) return Array.from({ length: next() < 0.3 ? 0 : 2 + Math.floor(next() * 2) }, () => randomValue(next))
  let value = randomValue(next)
  // A lone string is a valid job id argument that returns NOT_FOUND, but a valid kind for chooseFolder only when
  // it is index or archive, which the prefix rules out.
  if (typeof value === 'string' && method === 'chooseFolder') value = `not-${value}`
  return [value]
}

describe('IPC handlers under malformed payloads', () => {
  const faults = new FsFaults()
  let settings: Settings
  let monitor: Monitor
  let api: ApiService

  beforeAll(async () => {
    settings = await makeTestSettings(await faults.tempDir('pui-fuzz'))
    monitor = await Monitor.open(settings)
    api = new ApiService(monitor, { desktop: { chooseFolder: async () => '/chosen' } })
    const { registerIpcHandlers } = await import('../main/desktop/ipc-main')
    const source = { kind: 'file', indexFileUrl: INDEX_FILE_URL } as const
    registerIpcHandlers(createIpcHandlers({ api, logger: silentLogger, isTrusted: (sender) => isTrustedSender(sender, source) }))
  })

  afterAll(async () => {
    api.close()
    await monitor.stop()
    await faults.cleanup()
  })

  async function send(method: PuiRequestMethod, args: unknown[], event: unknown = APP_EVENT): Promise<IpcResult<unknown>> {
    const handler = registered.get(IPC_CHANNELS[method])
    if (!handler) throw new Error(`no handler registered for ${method}`)
    return (await handler(event, ...args)) as IpcResult<unknown>
  }

  function expectTypedError(reply: IpcResult<unknown>, context: string): void {
    expect(reply.ok, `${context} was accepted`).toBe(false)
    const error = (reply as Extract<IpcResult<unknown>, { ok: false }>).error
    expect(ERROR_CODES, context).toContain(error.code)
    expect(typeof error.message, context).toBe('string')
    expect(error.message.length, context).toBeGreaterThan(0)
    expect(error.message.length, `${context} echoed a huge value`).toBeLessThan(5_000)
    expect(Object.keys(error).sort(), context).toEqual(['code', 'message'])
  }

  it('registers every channel', () => {
    expect([...registered.keys()].sort()).toEqual(Object.values(IPC_CHANNELS).sort())
  })

  it.each(METHODS)('answers bad %s payloads with errors', async (method) => {
    for (const args of [...invalidForEvery(), ...invalidForMethod(method)]) {
      const reply = await send(method, args)

      expectTypedError(reply, `${method}(${JSON.stringify(args)?.slice(0, 80)})`)
    }
  })

  it('answers random payloads with errors', async () => {
    const next = random(20_261_204)
    for (let round = 0; round < 300; round += 1) {
      const method = METHODS[Math.floor(next() * METHODS.length)]!
      const args = randomArguments(method, next)

      const reply = await send(method, args)

      expectTypedError(reply, `round ${round}: ${method}(${JSON.stringify(args)?.slice(0, 80)})`)
    }
  })

  it('rejects every call from foreign frames', async () => {
    const events = [
      { senderFrame: null },
      { senderFrame: { url: 'https://example.com/', parent: null } },
      { senderFrame: { url: `${INDEX_FILE_URL}`, parent: { url: INDEX_FILE_URL } } },
      {},
    ]
    for (const method of METHODS) {
      for (const event of events) {
        const reply = await send(method, [], event)

        expectTypedError(reply, `${method} from ${JSON.stringify(event)}`)
        expect((reply as Extract<IpcResult<unknown>, { ok: false }>).error.code).toBe('FORBIDDEN')
      }
    }
  })

  it('leaves prototypes, store and settings alone', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined()
    expect(monitor.jobs()).toEqual([])
    expect(existsSync(join(settings.dataDir, SETTINGS_FILE_NAME))).toBe(false)
  })
})
