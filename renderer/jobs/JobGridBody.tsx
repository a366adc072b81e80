import { flexRender, type Table } from '@tanstack/react-table'
import { useVirtualizer } from '@tanstack/react-virtual'
import { useEffect } from 'react'
import type { JobRow } from '../../shared/api'
import { JOB_COLUMNS, JOB_GRID_TEMPLATE, JOB_ROW_HEIGHT } from './columns'
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

  const rowsById = table.getRowModel().rowsById

  return (
    <div role="rowgroup" className="job-grid__body" style={{ height: virtualizer.getTotalSize() }}>
      {items.map((item) => {
        const job = pages.rowAt(item.index)
        const tableRow = job ? rowsById[job.id] : undefined
        const position = { transform: `translateY(${item.start - JOB_ROW_HEIGHT}px)`, gridTemplateColumns: JOB_GRID_TEMPLATE }

        if (!job || !tableRow) {
          return (
            <div
              key={`loading-${item.index}`}
              role="row"
              aria-rowindex={item.index + 2}
              className="job-grid__row job-grid__row--loading"
              style={position}
            >
              <div role="gridcell" aria-colspan={JOB_COLUMNS.length} className="job-grid__cell">
                Loading…
              </div>
            </div>
          )
        }

        const selected = job.id === selectedId
        return (
          <div
            key={job.id}
            id={`job-row-${job.id}`}
            role="row"
            aria-rowindex={item.index + 2}
            aria-selected={selected}
            className={selected ? 'job-grid__row job-grid__row--selected' : 'job-grid__row'}
            style={position}
            title={job.errorMessage ?? undefined}
            onClick={() => onRowClick(job)}
          >
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
          </div>
        )
      })}
    </div>
  )
}
