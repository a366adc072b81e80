/** One line of the accounting report: the jobs of one client, job type and cycle date. */
export interface AccountingRow {
  client: string
  jobType: string
  cycleDate: string
  /** Jobs in the group, whatever their main status. */
  jobs: number
  /** Jobs whose counts are in the totals (`SUCCESS` or `WARNING`). */
  postedJobs: number
  failedJobs: number
  /** Accepted records of posted jobs: the documents posted for the client. */
  documents: number
  /** Records rejected in posted jobs. */
  rejectedRecords: number
  /** Pages of the documents posted. */
  pages: number
}

/** Accounting totals computed from main statuses and counts only; backup outcomes never change them. */
export interface AccountingReportData {
  from: string | null
  to: string | null
  rows: AccountingRow[]
  totals: Omit<AccountingRow, 'client' | 'jobType' | 'cycleDate'>
}
