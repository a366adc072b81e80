import type { JobQuery, JobSortColumn } from '../../shared/api'
import type { ArchivalStatus, JobStatus } from '../../shared/status'

/** Filter bar selection of the job grid. Empty fields filter nothing. */
export interface JobFilters {
  /** Matched against file name, client and job id by the server. */
  text: string
  status: JobStatus[]
  archivalStatus: ArchivalStatus[]
  jobType: string[]
  /** First and last detection day, `YYYY-MM-DD`, inclusive. */
  detectedFrom: string | null
  detectedTo: string | null
  failuresOnly: boolean
}

export interface JobSort {
  column: JobSortColumn
  direction: 'asc' | 'desc'
}

export const EMPTY_FILTERS: JobFilters = Object.freeze({
  text: '',
  status: [],
  archivalStatus: [],
  jobType: [],
  detectedFrom: null,
  detectedTo: null,
  failuresOnly: false,
}) as JobFilters

/** Builds the filter part of a job query, leaving out the fields that filter nothing. */
export function filtersToQuery(filters: JobFilters): JobQuery {
  const query: JobQuery = {}
  const text = filters.text.trim()
  if (text) query.text = text
  if (filters.status.length > 0) query.status = [...filters.status]
  if (filters.archivalStatus.length > 0) query.archivalStatus = [...filters.archivalStatus]
  if (filters.jobType.length > 0) query.jobType = [...filters.jobType]
  if (filters.detectedFrom) query.detectedFrom = filters.detectedFrom
  if (filters.detectedTo) query.detectedTo = filters.detectedTo
  if (filters.failuresOnly) query.failuresOnly = true
  return query
}

/** Returns true when any filter narrows the list. */
export function hasActiveFilters(filters: JobFilters): boolean {
  return Object.keys(filtersToQuery(filters)).length > 0
}

/**
 * Builds the query that counts the jobs in `BACKUP_FAILURE` among the current filters, or returns null when the
 * filters exclude that archival status (the count is then zero).
 */
export function backupFailureQuery(filters: JobFilters): JobQuery | null {
  const query = filtersToQuery(filters)
  const selected = query.archivalStatus
  if (selected && !selected.includes('BACKUP_FAILURE')) return null
  return { ...query, archivalStatus: ['BACKUP_FAILURE'], limit: 1 }
}
