import { cleanup, render } from '@testing-library/react'
import { afterEach, beforeEach, vi } from 'vitest'
import type { JobPage, JobQuery, JobRow, MonitorStatus, PuiApi, PuiEvent } from '../../shared/api'
import type { Job } from '../../shared/job'
import type { AccountingReportData } from '../../shared/report'
import type { Settings } from '../../shared/schemas'
import { needsAttention } from '../../shared/status'
import { App } from '../../renderer/App'

/** Builds a grid row with plausible values, and `overrides` for what the test is about. */
export function makeRow(overrides: Partial<JobRow> & { id: string }): JobRow {
  return {
    fileName: `acme_stmt_20261130_${overrides.id}.txt`,
    jobType: 'statement',
    client: 'acme',
    cycleDate: '2026-11-30',
    detectedAt: '2026-12-01T08:00:00.000Z',
    durationMs: 120,
    accepted: 10,
    rejected: 0,
    pages: 20,
    status: 'SUCCESS',
    archivalStatus: 'BACKED_UP',
    errorMessage: null,
    progress: null,
    failureAcknowledgedAt: null,
    ...overrides,
  }
}

/** Builds the whole job behind a row, as `getJob` returns it. */
export function makeJob(row: JobRow, overrides: Partial<Job> = {}): Job {
  return {
    id: row.id,
    fileName: row.fileName,
    sourcePath: `/srv/index/${row.fileName}`,
    detectedSize: 512,
    detectedMtimeMs: 1_764_576_000_000,
    detectedAt: row.detectedAt,
    backupCallback: 'archive',
    status: row.status,
    jobType: row.jobType,
    client: row.client,
    cycleDate: row.cycleDate,
    sha256: 'a'.repeat(64),
    size: 512,
    counts: { records: row.accepted + row.rejected, accepted: row.accepted, rejected: row.rejected, pages: row.pages },
    rejections: [],
    error: null,
    duplicateOf: null,
    startedAt: '2026-12-01T08:00:01.000Z',
    finishedAt: '2026-12-01T08:00:01.120Z',
    archivalStatus: row.archivalStatus,
    archivePath: null,
    backupAttempts: [],
    failureAcknowledgedAt: row.failureAcknowledgedAt,
    log: [],
    ...overrides,
  }
}

export const FAKE_STATUS: MonitorStatus = {
  paused: false,
  indexDir: '/srv/pui/index',
  archiveDir: '/srv/pui/archive',
  indexFolderProblem: null,
  desktop: false,
}

const FAKE_SETTINGS: Settings = {
  indexDir: '/srv/pui/index',
  archiveDir: '/srv/pui/archive',
  dataDir: '/srv/pui/data',
  stabilityWindowMs: 2_000,
  usePolling: false,
  pollIntervalMs: 1_000,
  sweepIntervalMs: 60_000,
  concurrency: 4,
  backupRetries: 3,
  backupRetryMinDelayMs: 500,
  backupRetryMaxDelayMs: 10_000,
  retentionDays: 400,
  closeToTray: true,
  startAtLogin: false,
}

const EMPTY_REPORT: AccountingReportData = {
  from: null,
  to: null,
  rows: [],
  totals: { jobs: 0, postedJobs: 0, failedJobs: 0, documents: 0, rejectedRecords: 0, pages: 0 },
}

function matches(row: JobRow, query: JobQuery): boolean {
  const text = query.text?.toLowerCase()
  if (text && ![row.fileName, row.client ?? '', row.id].some((value) => value.toLowerCase().includes(text))) return false
  if (query.status && !query.status.includes(row.status)) return false
  if (query.archivalStatus && !query.archivalStatus.includes(row.archivalStatus)) return false
  if (query.jobType && !query.jobType.includes(row.jobType ?? '')) return false
  if (query.detectedFrom && row.detectedAt.slice(0, 10) < query.detectedFrom) return false
  if (query.detectedTo && row.detectedAt.slice(0, 10) > query.detectedTo) return false
  if (query.failuresOnly && !needsAttention(row.status, row.archivalStatus)) return false
  return true
}

