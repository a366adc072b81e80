import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiCallError, JobQuerySchema, ReportRangeSchema, SettingsPatchSchema } from '../shared/api'
import type { Settings } from '../shared/schemas'
import { Monitor } from '../main/core/monitor'
import { ApiService } from '../main/serve/api-service'
import { CONTENT_SECURITY_POLICY } from '../main/serve/http-guards'
import { startServeServer, type ServeServer } from '../main/serve/http-server'
import { FsFaults } from './helpers/fs-faults'
import { FUZZ_SEED, hostileString, jsonTextFor, payloadFor } from './helpers/fuzz-payloads'
import { rawRequest } from './helpers/http'
import { recordingLogger } from './helpers/recording-logger'
import { writeIndexFile } from './helpers/index-files'
import { makeTestSettings } from './helpers/test-settings'
import { waitForSettledJobs } from './helpers/wait'

/** Runs per property; each run is one call or one request. */
const RUNS = 150

/** Error codes a bad request may get. `INTERNAL` is missing on purpose: bad input is never an internal error. */
const CLIENT_ERROR_CODES = ['INVALID_REQUEST', 'NOT_FOUND', 'CONFLICT', 'INVALID_SETTINGS']

/** HTTP statuses a bad request may get: never a 5xx. */
const CLIENT_ERROR_STATUSES = [400, 404, 405, 409, 413, 415, 431]

const QUERY_FIELDS = Object.keys(JobQuerySchema.shape)
const RANGE_FIELDS = Object.keys(ReportRangeSchema.shape)
const SETTINGS_FIELDS = Object.keys(SettingsPatchSchema.shape)

const CONTENT_TYPES = ['application/json', 'APPLICATION/JSON; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', '']

/** Percent-encodes every UTF-8 byte, so any string, lone surrogates included, fits in a URL. */
function percentEncode(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')
}

/** Describes a payload for an assertion message; payloads too deep to print are named as such. */
function describePayload(payload: unknown): string {
  try {
    return `payload ${fc.stringify(payload).slice(0, 300)}`
  } catch (error) {
    if (error instanceof RangeError) return 'payload nested too deep to print'
    throw error
  }
}

/** Checks the failure of one API call: an `ApiCallError` with a client error code and a message without a stack. */
function expectClientError(outcome: unknown, payload: unknown): void {
  if (outcome === null) return
  const label = describePayload(payload)
  expect(outcome, label).toBeInstanceOf(ApiCallError)
  const { code, message } = (outcome as ApiCallError).error
  expect(CLIENT_ERROR_CODES, `${label}: ${code} ${message}`).toContain(code)
  expect(typeof message).toBe('string')
  expect(message.length).toBeGreaterThan(0)
  expect(message, label).not.toMatch(/\n\s+at /)
}

/** Resolves with null when the call succeeds, else with what it rejected with. */
function outcomeOf(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return call().then(
      () => null,
      (reason: unknown) => reason,
    )
  } catch (error) {
    // A method that throws before it returns a promise breaks the API contract, so the check above reports it.
    return Promise.resolve(error)
  }
}

