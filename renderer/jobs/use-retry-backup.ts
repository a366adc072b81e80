import { useCallback, useRef, useState } from 'react'
import type { JobRow } from '../../shared/api'
import { useApi } from '../api/api-context'
import { errorMessage } from '../common/errors'
import { useBanners } from '../notifications/banner-context'
import { toJobRow } from '../../shared/job-row'

export interface RetryBackup {
  /** Jobs whose retry call is running. */
  retryingIds: ReadonlySet<string>
  retry(row: JobRow): void
}

/** Runs the retry-backup call of one job at a time per job, hands the updated row on, and reports failures. */
export function useRetryBackup(onRowChanged: (row: JobRow) => void): RetryBackup {
  const api = useApi()
  const { show } = useBanners()
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
              show({
                id: `retry-${row.id}`,
                tone: 'error',
                title: `The backup of ${row.fileName} failed again`,
                body: updated.errorMessage ?? 'Open the job to see its backup attempts.',
              })
            }
          },
          (error: unknown) => {
            show({ id: `retry-${row.id}`, tone: 'error', title: `Retry backup for ${row.fileName} failed`, body: errorMessage(error) })
          },
        )
        .finally(() => setRunning(row.id, false))
    },
    [api, onRowChanged, setRunning, show],
  )

  return { retryingIds, retry }
}
