import { useCallback, useEffect, useRef, useState } from 'react'
import { useApi } from '../api/api-context'
import { ConfirmDialog } from '../common/ConfirmDialog'
import { errorMessage } from '../common/errors'
import { formatCount, formatCountOf } from '../common/format'
import { useBanners } from '../notifications/banner-context'
import { backupFailureQuery, filtersToQuery, type JobFilters } from './job-filters'
import { REFRESH_DELAY_MS } from './use-job-pages'

export interface BulkRetryProps {
  filters: JobFilters
  /** Called after the bulk retry finished, so the grid re-queries its rows. */
  onDone(): void
}

/** Renders "Retry failed backups (N)", which retries the jobs in `BACKUP_FAILURE` among the current filters after a confirmation. */
export function BulkRetry({ filters, onDone }: BulkRetryProps) {
  const api = useApi()
  const { show } = useBanners()
  const [count, setCount] = useState<number | null>(null)
  // The filters the shown count was computed for: the retry sends exactly these, so the jobs retried are the
  // ones the confirmation counted, even when the filters change while the dialog is open.
  const countedFilters = useRef(filters)
  const [confirming, setConfirming] = useState(false)
  const [running, setRunning] = useState(false)
  const countRequest = useRef(0)

  /** Counts the failed backups within the current filters; resolves true when the count is shown. */
  const refreshCount = useCallback((): Promise<boolean> => {
    const query = backupFailureQuery(filters)
    const request = ++countRequest.current
    if (!query) {
      countedFilters.current = filters
      setCount(0)
      return Promise.resolve(true)
    }
    return api.listJobs(query).then(
      (page) => {
        if (request !== countRequest.current) return false
        countedFilters.current = filters
        setCount(page.total)
        return true
      },
      (error: unknown) => {
        if (request !== countRequest.current) return false
        setCount(null)
        show({ id: 'bulk-retry-count', tone: 'error', title: 'Counting the failed backups failed', body: errorMessage(error) })
        return false
      },
    )
  }, [api, filters, show])

  // A count made for other filters is not offered: the button waits for the count of the current ones.
  useEffect(() => {
    setCount(null)
  }, [filters])

  async function confirm(): Promise<void> {
    // The dialog shows a count taken now, for the filters the retry will use.
    if (await refreshCount()) setConfirming(true)
  }

  useEffect(() => {
    void refreshCount()
    let timer: ReturnType<typeof setTimeout> | null = null
    const unsubscribe = api.subscribe((event) => {
      if (!('rows' in event) || timer !== null) return
      timer = setTimeout(() => {
        timer = null
        void refreshCount()
      }, REFRESH_DELAY_MS)
    })
    return () => {
      unsubscribe()
      if (timer !== null) clearTimeout(timer)
    }
  }, [api, refreshCount])

  async function retryAll(): Promise<void> {
    setConfirming(false)
    setRunning(true)
    try {
      const result = await api.retryFailedBackups(filtersToQuery(countedFilters.current))
      show({
        tone: result.stillFailing > 0 ? 'error' : 'info',
        title: `Retried ${formatCountOf(result.retried, 'backup')}: ${formatCount(result.backedUp)} backed up, ${formatCount(result.stillFailing)} still failing`,
      })
    } catch (error) {
      show({ tone: 'error', title: 'Retrying the failed backups failed', body: errorMessage(error) })
    } finally {
      setRunning(false)
      void refreshCount()
      onDone()
    }
  }

  const label = count === null ? 'Retry failed backups' : `Retry failed backups (${formatCount(count)})`
  return (
    <>
      <button
        type="button"
        className="button--danger"
        disabled={running || !count}
        aria-busy={running || undefined}
        onClick={() => void confirm()}
      >
        {running ? 'Retrying failed backups…' : label}
      </button>
      {confirming && count !== null && (
        <ConfirmDialog
          title="Retry failed backups"
          confirmLabel={`Retry ${formatCountOf(count, 'backup')}`}
          onConfirm={() => void retryAll()}
          onCancel={() => setConfirming(false)}
        >
          <p>
            Run the backup step again for the {formatCountOf(count, 'job')} in{' '}
            <code>BACKUP_FAILURE</code> that match the current filters. Main statuses and accounting figures do not
            change.
          </p>
        </ConfirmDialog>
      )}
    </>
  )
}
