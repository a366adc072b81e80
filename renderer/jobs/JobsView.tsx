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
import { useAcknowledgeFailure } from './use-acknowledge-failure'
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
  const acknowledge = useAcknowledgeFailure(applyRow)
  const loadedRows = useMemo(() => pages.loadedRows(), [pages])
  const jobTypes = useJobTypeOptions(loadedRows)

  // Details open on their own when the URL names a job the grid did not select: a link or a notification.
  const [detailsOpen, setDetailsOpen] = useState(jobId !== null)
  const selectedInGrid = useRef<string | null>(jobId)
  // The grid keeps its selection after closing the details removes the job from the URL.
  const [selectedId, setSelectedId] = useState<string | null>(jobId)
  useEffect(() => {
    if (jobId !== null && jobId !== selectedInGrid.current) setDetailsOpen(true)
    if (jobId !== null) setSelectedId(jobId)
    selectedInGrid.current = jobId
  }, [jobId])

  // Each opening by keyboard increases it and moves focus into the details. It is zero while they are closed.
  const [detailsFocusRequest, setDetailsFocusRequest] = useState(0)
  const gridRef = useRef<HTMLDivElement | null>(null)

  const setFilters = useCallback(
    (next: JobFilters) => navigate((current) => ({ ...current, filters: next })),
    [navigate],
  )
  const setSort = useCallback((next: JobSort | null) => navigate((current) => ({ ...current, sort: next })), [navigate])
  const select = useCallback(
    (id: string) => {
      selectedInGrid.current = id
      setSelectedId(id)
      navigate((current) => ({ ...current, jobId: id }))
    },
    [navigate],
  )
  const openDetails = useCallback((_id: string, moveFocus: boolean) => {
    setDetailsOpen(true)
    if (moveFocus) setDetailsFocusRequest((count) => count + 1)
  }, [])
  const closeDetails = useCallback(() => {
    if (!detailsOpen) return
    setDetailsOpen(false)
    setDetailsFocusRequest(0)
    selectedInGrid.current = null
    navigate((current) => ({ ...current, jobId: null }))
    gridRef.current?.focus()
  }, [detailsOpen, navigate])
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
            selectedId={selectedId}
            onSelect={select}
            onOpenDetails={openDetails}
            onCloseDetails={closeDetails}
            retryingIds={retryingIds}
            onRetry={retry}
            onAcknowledge={acknowledge}
            gridRef={gridRef}
          />
        )}
        {detailsOpen && jobId && (
          <JobDetails
            jobId={jobId}
            retrying={retryingIds.has(jobId)}
            onRetry={retry}
            onOpenJob={openJob}
            onClose={closeDetails}
            focusRequest={detailsFocusRequest}
          />
        )}
      </div>
    </section>
  )
}