describe('API fuzzing', () => {
  const faults = new FsFaults()
  let settings: Settings
  let monitor: Monitor
  let api: ApiService
  let server: ServeServer
  let jobId: string
  const logger = recordingLogger()

  beforeAll(async () => {
    console.log(`fuzz seed ${FUZZ_SEED}: set FUZZ_SEED=<number> to repeat a run or to vary the inputs`)
    const root = await faults.tempDir('pui-fuzz')
    settings = await makeTestSettings(root)
    const rendererDir = join(root, 'renderer')
    await mkdir(rendererDir)
    await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>grid</title>\n')

    monitor = await Monitor.open(settings, { logger })
    api = new ApiService(monitor, { logger })
    await monitor.start()
    await writeIndexFile(settings.indexDir, 'acme_stmt_20261130_1.txt', 3)
    const [job] = await waitForSettledJobs(monitor, 1)
    jobId = job!.id
    server = await startServeServer({ api, host: '127.0.0.1', port: 0, rendererDir, allowRemote: false, logger })
  })
  afterAll(async () => {
    await server?.close()
    api?.close()
    await monitor?.stop()
    await faults.cleanup()
  })

  const methods: Array<[string, fc.Arbitrary<unknown>, (payload: unknown) => Promise<unknown>]> = [
    ['listJobs', payloadFor(QUERY_FIELDS), (payload) => api.listJobs(payload as never)],
    ['getJob', hostileString, (payload) => api.getJob(payload as never)],
    ['retryBackup', hostileString, (payload) => api.retryBackup(payload as never)],
    ['retryFailedBackups', payloadFor(QUERY_FIELDS), (payload) => api.retryFailedBackups(payload as never)],
    ['getReport', payloadFor(RANGE_FIELDS), (payload) => api.getReport(payload as never)],
    ['exportReportCsv', payloadFor(RANGE_FIELDS), (payload) => api.exportReportCsv(payload as never)],
    ['updateSettings', payloadFor(SETTINGS_FIELDS), (payload) => api.updateSettings(payload as never)],
  ]

  for (const [name, payloads, call] of methods) {
    it(`ApiService.${name} rejects bad payloads typed`, async () => {
      await fc.assert(
        fc.asyncProperty(payloads, async (payload) => expectClientError(await outcomeOf(() => call(payload)), payload)),
        { seed: FUZZ_SEED, numRuns: RUNS },
      )
    })
  }

  it('ApiService ids never read as paths', async () => {
    await fc.assert(
      fc.asyncProperty(hostileString, async (id) => {
        const outcome = await outcomeOf(() => api.getJob(id))
        expect(outcome).toBeInstanceOf(ApiCallError)
        expect((outcome as ApiCallError).error.code).toBe('NOT_FOUND')
      }),
      { seed: FUZZ_SEED, numRuns: RUNS },
    )
  })

  /** Sends one request and checks that a failure is a client error with a JSON body, and that headers are set. */
  async function expectClientErrorResponse(method: string, path: string, body?: string, contentType = 'application/json'): Promise<void> {
    const headers: Record<string, string> = { Authorization: `Bearer ${server.token}` }
    if (body !== undefined) {
      headers['Content-Type'] = contentType
      headers['Content-Length'] = String(Buffer.byteLength(body))
    }
    const response = await rawRequest(server.port, { method, path, headers, body })
    const label = `${method} ${path.slice(0, 200)} ${body === undefined ? '' : `body ${JSON.stringify(body.slice(0, 200))}`}`

    expect(response.headers['content-security-policy'], label).toBe(CONTENT_SECURITY_POLICY)
    if (response.status === 200) return
    expect(CLIENT_ERROR_STATUSES, `${label}: ${response.status} ${response.body.slice(0, 300)}`).toContain(response.status)
    const error = JSON.parse(response.body) as { code: unknown; message: unknown }
    expect(typeof error.code, label).toBe('string')
    expect(typeof error.message, label).toBe('string')
    expect(error.message as string, label).not.toMatch(/\n\s+at /)
  }

  it('HTTP query and path parameters', async () => {
    const targets: Array<[string, (value: string) => string]> = [
      ['GET', (value) => `/api/jobs?q=${percentEncode(value)}`],
      ['GET', (value) => `/api/jobs/${percentEncode(value)}`],
      ['POST', (value) => `/api/jobs/${percentEncode(value)}/retry-backup`],
      ['GET', (value) => `/api/report?from=${percentEncode(value)}&to=${percentEncode(value)}`],
      ['GET', (value) => `/api/report.csv?from=${percentEncode(value)}`],
    ]
    const values = fc.oneof(hostileString.filter((text) => text.length < 20_000), jsonTextFor(QUERY_FIELDS))
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), values, async ([method, path], value) => expectClientErrorResponse(method, path(value))),
      { seed: FUZZ_SEED, numRuns: RUNS * 2 },
    )
  })

  it('HTTP request bodies', async () => {
    const targets: Array<[string, string, readonly string[]]> = [
      ['PUT', '/api/settings', SETTINGS_FIELDS],
      ['POST', '/api/retry-failed-backups', QUERY_FIELDS],
      ['POST', '/api/pause', []],
      ['POST', '/api/resume', []],
      ['POST', '/api/jobs/J000001/retry-backup', []],
    ]
    const requests = fc.constantFrom(...targets).chain(([method, path, fields]) =>
      fc.tuple(fc.constant(method), fc.constant(path), jsonTextFor(fields.length > 0 ? fields : ['text']), fc.constantFrom(...CONTENT_TYPES)),
    )
    await fc.assert(
      fc.asyncProperty(requests, async ([method, path, body, contentType]) => expectClientErrorResponse(method, path, body, contentType)),
      { seed: FUZZ_SEED, numRuns: RUNS * 2 },
    )
  })

  it('stays up and unpolluted after fuzzing', async () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted')

    const status = await rawRequest(server.port, { path: '/api/status', headers: { Authorization: `Bearer ${server.token}` } })
    expect(status.status).toBe(200)
    const job = await rawRequest(server.port, { path: `/api/jobs/${jobId}`, headers: { Authorization: `Bearer ${server.token}` } })
    expect(job.status).toBe(200)
    expect(JSON.parse(job.body)).toMatchObject({ id: jobId, status: 'SUCCESS' })
    expect((await api.getJob(jobId)).id).toBe(jobId)
    expect(logger.lines.filter((line) => line.includes('unexpected error'))).toEqual([])
  })
})
