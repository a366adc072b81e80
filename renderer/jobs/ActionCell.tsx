import { useContext } from 'react'
import type { JobRow } from '../../shared/api'
import { needsAttention } from '../../shared/status'
import { SelectedRowContext } from './row-selection'

/** Returns the Action cell's classes: the red error background when the job failed or its backup failed. */
export function actionCellClassName(row: Pick<JobRow, 'status' | 'archivalStatus'>): string {
  return needsAttention(row.status, row.archivalStatus) ? 'action-cell action-cell--error' : 'action-cell'
}

export interface ActionCellProps {
  row: JobRow
  retrying: boolean
  onRetry(row: JobRow): void
}

/**
 * Renders the Action column's attention mark, an "Acknowledged" mark on an acknowledged backup failure (which stays
 * red), and the retry-backup button, enabled for `BACKUP_FAILURE` only.
 */
export function ActionCell({ row, retrying, onRetry }: ActionCellProps) {
  const attention = needsAttention(row.status, row.archivalStatus)
  const canRetry = row.archivalStatus === 'BACKUP_FAILURE' && !retrying
  const inSelectedRow = useContext(SelectedRowContext)

  return (
    <>
      {attention && (
        <span className="action-cell__flag" title={row.errorMessage ?? undefined}>
          <span aria-hidden="true">⚠</span> <span>{row.archivalStatus === 'BACKUP_FAILURE' ? 'Backup failed' : 'Failed'}</span>
        </span>
      )}
      {row.archivalStatus === 'BACKUP_FAILURE' && row.failureAcknowledgedAt !== null && (
        <span className="action-cell__acknowledged" title={`Acknowledged ${row.failureAcknowledgedAt}`}>
          <span aria-hidden="true">✓</span> Acknowledged
        </span>
      )}
      <button
        type="button"
        className="retry-button"
        tabIndex={inSelectedRow ? 0 : -1}
        title={canRetry || retrying ? undefined : 'Only a backup failure can be retried'}
        disabled={!canRetry}
        aria-busy={retrying || undefined}
        aria-label={`Retry backup for ${row.fileName}`}
        onClick={(event) => {
          event.stopPropagation()
          onRetry(row)
        }}
      >
        {retrying ? 'Retrying…' : 'Retry backup'}
      </button>
    </>
  )
}
