import { describe, expect, it } from 'vitest'
import { JOB_SORT_COLUMNS, type JobQuery } from '../shared/api'
import type { Job } from '../shared/job'
import { countJobs, createJobFilter, DEFAULT_PAGE_LIMIT, queryJobs, toJobRow } from '../main/core/job-query'
import { makeJob } from './helpers/job-fixture'

const noProgress = () => null

function jobWithId(number: number, overrides: Partial<Job> = {}): Job {
  return makeJob({ id: `J${String(number).padStart(6, '0')}`, ...overrides })
}

function idsOf(jobs: readonly Job[], query: JobQuery): string[] {
  return queryJobs(jobs, query, noProgress).rows.map((row) => row.id)
}

describe('toJobRow', () => {
  it('copies the grid fields', () => {
    const job = jobWithId(7, { counts: { records: 12, accepted: 10, rejected: 2, pages: 30 }, status: 'WARNING' })
    const row = toJobRow(job, null)

    expect(row).toEqual({
      id: 'J000007',
      fileName: 'acme_stmt_20261130_1.txt',
      jobType: 'stmt',
      client: 'acme',
      cycleDate: '2026-11-30',
      detectedAt: '2026-12-01T00:00:00.000Z',
      durationMs: 1000,
      accepted: 10,
      rejected: 2,
      pages: 30,
      status: 'WARNING',
      archivalStatus: 'BACKED_UP',
      errorMessage: null,
      progress: null,
      failureAcknowledgedAt: null,
    })
  })

  it('keeps the acknowledgement of a failure only', () => {
    const at = '2026-12-01T09:00:00.000Z'

    expect(toJobRow(jobWithId(8, { archivalStatus: 'BACKUP_FAILURE', failureAcknowledgedAt: at })).failureAcknowledgedAt).toBe(at)
    expect(toJobRow(jobWithId(9, { archivalStatus: 'BACKED_UP', failureAcknowledgedAt: at })).failureAcknowledgedAt).toBeNull()
  })

  it('keeps progress only while running', () => {
    const running = jobWithId(1, { status: 'RUNNING', finishedAt: null, archivalStatus: 'PENDING' })
    const finished = jobWithId(2)

    expect(toJobRow(running, 0.4).progress).toBe(0.4)
    expect(toJobRow(running, 0.4).durationMs).toBeNull()
    expect(toJobRow(finished, 0.4).progress).toBeNull()
  })

  it('prefers the processing error message', () => {
    const failed = jobWithId(1, { status: 'FAILED', error: { code: 'EMPTY', message: 'the file is empty' } })
    expect(toJobRow(failed, null).errorMessage).toBe('the file is empty')
  })

  it('shows the last failed backup attempt', () => {
    const attempt = { at: '2026-12-01T00:00:03.000Z', code: 'EACCES', message: 'cannot create archive folder', durationMs: 5 }
    const failedBackup = jobWithId(1, { archivalStatus: 'BACKUP_FAILURE', backupAttempts: [{ ...attempt, outcome: 'failure' }] })
    const retried = jobWithId(2, {
      backupAttempts: [
        { ...attempt, outcome: 'failure' },
        { ...attempt, outcome: 'success', code: null, message: 'backed up' },
      ],
    })

    expect(toJobRow(failedBackup, null).errorMessage).toBe('cannot create archive folder')
    expect(toJobRow(retried, null).errorMessage).toBeNull()
  })
})

