import type { Job } from '../../shared/job'
import type { AccountingReportData, AccountingRow } from '../../shared/report'
import { isPosted } from '../../shared/status'

export type { AccountingRow }
export type AccountingReport = AccountingReportData

/** Cycle-date range of a report, inclusive, `YYYY-MM-DD`; null leaves that end open. */
export interface ReportRange {
  from?: string | null
  to?: string | null
}

const EMPTY_TOTALS = { jobs: 0, postedJobs: 0, failedJobs: 0, documents: 0, rejectedRecords: 0, pages: 0 }
const TOTAL_FIELDS = Object.keys(EMPTY_TOTALS) as (keyof typeof EMPTY_TOTALS)[]

/**
 * Builds the accounting report from main statuses and counts only. Archival fields are never read, so the report
 * is the same whatever happened to the backups. Jobs without a job type, client or cycle date (names no job type
 * matched) are left out because they post nothing. Jobs still pending or running are left out until they finish.
 * `retiredRows` are the kept totals of jobs that retention removed from the store. They are added to the rows of the
 * same client, job type and cycle date, so retiring a day never changes the report.
 */
export function buildAccountingReport(
  jobs: Iterable<Job>,
  range: ReportRange = {},
  retiredRows: Iterable<AccountingRow> = [],
): AccountingReport {
  const from = range.from ?? null
  const to = range.to ?? null
  const groups = new Map<string, AccountingRow>()

  for (const retired of retiredRows) {
    if (from !== null && retired.cycleDate < from) continue
    if (to !== null && retired.cycleDate > to) continue
    const key = `${retired.client}\u0000${retired.jobType}\u0000${retired.cycleDate}`
    const row = groups.get(key) ?? { client: retired.client, jobType: retired.jobType, cycleDate: retired.cycleDate, ...EMPTY_TOTALS }
    for (const field of TOTAL_FIELDS) row[field] += retired[field]
    groups.set(key, row)
  }

  for (const job of jobs) {
    if (job.jobType === null || job.client === null || job.cycleDate === null) continue
    if (job.status === 'PENDING' || job.status === 'RUNNING') continue
    if (from !== null && job.cycleDate < from) continue
    if (to !== null && job.cycleDate > to) continue

    const key = `${job.client}\u0000${job.jobType}\u0000${job.cycleDate}`
    let row = groups.get(key)
    if (!row) {
      row = { client: job.client, jobType: job.jobType, cycleDate: job.cycleDate, ...EMPTY_TOTALS }
      groups.set(key, row)
    }
    addJob(row, job)
  }

  const rows = [...groups.values()].sort(compareRows)
  const totals = { ...EMPTY_TOTALS }
  for (const row of rows) {
    for (const field of TOTAL_FIELDS) totals[field] += row[field]
  }
  return { from, to, rows, totals }
}

function addJob(row: AccountingRow, job: Job): void {
  row.jobs += 1
  if (!isPosted(job.status)) {
    row.failedJobs += 1
    return
  }
  row.postedJobs += 1
  row.documents += job.counts.accepted
  row.rejectedRecords += job.counts.rejected
  row.pages += job.counts.pages
}

function compareRows(a: AccountingRow, b: AccountingRow): number {
  return a.client.localeCompare(b.client, 'en') || a.jobType.localeCompare(b.jobType, 'en') || a.cycleDate.localeCompare(b.cycleDate)
}

const CSV_COLUMNS = ['client', 'jobType', 'cycleDate', 'jobs', 'postedJobs', 'failedJobs', 'documents', 'rejectedRecords', 'pages'] as const

/** Formats the report as CSV with a header line, one line per group, and a final `TOTAL` line. */
export function reportToCsv(report: AccountingReport): string {
  const lines = [CSV_COLUMNS.join(',')]
  for (const row of report.rows) lines.push(CSV_COLUMNS.map((column) => csvField(String(row[column]))).join(','))
  const totals = report.totals
  lines.push(
    ['TOTAL', '', '', totals.jobs, totals.postedJobs, totals.failedJobs, totals.documents, totals.rejectedRecords, totals.pages].join(','),
  )
  return lines.join('\n') + '\n'
}

function csvField(value: string): string {
  // Spreadsheet apps run a cell starting with = + - @ as a formula, so such values get a leading quote.
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/** Formats the report as indented JSON. */
export function reportToJson(report: AccountingReport): string {
  return JSON.stringify(report, null, 2) + '\n'
}
