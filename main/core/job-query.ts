import type { JobCountsSummary, JobPage, JobQuery, JobRow, JobSortColumn } from '../../shared/api'
import type { Job } from '../../shared/job'
import { durationOf, toJobRow } from '../../shared/job-row'
import { ARCHIVAL_STATUSES, JOB_STATUSES, needsAttention } from '../../shared/status'

/** Rows per page when the query gives no limit. */
export const DEFAULT_PAGE_LIMIT = 200

export { toJobRow }

/** Returns the share of the file read so far for a running job, or null. */
export type ProgressLookup = (jobId: string) => number | null

/** UTC day (`YYYY-MM-DD`) of an ISO time. The store writes `toISOString()` values, which end in `Z`. */
function utcDayOf(isoTime: string): string {
  if (isoTime.endsWith('Z')) return isoTime.slice(0, 10)
  const time = Date.parse(isoTime)
  return Number.isNaN(time) ? '' : new Date(time).toISOString().slice(0, 10)
}

/**
 * Builds the predicate for the query's filters: text over file name, client and id (ignoring case), status,
 * archival status, job type, detected day range and failures only. Sort and page are not filters.
 */
export function createJobFilter(query: JobQuery): (job: Job) => boolean {
  const text = query.text?.trim().toLowerCase() || null
  const statuses = query.status && query.status.length > 0 ? new Set<string>(query.status) : null
  const archivalStatuses = query.archivalStatus && query.archivalStatus.length > 0 ? new Set<string>(query.archivalStatus) : null
  const jobTypes = query.jobType && query.jobType.length > 0 ? new Set<string>(query.jobType) : null
  const from = query.detectedFrom ?? null
  const to = query.detectedTo ?? null
  const failuresOnly = query.failuresOnly === true

  return (job) => {
    if (statuses && !statuses.has(job.status)) return false
    if (archivalStatuses && !archivalStatuses.has(job.archivalStatus)) return false
    if (jobTypes && (job.jobType === null || !jobTypes.has(job.jobType))) return false
    if (failuresOnly && !needsAttention(job.status, job.archivalStatus)) return false
    if (from !== null || to !== null) {
      const day = utcDayOf(job.detectedAt)
      if (from !== null && day < from) return false
      if (to !== null && day > to) return false
    }
    if (text !== null) {
      const matches =
        job.fileName.toLowerCase().includes(text) ||
        job.id.toLowerCase().includes(text) ||
        (job.client !== null && job.client.toLowerCase().includes(text))
      if (!matches) return false
    }
    return true
  }
}

/** Counts for the counts bar over every job, whatever the filters. */
export function countJobs(jobs: readonly Job[]): JobCountsSummary {
  const counts: JobCountsSummary = { total: jobs.length, running: 0, failed: 0, backupFailures: 0 }
  for (const job of jobs) addToCounts(counts, job)
  return counts
}

function addToCounts(counts: JobCountsSummary, job: Job): void {
  if (job.status === 'RUNNING') counts.running += 1
  else if (job.status === 'FAILED') counts.failed += 1
  if (job.archivalStatus === 'BACKUP_FAILURE') counts.backupFailures += 1
}

type SortKey = string | number | null

const STATUS_ORDER = new Map<string, number>(JOB_STATUSES.map((status, index) => [status, index]))
const ARCHIVAL_ORDER = new Map<string, number>(ARCHIVAL_STATUSES.map((status, index) => [status, index]))

/**
 * Sort key of a job for a column. Text is compared by UTF-16 code units after lower-casing, because a locale
 * collator is several times slower over 100,000 rows. Statuses sort in their lifecycle order (`PENDING` first).
 */
function sortKeyOf(job: Job, column: JobSortColumn): SortKey {
  switch (column) {
    case 'id':
      return jobNumberOf(job.id)
    case 'fileName':
      return job.fileName.toLowerCase()
    case 'jobType':
      return job.jobType
    case 'client':
      return job.client === null ? null : job.client.toLowerCase()
    case 'cycleDate':
      return job.cycleDate
    case 'detectedAt': {
      const time = Date.parse(job.detectedAt)
      return Number.isNaN(time) ? null : time
    }
    case 'durationMs':
      return durationOf(job)
    case 'accepted':
      return job.counts.accepted
    case 'rejected':
      return job.counts.rejected
    case 'pages':
      return job.counts.pages
    case 'status':
      return STATUS_ORDER.get(job.status) ?? null
    case 'archivalStatus':
      return ARCHIVAL_ORDER.get(job.archivalStatus) ?? null
    default: {
      const unknownColumn: never = column
      throw new Error(`job query: unknown sort column ${JSON.stringify(unknownColumn)}`)
    }
  }
}

