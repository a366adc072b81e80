import { useEffect, useState } from 'react'
import type { MonitorStatus } from '../../shared/api'
import { useApi } from '../api/api-context'
import { errorMessage } from '../common/errors'
import { useBanners } from '../notifications/banner-context'

/** Returns the monitor's status, read once and then kept current by `status-changed` events. */
export function useMonitorStatus(): [MonitorStatus | null, (status: MonitorStatus) => void] {
  const api = useApi()
  const { show } = useBanners()
  const [status, setStatus] = useState<MonitorStatus | null>(null)

  useEffect(() => {
    let current = true
    api.getStatus().then(
      (loaded) => {
        if (current) setStatus(loaded)
      },
      (error: unknown) => show({ tone: 'error', title: 'Reading the monitor status failed', body: errorMessage(error) }),
    )
    const unsubscribe = api.subscribe((event) => {
      if (event.type === 'status-changed') setStatus(event.status)
    })
    return () => {
      current = false
      unsubscribe()
    }
  }, [api, show])

  return [status, setStatus]
}