describe('queryJobs', () => {
  const jobs = [
    jobWithId(1, { fileName: 'acme_stmt_20261130_1.txt', client: 'acme', jobType: 'stmt', detectedAt: '2026-11-29T23:59:59.000Z' }),
    jobWithId(2, { fileName: 'globex_notice_20261130_1.txt', client: 'globex', jobType: 'notice', status: 'FAILED', detectedAt: '2026-11-30T00:00:00.000Z' }),
    jobWithId(3, { fileName: 'hooli_stmt_20261201_1.txt', client: 'hooli', archivalStatus: 'BACKUP_FAILURE', detectedAt: '2026-12-01T12:00:00.000Z' }),
    jobWithId(4, { fileName: 'odd name.txt', client: null, jobType: null, cycleDate: null, status: 'RUNNING', archivalStatus: 'PENDING', finishedAt: null, detectedAt: '2026-12-02T08:00:00.000Z' }),
    jobWithId(5, { fileName: 'ACME_stmt_20261202_2.txt', client: 'acme', status: 'WARNING', detectedAt: '2026-12-02T09:00:00.000Z' }),
  ]

  it('lists everything for an empty query', () => {
    const page = queryJobs(jobs, {}, noProgress)

    expect(page.total).toBe(5)
    expect(page.offset).toBe(0)
    expect(page.rows.map((row) => row.id)).toEqual(['J000001', 'J000002', 'J000003', 'J000004', 'J000005'])
  })

  it('matches text ignoring case', () => {
    expect(idsOf(jobs, { text: 'AcMe' })).toEqual(['J000001', 'J000005'])
    expect(idsOf(jobs, { text: 'j000003' })).toEqual(['J000003'])
    expect(idsOf(jobs, { text: 'odd name' })).toEqual(['J000004'])
    expect(idsOf(jobs, { text: 'nothing like it' })).toEqual([])
  })

  it('filters by status and archival status', () => {
    expect(idsOf(jobs, { status: ['FAILED', 'RUNNING'] })).toEqual(['J000002', 'J000004'])
    expect(idsOf(jobs, { archivalStatus: ['BACKUP_FAILURE'] })).toEqual(['J000003'])
    expect(idsOf(jobs, { status: [], archivalStatus: [] })).toHaveLength(5)
  })

  it('filters by job type', () => {
    expect(idsOf(jobs, { jobType: ['notice'] })).toEqual(['J000002'])
    expect(idsOf(jobs, { jobType: ['stmt'] })).toEqual(['J000001', 'J000003', 'J000005'])
  })

  it('filters by detected UTC day', () => {
    expect(idsOf(jobs, { detectedFrom: '2026-11-30', detectedTo: '2026-12-01' })).toEqual(['J000002', 'J000003'])
    expect(idsOf(jobs, { detectedTo: '2026-11-29' })).toEqual(['J000001'])
    expect(idsOf(jobs, { detectedFrom: '2026-12-02' })).toEqual(['J000004', 'J000005'])
  })

  it('keeps only red rows with failuresOnly', () => {
    expect(idsOf(jobs, { failuresOnly: true })).toEqual(['J000002', 'J000003'])
  })

  it('combines filters', () => {
    expect(idsOf(jobs, { text: 'acme', status: ['WARNING'] })).toEqual(['J000005'])
  })

  it('counts every job whatever the filters', () => {
    const page = queryJobs(jobs, { text: 'acme' }, noProgress)

    expect(page.total).toBe(2)
    expect(page.counts).toEqual({ total: 5, running: 1, failed: 1, backupFailures: 1 })
    expect(countJobs(jobs)).toEqual(page.counts)
  })

  it('sorts text columns ignoring case', () => {
    expect(idsOf(jobs, { sort: { column: 'fileName', direction: 'asc' } })).toEqual(['J000001', 'J000005', 'J000002', 'J000003', 'J000004'])
  })

  it('puts nulls last both ways', () => {
    expect(idsOf(jobs, { sort: { column: 'client', direction: 'asc' } })).toEqual(['J000001', 'J000005', 'J000002', 'J000003', 'J000004'])
    expect(idsOf(jobs, { sort: { column: 'client', direction: 'desc' } })).toEqual(['J000003', 'J000002', 'J000005', 'J000001', 'J000004'])
  })

  it('breaks ties by id', () => {
    const same = [jobWithId(9), jobWithId(3), jobWithId(6)]
    expect(idsOf(same, { sort: { column: 'pages', direction: 'asc' } })).toEqual(['J000003', 'J000006', 'J000009'])
    expect(idsOf(same, { sort: { column: 'pages', direction: 'desc' } })).toEqual(['J000009', 'J000006', 'J000003'])
  })

  it('sorts ids by number', () => {
    const wide = [jobWithId(1_000_000), jobWithId(999_999), jobWithId(2)]
    expect(idsOf(wide, { sort: { column: 'id', direction: 'asc' } })).toEqual(['J000002', 'J999999', 'J1000000'])
  })

  it('sorts statuses in lifecycle order', () => {
    expect(idsOf(jobs, { sort: { column: 'status', direction: 'asc' } })).toEqual(['J000004', 'J000001', 'J000003', 'J000005', 'J000002'])
  })

  it('sorts by detected time', () => {
    expect(idsOf(jobs, { sort: { column: 'detectedAt', direction: 'desc' } })).toEqual(['J000005', 'J000004', 'J000003', 'J000002', 'J000001'])
  })

  it('sorts numbers, not strings', () => {
    const paged = [
      jobWithId(1, { counts: { records: 9, accepted: 9, rejected: 0, pages: 9 } }),
      jobWithId(2, { counts: { records: 10, accepted: 10, rejected: 0, pages: 10 } }),
      jobWithId(3, { counts: { records: 100, accepted: 100, rejected: 0, pages: 100 } }),
    ]
    expect(idsOf(paged, { sort: { column: 'accepted', direction: 'asc' } })).toEqual(['J000001', 'J000002', 'J000003'])
  })

  it('accepts every sort column', () => {
    for (const column of JOB_SORT_COLUMNS) {
      for (const direction of ['asc', 'desc'] as const) {
        expect(idsOf(jobs, { sort: { column, direction } }), `${column} ${direction}`).toHaveLength(5)
      }
    }
  })

  it('pages with offset and limit', () => {
    const page = queryJobs(jobs, { offset: 1, limit: 2 }, noProgress)

    expect(page.total).toBe(5)
    expect(page.offset).toBe(1)
    expect(page.rows.map((row) => row.id)).toEqual(['J000002', 'J000003'])
    expect(queryJobs(jobs, { offset: 10 }, noProgress).rows).toEqual([])
  })

  it('limits pages to the default', () => {
    const many = Array.from({ length: DEFAULT_PAGE_LIMIT + 5 }, (_, index) => jobWithId(index + 1))
    const page = queryJobs(many, {}, noProgress)

    expect(page.total).toBe(DEFAULT_PAGE_LIMIT + 5)
    expect(page.rows).toHaveLength(DEFAULT_PAGE_LIMIT)
  })

  it('asks progress for page rows only', () => {
    const requestedIds: string[] = []
    const page = queryJobs(jobs, { limit: 4 }, (id) => {
      requestedIds.push(id)
      return 0.5
    })

    expect(requestedIds).toEqual(['J000001', 'J000002', 'J000003', 'J000004'])
    expect(page.rows.find((row) => row.id === 'J000004')?.progress).toBe(0.5)
    expect(page.rows.find((row) => row.id === 'J000001')?.progress).toBeNull()
  })

  it('handles 100,000 jobs', () => {
    const statuses = ['SUCCESS', 'WARNING', 'FAILED', 'RUNNING'] as const
    const big = Array.from({ length: 100_000 }, (_, index) =>
      jobWithId(index + 1, {
        fileName: `client${index % 50}_stmt_20261130_${index}.txt`,
        status: statuses[index % statuses.length],
        counts: { records: index % 997, accepted: index % 997, rejected: 0, pages: index % 13 },
      }),
    )
    const page = queryJobs(big, { text: 'client7_', sort: { column: 'accepted', direction: 'desc' }, limit: 3 }, noProgress)

    const expected = big
      .filter((job) => job.fileName.startsWith('client7_'))
      .map((job) => job.counts.accepted)
      .sort((a, b) => b - a)
      .slice(0, 3)
    expect(page.total).toBe(2_000)
    expect(page.rows.map((row) => row.accepted)).toEqual(expected)
    expect(page.counts).toEqual({ total: 100_000, running: 25_000, failed: 25_000, backupFailures: 0 })
  })
})

describe('createJobFilter', () => {
  it('ignores sort and page', () => {
    const matches = createJobFilter({ status: ['FAILED'], sort: { column: 'id', direction: 'desc' }, offset: 50, limit: 1 })

    expect(matches(makeJob({ status: 'FAILED' }))).toBe(true)
    expect(matches(makeJob({ status: 'SUCCESS' }))).toBe(false)
  })
})