/** Numeric part of an id such as `J000042`, so `J1000000` sorts after `J999999`. */
function jobNumberOf(id: string): number {
  return Number(id.slice(1))
}

interface Keyed {
  job: Job
  key: SortKey
  number: number
}

/** Jobs with their counts, such as `JobStore.view()`. */
export interface JobQuerySource {
  jobs: readonly Job[]
  counts: Readonly<JobCountsSummary>
  /** Changes with every change to the jobs; -1 turns the sorted-result cache off. */
  version: number
  /** True when `jobs` are in id order, which lets an id sort walk the array instead of sorting it. */
  inIdOrder: boolean
}

/** The last sorted result, reused while the jobs and the query's filters and sort are unchanged (paging). */
export interface SortedResultCache {
  key: string | null
  version: number
  ordered: readonly Job[]
}

/** Returns an empty cache for `queryJobSource`. */
export function createSortedResultCache(): SortedResultCache {
  return { key: null, version: -1, ordered: [] }
}

/**
 * Filters, sorts and pages jobs for the grid in one pass and one sort. Rows with no value in the sort column come
 * last in either direction, and ties are broken by id in the sort's direction. Without a sort, jobs keep the store's
 * order (oldest id first). `counts` covers every job, not only the matching ones.
 */
export function queryJobs(jobs: readonly Job[], query: JobQuery, progressOf: ProgressLookup): JobPage {
  return queryJobSource({ jobs, counts: countJobs(jobs), version: -1, inIdOrder: false }, query, progressOf)
}

/**
 * Runs a grid query over the store's own array without copying it. Counts come from the source. A query sorted by
 * id, or not sorted, walks the array in order and keeps only the requested page. A query sorted on another column
 * sorts the matching jobs once and keeps the result in `cache` for the next pages.
 */
export function queryJobSource(source: JobQuerySource, query: JobQuery, progressOf: ProgressLookup, cache?: SortedResultCache): JobPage {
  const counts = { ...source.counts }
  const offset = query.offset ?? 0
  const limit = query.limit ?? DEFAULT_PAGE_LIMIT
  const toRow = (job: Job) => toJobRow(job, progressOf(job.id))
  const sort = query.sort

  if (sort === undefined || (sort.column === 'id' && source.inIdOrder)) {
    const page = pageInIdOrder(source.jobs, query, offset, limit, sort?.direction === 'desc')
    return { total: page.total, offset, rows: page.jobs.map(toRow), counts }
  }

  const key = JSON.stringify({ ...query, offset: undefined, limit: undefined })
  let ordered: readonly Job[]
  if (cache && cache.key === key && cache.version === source.version && source.version >= 0) {
    ordered = cache.ordered
  } else {
    const matches = createJobFilter(query)
    ordered = sortJobs(source.jobs.filter(matches), sort.column, sort.direction)
    if (cache) Object.assign(cache, { key, version: source.version, ordered })
  }
  return { total: ordered.length, offset, rows: ordered.slice(offset, offset + limit).map(toRow), counts }
}

function pageInIdOrder(jobs: readonly Job[], query: JobQuery, offset: number, limit: number, descending: boolean): { total: number; jobs: Job[] } {
  const hasFilter = Object.entries(query).some(([name, value]) => !['sort', 'offset', 'limit'].includes(name) && value !== undefined)
  if (!hasFilter) {
    const page = descending ? jobs.slice(Math.max(0, jobs.length - offset - limit), Math.max(0, jobs.length - offset)).reverse() : jobs.slice(offset, offset + limit)
    return { total: jobs.length, jobs: page }
  }

  const matches = createJobFilter(query)
  const page: Job[] = []
  let total = 0
  for (let step = 0; step < jobs.length; step += 1) {
    const job = jobs[descending ? jobs.length - 1 - step : step]!
    if (!matches(job)) continue
    if (total >= offset && page.length < limit) page.push(job)
    total += 1
  }
  return { total, jobs: page }
}

function sortJobs(jobs: readonly Job[], column: JobSortColumn, direction: 'asc' | 'desc'): Job[] {
  const keyed: Keyed[] = jobs.map((job) => ({ job, key: sortKeyOf(job, column), number: jobNumberOf(job.id) }))
  const sign = direction === 'desc' ? -1 : 1
  keyed.sort((a, b) => {
    if (a.key !== b.key) {
      if (a.key === null) return 1
      if (b.key === null) return -1
      return (a.key < b.key ? -1 : 1) * sign
    }
    return (a.number - b.number) * sign
  })
  return keyed.map((entry) => entry.job)
}
