import {
  flexRender,
  getCoreRowModel,
  useReactTable,
  type SortDirection,
  type SortingState,
  type Updater,
} from '@tanstack/react-table'
import { useCallback, useEffect, useMemo, useState, type KeyboardEvent, type RefObject } from 'react'
import type { JobRow, JobSortColumn } from '../../shared/api'
import { isUnacknowledgedFailure } from '../../shared/job-row'
import { JOB_COLUMNS, JOB_GRID_TEMPLATE } from './columns'
import type { JobSort } from './job-filters'
import { JobGridBody, type ScrollRequest } from './JobGridBody'
import type { JobPages } from './use-job-pages'

const coreRowModel = getCoreRowModel<JobRow>()

/** Rows that PageUp and PageDown move the selection by. */
const PAGE_STEP = 20

function ariaSortOf(sorted: false | SortDirection): 'ascending' | 'descending' | undefined {
  if (sorted === 'asc') return 'ascending'
  if (sorted === 'desc') return 'descending'
  return undefined
}

function sortArrowOf(sorted: false | SortDirection): string {
  if (sorted === 'asc') return ' ▲'
  if (sorted === 'desc') return ' ▼'
  return ''
}

export interface JobGridProps {
  pages: JobPages
  sort: JobSort | null
  onSortChange(sort: JobSort | null): void
  selectedId: string | null
  onSelect(id: string): void
  /** Opens the details of a job; `moveFocus` is true when the keyboard opened them, so focus follows. */
  onOpenDetails(id: string, moveFocus: boolean): void
  onCloseDetails(): void
  retryingIds: ReadonlySet<string>
  onRetry(row: JobRow): void
  onAcknowledge(row: JobRow): void
  /** The ref that receives the grid element, so closing the details can give focus back to it. */
  gridRef?: RefObject<HTMLDivElement | null>
}

/**
 * Renders the job grid: sortable headers over the rows the server pages, with a keyboard-driven selection.
 * The grid element is one tab stop, followed by the sort buttons and the buttons of the selected row only. Arrows,
 * PageUp, PageDown, Home and End move the selection. Enter opens the details and Escape closes them. `r` retries
 * the selected job's backup when it is in `BACKUP_FAILURE`, and `a` acknowledges that failure.
 */
