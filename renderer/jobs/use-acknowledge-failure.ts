import { useCallback, useRef } from 'react'
import type { JobRow } from '../../shared/api'
import { isUnacknowledgedFailure, toJobRow } from '../../shared/job-row'
import { useApi } from '../api/api-context'
import { errorMessage } from '../common/errors'
import { useBanners } from '../notifications/banner-context'

/**
 * Returns the function that acknowledges one job's backup failure, hands the updated row on, and reports a failed
 * call in a banner. A job that is not an unacknowledged backup failure, or whose call is running, is left alone.
 */
export function useAcknowledgeFailure(onRowChanged: (row: JobRow) => void): (row: JobRow) => void {
  const api = useApi()
  const { show } = useBanners()
  const running = useRef(new Set<string>())

  return useCallback(
    (row: JobRow) => {
      if (running.current.has(row.id) || !isUnacknowledgedFailure(row)) return
      running.current.add(row.id)

      api
        .acknowledgeFailure(row.id)
        .then(
          (job) => onRowChanged(toJobRow(job, row.progress)),
          (error: unknown) => {
            show({
              id: `acknowledge-${row.id}`,
              tone: 'error',
              title: `Acknowledging the backup failure of ${row.fileName} failed`,
              body: errorMessage(error),
            })
          },
        )
        .finally(() => running.current.delete(row.id))
    },
    [api, onRowChanged, show],
  )
}
