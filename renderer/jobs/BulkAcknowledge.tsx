import { useState } from 'react'
import { useApi } from '../api/api-context'
import { errorMessage } from '../common/errors'
import { formatCountOf } from '../common/format'
import { useBanners } from '../notifications/banner-context'
import { backupFailureQuery, filtersToQuery, type JobFilters } from './job-filters'

export interface BulkAcknowledgeProps {
  filters: JobFilters
  /** Called after the acknowledgement, so the grid re-queries its rows. */
  onDone(): void
}

/**
 * Renders "Acknowledge failures", which acknowledges every unacknowledged backup failure within the current filters.
 * The jobs stay red; they stop counting in the desktop app's tray.
 */
export function BulkAcknowledge({ filters, onDone }: BulkAcknowledgeProps) {
  const api = useApi()
  const { show } = useBanners()
  const [running, setRunning] = useState(false)
  const hasFailureFilter = backupFailureQuery(filters) !== null

  async function acknowledgeAll(): Promise<void> {
    setRunning(true)
    try {
      const result = await api.acknowledgeFailures(filtersToQuery(filters))
      show({ tone: 'info', title: `Acknowledged ${formatCountOf(result.acknowledged, 'backup failure')}` })
    } catch (error) {
      show({ tone: 'error', title: 'Acknowledging the backup failures failed', body: errorMessage(error) })
    } finally {
      setRunning(false)
      onDone()
    }
  }

  return (
    <button
      type="button"
      disabled={running || !hasFailureFilter}
      aria-busy={running || undefined}
      title="Acknowledged failures stay red but no longer count in the tray"
      onClick={() => void acknowledgeAll()}
    >
      {running ? 'Acknowledging…' : 'Acknowledge failures'}
    </button>
  )
}
