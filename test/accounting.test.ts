import { describe, expect, it } from 'vitest'
import { buildAccountingReport, reportToCsv, reportToJson } from '../main/core/accounting'
import { makeJob } from './helpers/job-fixture'

describe('buildAccountingReport', () => {
  it('groups by client, job type and cycle', () => {
    const report = buildAccountingReport([
      makeJob({ client: 'globex', counts: { records: 5, accepted: 5, rejected: 0, pages: 7 } }),
      makeJob({ client: 'acme', counts: { records: 10, accepted: 9, rejected: 1, pages: 20 }, status: 'WARNING' }),
      makeJob({ client: 'acme', counts: { records: 3, accepted: 3, rejected: 0, pages: 3 } }),
      makeJob({ client: 'acme', jobType: 'notice', counts: { records: 2, accepted: 2, rejected: 0, pages: 2 } }),
    ])

    expect(report.rows.map((row) => [row.client, row.jobType, row.documents, row.pages])).toEqual([
      ['acme', 'notice', 2, 2],
      ['acme', 'stmt', 12, 23],
      ['globex', 'stmt', 5, 7],
    ])
    expect(report.totals.documents).toBe(19)
    expect(report.totals.pages).toBe(32)
    expect(report.totals.rejectedRecords).toBe(1)
  })

  it('counts failed jobs without their documents', () => {
    const report = buildAccountingReport([
      makeJob(),
      makeJob({ status: 'FAILED', counts: { records: 10, accepted: 1, rejected: 9, pages: 1 } }),
    ])

    expect(report.totals.jobs).toBe(2)
    expect(report.totals.failedJobs).toBe(1)
    expect(report.totals.documents).toBe(10)
  })

  it('ignores archival status entirely', () => {
    const jobs = [makeJob({ archivalStatus: 'BACKED_UP' }), makeJob({ client: 'globex', archivalStatus: 'BACKED_UP' })]
    const failedBackups = jobs.map((job) => ({ ...job, archivalStatus: 'BACKUP_FAILURE' as const, archivePath: null }))

    expect(reportToCsv(buildAccountingReport(failedBackups))).toBe(reportToCsv(buildAccountingReport(jobs)))
  })

  it('skips unfinished and unmatched jobs', () => {
    const report = buildAccountingReport([
      makeJob({ status: 'RUNNING' }),
      makeJob({ status: 'FAILED', jobType: null, client: null, cycleDate: null }),
    ])

    expect(report.rows).toEqual([])
    expect(report.totals.jobs).toBe(0)
  })

  it('filters by cycle date range', () => {
    const jobs = [makeJob({ cycleDate: '2026-11-01' }), makeJob({ cycleDate: '2026-11-15' }), makeJob({ cycleDate: '2026-11-30' })]

    const report = buildAccountingReport(jobs, { from: '2026-11-02', to: '2026-11-30' })

    expect(report.rows.map((row) => row.cycleDate)).toEqual(['2026-11-15', '2026-11-30'])
  })
})

describe('reportToCsv', () => {
  it('writes header, rows and totals', () => {
    const csv = reportToCsv(buildAccountingReport([makeJob()]))

    expect(csv).toBe(
      'client,jobType,cycleDate,jobs,postedJobs,failedJobs,documents,rejectedRecords,pages\n' +
        'acme,stmt,2026-11-30,1,1,0,10,0,25\n' +
        'TOTAL,,,1,1,0,10,0,25\n',
    )
  })

  it('neutralises formula-like client names', () => {
    const csv = reportToCsv(buildAccountingReport([makeJob({ client: '=cmd' })]))

    expect(csv.split('\n')[1]).toMatch(/^'=cmd,/)
  })
})

describe('reportToJson', () => {
  it('round-trips the totals', () => {
    const report = buildAccountingReport([makeJob()])

    expect(JSON.parse(reportToJson(report)).totals).toEqual(report.totals)
  })
})
