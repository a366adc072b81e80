import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { JobQuery, JobRow } from '../../shared/api'
import { formatCountOf } from '../common/format'
import { useNavigation } from '../navigation/navigation-context'
import { BulkAcknowledge } from './BulkAcknowledge'
import { BulkRetry } from './BulkRetry'
import { CountsBar } from './CountsBar'
import { EmptyHistory, NoMatches } from './EmptyState'
import { EMPTY_FILTERS, filtersToQuery, type JobFilters, type JobSort } from './job-filters'
import { JobDetails } from './JobDetails'
import { JobFilterBar } from './JobFilterBar'
import { JobGrid } from './JobGrid'
import { useJobPages } from './use-job-pages'
import { useJobTypeOptions } from './use-job-type-options'
import { useRetryBackup } from './use-retry-backup'

/** Renders the jobs screen: counts, filters, the bulk retry, the grid and the details of the selected job. */
export function JobsView() {
  const { state, navigate } = useNavigation()
  const { filters, sort, jobId } = state

  const query = useMemo<JobQuery>(() => (sort ? { ...filtersToQuery(filters), sort } : filtersToQuery(filters)), [filters, sort])
  const pages = useJobPages(query)
  const { applyRows } = pages
  const applyRow = useCallback((row: JobRow) => applyRows([row]), [applyRows])
  const { retryingIds, retry } = useRetryBackup(applyRow)
  const loadedRows = useMemo(() => pages.loadedRows(), [pages])
  const jobTypes = useJobTypeOptions(loadedRows)

  // Details open on their own when the URL names a job the grid did not select: a link or a notification.
  const [detailsOpen, setDetailsOpen] = useState(jobId !== null)
  const selectedInGrid = useRef<string | null>(jobId)
  useEffect(() => {
    if (jobId !== null && jobId !== selectedInGrid.current) setDetailsOpen(true)
    selectedInGrid.current = jobId
  }, [jobId])

  const setFilters = useCallback(
    (next: JobFilters) => navigate((current) => ({ ...current, filters: next })),
    [navigate],
  )
  const setSort = useCallback((next: JobSort | null) => navigate((current) => ({ ...current, sort: next })), [navigate])
  const select = useCallback(
    (id: string) => {
      selectedInGrid.current = id
      navigate((current) => ({ ...current, jobId: id }))
    },
    [navigate],
  )
  const openJob = useCallback(
    (id: string) => navigate((current) => ({ ...current, view: 'jobs', jobId: id }), 'push'),
    [navigate],
  )

  const historyIsEmpty = pages.counts?.total === 0
  return (
    <section className="jobs-view" aria-label="Jobs">
      <CountsBar counts={pages.counts} filters={filters} onFiltersChange={setFilters} />
      <JobFilterBar filters={filters} jobTypes={jobTypes} onFiltersChange={setFilters} />
      <div className="jobs-view__toolbar">
        <span role="status" className="jobs-view__total">
          {pages.total === null ? 'Loading jobs…' : `${formatCountOf(pages.total, 'matching job')}`}
        </span>
        <BulkRetry filters={filters} onDone={pages.reload} />
        <BulkAcknowledge filters={filters} onDone={pages.reload} />
      </div>
      {pages.error && (
        <div className="inline-error" role="alert">
          {pages.error}{' '}
          <button type="button" onClick={pages.reload}>
            Try again
          </button>
        </div>
      )}
      <div className="jobs-view__main">
        {historyIsEmpty ? (
          <EmptyHistory />
        ) : pages.total === 0 ? (
          <NoMatches onClearFilters={() => setFilters(EMPTY_FILTERS)} />
        ) : (
          <JobGrid
            pages={pages}
            sort={sort}
            onSortChange={setSort}
            selectedId={jobId}
            onSelect={select}
            onOpenDetails={() => setDetailsOpen(true)}
            onCloseDetails={() => setDetailsOpen(false)}
            retryingIds={retryingIds}
            onRetry={retry}
          />
        )}
        {detailsOpen && jobId && (
          <JobDetails
            jobId={jobId}
            retrying={retryingIds.has(jobId)}
            onRetry={retry}
            onOpenJob={openJob}
            onClose={() => setDetailsOpen(false)}
          />
        )}
      </div>
    </section>
  )
}
