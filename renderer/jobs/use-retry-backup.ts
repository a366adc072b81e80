import { useCallback, useRef, useState } from 'react'
import type { JobRow } from '../../shared/api'
import { toJobRow } from '../../shared/job-row'
import { useApi } from '../api/api-context'
import { errorMessage } from '../common/errors'
import { useNavigation } from '../navigation/navigation-context'
import { useBanners } from '../notifications/banner-context'
import { retryFailedBanner, retrySucceededBanner } from '../notifications/backup-banners'

export interface RetryBackup {
  /** Jobs whose retry call is running. */
  retryingIds: ReadonlySet<string>
  retry(row: JobRow): void
}

/**
 * Runs the retry-backup call of one job at a time per job, hands the updated row on, and reports the outcome in the
 * job's backup banner, which replaces the failure notice of the same job.
 */
export function useRetryBackup(onRowChanged: (row: JobRow) => void): RetryBackup {
  const api = useApi()
  const { show } = useBanners()
  const { navigate } = useNavigation()
  const [retryingIds, setRetryingIds] = useState<ReadonlySet<string>>(() => new Set())
  const running = useRef(new Set<string>())

  const setRunning = useCallback((id: string, isRunning: boolean) => {
    if (isRunning) running.current.add(id)
    else running.current.delete(id)
    setRetryingIds(new Set(running.current))
  }, [])

  const retry = useCallback(
    (row: JobRow) => {
      if (running.current.has(row.id) || row.archivalStatus !== 'BACKUP_FAILURE') return
      setRunning(row.id, true)

      api
        .retryBackup(row.id)
        .then(
          (job) => {
            const updated = toJobRow(job, row.progress)
            onRowChanged(updated)
            if (updated.archivalStatus === 'BACKUP_FAILURE') {
              const showJob = () => navigate((state) => ({ ...state, view: 'jobs', jobId: row.id }), 'push')
              show(retryFailedBanner(row.id, row.fileName, updated.errorMessage, showJob))
            } else if (updated.archivalStatus === 'BACKED_UP') {
              show(retrySucceededBanner(row.id, row.fileName, job.archivePath))
            }
          },
          (error: unknown) => {
            show({ id: `retry-${row.id}`, tone: 'error', title: `Retry backup for ${row.fileName} failed`, body: errorMessage(error) })
          },
        )
        .finally(() => setRunning(row.id, false))
    },
    [api, navigate, onRowChanged, setRunning, show],
  )

  return { retryingIds, retry }
}
