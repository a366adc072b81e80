import { flexRender, type Row, type Table } from '@tanstack/react-table'
import { useVirtualizer } from '@tanstack/react-virtual'
import { memo, useCallback, useEffect, useLayoutEffect, useRef } from 'react'
import type { JobRow } from '../../shared/api'
import { JOB_COLUMNS, JOB_GRID_TEMPLATE, JOB_ROW_HEIGHT } from './columns'
import { SelectedRowContext } from './row-selection'
import type { JobPages } from './use-job-pages'

/** A request to bring one row into view; a new object each time, so the same index can be asked for twice. */
export interface ScrollRequest {
  index: number
}

export interface JobGridBodyProps {
  table: Table<JobRow>
  pages: JobPages
  scrollElement: HTMLDivElement | null
  selectedId: string | null
  scrollRequest: ScrollRequest | null
  onRowClick(row: JobRow): void
}

/** Renders the grid rows in view and loads the blocks they fall in as they appear. */
export function JobGridBody({ table, pages, scrollElement, selectedId, scrollRequest, onRowClick }: JobGridBodyProps) {
  const virtualizer = useVirtualizer({
    count: pages.total ?? 0,
    getScrollElement: () => scrollElement,
    estimateSize: () => JOB_ROW_HEIGHT,
    overscan: 12,
    // The sticky header row sits above the body inside the same scroll element.
    scrollMargin: JOB_ROW_HEIGHT,
    scrollPaddingStart: JOB_ROW_HEIGHT,
    // React batches the scroll updates; a synchronous flush on every scroll event re-renders the rows once per event.
    useFlushSync: false,
  })
  const items = virtualizer.getVirtualItems()
  const first = items[0]?.index
  const last = items.at(-1)?.index
  const { showRange, version } = pages

  useEffect(() => {
    if (first !== undefined && last !== undefined) showRange(first, last)
  }, [first, last, version, showRange])

  useEffect(() => {
    if (scrollRequest) virtualizer.scrollToIndex(scrollRequest.index, { align: 'auto' })
  }, [scrollRequest, virtualizer])

  // Rows keep one click handler for their whole life, so a row whose job did not change is not rendered again.
  const onRowClickRef = useRef(onRowClick)
  useLayoutEffect(() => {
    onRowClickRef.current = onRowClick
  })
  const openRow = useCallback((row: JobRow) => onRowClickRef.current(row), [])

  const rowsById = table.getRowModel().rowsById

  return (
    <div role="rowgroup" className="job-grid__body" style={{ height: virtualizer.getTotalSize() }}>
      {items.map((item) => {
        const job = pages.rowAt(item.index)
        const tableRow = job ? rowsById[job.id] : undefined

        if (!job || !tableRow) {
          return (
            <div
              key={`loading-${item.index}`}
              role="row"
              aria-rowindex={item.index + 2}
              className="job-grid__row job-grid__row--loading"
              style={{ transform: `translateY(${item.start - JOB_ROW_HEIGHT}px)`, gridTemplateColumns: JOB_GRID_TEMPLATE }}
            >
              <div role="gridcell" aria-colspan={JOB_COLUMNS.length} className="job-grid__cell">
                Loading…
              </div>
            </div>
          )
        }

        return (
          <JobGridRow
            key={job.id}
            job={job}
            tableRow={tableRow}
            index={item.index}
            top={item.start - JOB_ROW_HEIGHT}
            selected={job.id === selectedId}
            meta={table.options.meta}
            onOpen={openRow}
          />
        )
      })}
    </div>
  )
}

interface JobGridRowProps {
  job: JobRow
  tableRow: Row<JobRow>
  index: number
  top: number
  selected: boolean
  /** The table's meta (retries in progress, the retry handler); a new value renders the row again. */
  meta: Table<JobRow>['options']['meta']
  onOpen(row: JobRow): void
}

/** One job's row; memoized, so scrolling renders only the rows that come into view. */
const JobGridRow = memo(function JobGridRow({ job, tableRow, index, top, selected, onOpen }: JobGridRowProps) {
  return (
    <div
      id={`job-row-${job.id}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      className={selected ? 'job-grid__row job-grid__row--selected' : 'job-grid__row'}
      style={{ transform: `translateY(${top}px)`, gridTemplateColumns: JOB_GRID_TEMPLATE }}
      title={job.errorMessage ?? undefined}
      onClick={() => onOpen(job)}
    >
      <SelectedRowContext.Provider value={selected}>
        {tableRow.getVisibleCells().map((cell) => {
          const meta = cell.column.columnDef.meta
          const classes = ['job-grid__cell']
          if (meta?.numeric) classes.push('job-grid__cell--numeric')
          if (meta?.cellClassName) classes.push(meta.cellClassName(job))
          return (
            <div key={cell.id} role="gridcell" data-column={cell.column.id} className={classes.join(' ')}>
              {flexRender(cell.column.columnDef.cell, cell.getContext())}
            </div>
          )
        })}
      </SelectedRowContext.Provider>
    </div>
  )
})
