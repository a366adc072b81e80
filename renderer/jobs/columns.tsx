import { createColumnHelper, type RowData } from '@tanstack/react-table'
import type { JobRow } from '../../shared/api'
import { formatCount, formatDateTime, formatDuration } from '../common/format'
import { ActionCell, actionCellClassName } from './ActionCell'
import { StatusBadge, archivalStatusLook, jobStatusLook } from './StatusBadge'

declare module '@tanstack/react-table' {
  interface TableMeta<TData extends RowData> {
    /** Jobs whose retry-backup call is running. */
    retryingIds: ReadonlySet<string>
    onRetry(row: JobRow): void
  }

  interface ColumnMeta<TData extends RowData, TValue> {
    /** Extra classes of a body cell, from its row. */
    cellClassName?: (row: TData) => string
    /** Right-aligned numbers. */
    numeric?: boolean
  }
}

const column = createColumnHelper<JobRow>()

/**
 * The job grid's columns, built once. Column ids are the server's sort columns, so the table's sorting state is the
 * query's sort.
 */
export const JOB_COLUMNS = [
  column.accessor('id', { header: 'Job id', size: 80 }),
  column.accessor('fileName', {
    header: 'File name',
    size: 196,
    cell: (context) => (
      <span className="cell-text" title={context.getValue()}>
        {context.getValue()}
      </span>
    ),
  }),
  column.accessor('jobType', { header: 'Job type', size: 80, cell: (context) => context.getValue() ?? '—' }),
  column.accessor('client', { header: 'Client', size: 90, cell: (context) => context.getValue() ?? '—' }),
  column.accessor('cycleDate', { header: 'Cycle date', size: 92, cell: (context) => context.getValue() ?? '—' }),
  column.accessor('detectedAt', {
    header: 'Detected at',
    size: 156,
    cell: (context) => formatDateTime(context.getValue()),
  }),
  column.accessor('durationMs', {
    header: 'Duration',
    size: 72,
    meta: { numeric: true },
    cell: (context) => formatDuration(context.getValue()),
  }),
  column.accessor('accepted', {
    header: 'Accepted / rejected',
    size: 144,
    meta: { numeric: true },
    cell: (context) => `${formatCount(context.row.original.accepted)} / ${formatCount(context.row.original.rejected)}`,
  }),
  column.accessor('pages', {
    header: 'Pages',
    size: 60,
    meta: { numeric: true },
    cell: (context) => formatCount(context.getValue()),
  }),
  column.accessor('status', {
    header: 'Status',
    size: 120,
    cell: (context) => {
      const row = context.row.original
      return (
        <>
          <StatusBadge look={jobStatusLook(row.status)} code={row.status} />
          {row.status === 'RUNNING' && row.progress !== null && (
            <progress
              className="row-progress"
              max={1}
              value={row.progress}
              aria-label={`Progress of ${row.fileName}`}
            />
          )}
        </>
      )
    },
  }),
  column.accessor('archivalStatus', {
    header: 'Archival status',
    size: 140,
    cell: (context) => <StatusBadge look={archivalStatusLook(context.getValue())} code={context.getValue()} />,
  }),
  column.display({
    id: 'action',
    header: 'Action',
    size: 220,
    meta: { cellClassName: actionCellClassName },
    cell: (context) => {
      const meta = context.table.options.meta
      const row = context.row.original
      return (
        <ActionCell row={row} retrying={meta?.retryingIds.has(row.id) ?? false} onRetry={(job) => meta?.onRetry(job)} />
      )
    },
  }),
]

/** The CSS grid template shared by the header and every row, from the column sizes. */
export const JOB_GRID_TEMPLATE = JOB_COLUMNS.map((definition) => `${definition.size ?? 120}px`).join(' ')

/** Height of one grid row in pixels; rows are not measured, so the CSS must keep them at this height. */
export const JOB_ROW_HEIGHT = 34