export function JobGrid(props: JobGridProps) {
  const { pages, sort, onSortChange, selectedId, onSelect, retryingIds, onRetry, onAcknowledge, gridRef } = props
  // A state callback ref: setting it re-renders the body, so the virtualizer measures the element it scrolls.
  // A plain ref is attached after the body's layout effects run, and the first rows would never show.
  const [scrollElement, setScrollElement] = useState<HTMLDivElement | null>(null)
  const attachGrid = useCallback(
    (element: HTMLDivElement | null) => {
      setScrollElement(element)
      if (gridRef) gridRef.current = element
    },
    [gridRef],
  )
  const [scrollRequest, setScrollRequest] = useState<ScrollRequest | null>(null)
  const [pendingIndex, setPendingIndex] = useState<number | null>(null)

  const { version, loadedRows } = pages
  // The version stands for the cache's content, which loadedRows() reads.
  const data = useMemo(() => loadedRows(), [version, loadedRows])
  const sorting: SortingState = useMemo(
    () => (sort ? [{ id: sort.column, desc: sort.direction === 'desc' }] : []),
    [sort],
  )
  const meta = useMemo(() => ({ retryingIds, onRetry }), [retryingIds, onRetry])

  const table = useReactTable({
    data,
    columns: JOB_COLUMNS,
    getRowId: (row) => row.id,
    getCoreRowModel: coreRowModel,
    manualSorting: true,
    manualFiltering: true,
    enableMultiSort: false,
    state: { sorting },
    onSortingChange: (updater: Updater<SortingState>) => {
      const next = typeof updater === 'function' ? updater(sorting) : updater
      const first = next[0]
      onSortChange(first ? { column: first.id as JobSortColumn, direction: first.desc ? 'desc' : 'asc' } : null)
    },
    meta,
  })

  // A row asked for by the keyboard may still be loading; it is selected once it arrives.
  useEffect(() => {
    if (pendingIndex === null) return
    const row = pages.rowAt(pendingIndex)
    if (!row) return
    onSelect(row.id)
    setPendingIndex(null)
  }, [pendingIndex, pages, onSelect])

  function moveSelection(index: number): void {
    const total = pages.total ?? 0
    if (total === 0) return
    const target = Math.min(Math.max(index, 0), total - 1)
    setScrollRequest({ index: target })

    const row = pages.rowAt(target)
    if (row) {
      onSelect(row.id)
      return
    }
    setPendingIndex(target)
    pages.loadIndex(target)
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>): void {
    if (event.key === 'Escape') {
      props.onCloseDetails()
      return
    }
    // Keys pressed on a button inside a row belong to that button, and shortcuts such as Ctrl+R to the browser.
    if (event.target !== event.currentTarget) return
    if (event.ctrlKey || event.metaKey || event.altKey) return

    const current = selectedId ? pages.indexOf(selectedId) : undefined
    const selectedRow = current === undefined ? undefined : pages.rowAt(current)
    const handled = handleKey(event.key, current, selectedRow)
    if (handled) event.preventDefault()
  }

  function handleKey(key: string, current: number | undefined, selectedRow: JobRow | undefined): boolean {
    switch (key) {
      case 'ArrowDown':
        moveSelection(current === undefined ? 0 : current + 1)
        return true
      case 'ArrowUp':
        moveSelection(current === undefined ? 0 : current - 1)
        return true
      case 'PageDown':
        moveSelection((current ?? 0) + PAGE_STEP)
        return true
      case 'PageUp':
        moveSelection((current ?? 0) - PAGE_STEP)
        return true
      case 'Home':
        moveSelection(0)
        return true
      case 'End':
        moveSelection((pages.total ?? 0) - 1)
        return true
      case 'Enter':
        if (selectedId) props.onOpenDetails(selectedId, true)
        return selectedId !== null
      case 'r':
        if (selectedRow?.archivalStatus === 'BACKUP_FAILURE' && !retryingIds.has(selectedRow.id)) onRetry(selectedRow)
        return selectedRow !== undefined
      case 'a':
        if (selectedRow && isUnacknowledgedFailure(selectedRow)) onAcknowledge(selectedRow)
        return selectedRow !== undefined
      default:
        return false
    }
  }

  const headers = table.getHeaderGroups()[0]?.headers ?? []
  const activeRow = selectedId && pages.indexOf(selectedId) !== undefined ? `job-row-${selectedId}` : undefined

  return (
    <div
      ref={attachGrid}
      className="job-grid"
      role="grid"
      aria-label="Jobs"
      aria-rowcount={(pages.total ?? 0) + 1}
      aria-colcount={JOB_COLUMNS.length}
      aria-activedescendant={activeRow}
      tabIndex={0}
      onKeyDown={onKeyDown}
    >
      <div role="rowgroup" className="job-grid__head">
        <div role="row" aria-rowindex={1} className="job-grid__row job-grid__row--head" style={{ gridTemplateColumns: JOB_GRID_TEMPLATE }}>
          {headers.map((header) => {
            const sorted = header.column.getIsSorted()
            const label = flexRender(header.column.columnDef.header, header.getContext())
            return (
              <div
                key={header.id}
                role="columnheader"
                aria-sort={ariaSortOf(sorted)}
                data-column={header.column.id}
                className="job-grid__cell"
              >
                {header.column.getCanSort() ? (
                  <button type="button" className="sort-button" onClick={header.column.getToggleSortingHandler()}>
                    {label}
                    <span aria-hidden="true">{sortArrowOf(sorted)}</span>
                  </button>
                ) : (
                  label
                )}
              </div>
            )
          })}
        </div>
      </div>
      <JobGridBody
        table={table}
        pages={pages}
        scrollElement={scrollElement}
        selectedId={selectedId}
        scrollRequest={scrollRequest}
        onRowClick={(row) => {
          onSelect(row.id)
          props.onOpenDetails(row.id, false)
        }}
      />
    </div>
  )
}