function pageOf(rows: JobRow[], query: JobQuery): JobPage {
  const matching = rows.filter((row) => matches(row, query))
  const sort = query.sort
  if (sort) {
    matching.sort((a, b) => {
      const order = String(a[sort.column]).localeCompare(String(b[sort.column]), 'en', { numeric: true })
      return sort.direction === 'asc' ? order : -order
    })
  }
  const offset = query.offset ?? 0
  return {
    total: matching.length,
    offset,
    rows: matching.slice(offset, offset + (query.limit ?? 200)),
    counts: {
      total: rows.length,
      running: rows.filter((row) => row.status === 'RUNNING').length,
      failed: rows.filter((row) => row.status === 'FAILED').length,
      backupFailures: rows.filter((row) => row.archivalStatus === 'BACKUP_FAILURE').length,
    },
  }
}

/** An in-memory PuiApi over `rows`; every method is a spy, and `emit` pushes an event to the subscribers. */
export function createFakeApi(rows: JobRow[]) {
  const listeners = new Set<(event: PuiEvent) => void>()
  const state = { rows: [...rows] }

  const api = {
    listJobs: vi.fn(async (query: JobQuery) => pageOf(state.rows, query)),
    getJob: vi.fn(async (id: string) => {
      const row = state.rows.find((candidate) => candidate.id === id)
      if (!row) throw new Error(`fake api: no job ${id}`)
      return makeJob(row)
    }),
    retryBackup: vi.fn(async (id: string) => makeJob(state.rows.find((row) => row.id === id) ?? makeRow({ id }))),
    retryFailedBackups: vi.fn(async () => ({ retried: 0, backedUp: 0, stillFailing: 0 })),
    acknowledgeFailure: vi.fn(async (id: string) => {
      const row = state.rows.find((candidate) => candidate.id === id) ?? makeRow({ id })
      return makeJob(row, { failureAcknowledgedAt: '2026-12-01T09:00:00.000Z' })
    }),
    acknowledgeFailures: vi.fn(async () => ({ acknowledged: 0 })),
    getReport: vi.fn(async () => EMPTY_REPORT),
    exportReportCsv: vi.fn(async () => 'client,jobType\n'),
    getSettings: vi.fn(async () => FAKE_SETTINGS),
    updateSettings: vi.fn(async () => FAKE_SETTINGS),
    getStatus: vi.fn(async () => FAKE_STATUS),
    pause: vi.fn(async () => ({ ...FAKE_STATUS, paused: true })),
    resume: vi.fn(async () => FAKE_STATUS),
    loadSampleFiles: vi.fn(async () => ({ written: 6 })),
    chooseFolder: vi.fn(async (): Promise<string | null> => null),
    subscribe: vi.fn((listener: (event: PuiEvent) => void) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }),
  } satisfies PuiApi

  return {
    api,
    state,
    emit(event: PuiEvent): void {
      for (const listener of listeners) listener(event)
    },
  }
}

/** Opens the app at `search` (the page URL's query) with the fake API. */
export function renderApp(api: PuiApi, search = '') {
  window.history.replaceState(null, '', `/index.html${search}`)
  return render(<App api={api} />)
}

/**
 * Gives every element a fixed client size, since jsdom does no layout and the virtualizer would see an empty
 * viewport. Also unmounts what the test rendered and clears storage. Call at the top of a describe block.
 */
export function useFixedLayout(height = 800, width = 1600): void {
  const original = {
    height: Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight'),
    width: Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientWidth'),
  }

  beforeEach(() => {
    Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => height })
    Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => width })
    window.localStorage.clear()
    window.sessionStorage.clear()
  })

  afterEach(() => {
    cleanup()
    if (original.height) Object.defineProperty(HTMLElement.prototype, 'clientHeight', original.height)
    if (original.width) Object.defineProperty(HTMLElement.prototype, 'clientWidth', original.width)
  })
}
