import { useState } from 'react'
import type { MonitorStatus } from '../../shared/api'
import { useApi } from '../api/api-context'
import { errorMessage } from '../common/errors'
import { useBanners } from '../notifications/banner-context'

export interface WatchingControlProps {
  status: MonitorStatus | null
  onStatusChange(status: MonitorStatus): void
}

/** Renders the watching state and the button that pauses or resumes it. */
export function WatchingControl({ status, onStatusChange }: WatchingControlProps) {
  const api = useApi()
  const { show } = useBanners()
  const [busy, setBusy] = useState(false)

  async function toggle(): Promise<void> {
    if (!status) return
    setBusy(true)
    try {
      onStatusChange(status.paused ? await api.resume() : await api.pause())
    } catch (error) {
      show({ tone: 'error', title: status.paused ? 'Resuming failed' : 'Pausing failed', body: errorMessage(error) })
    } finally {
      setBusy(false)
    }
  }

  if (!status) return <p>Reading the watching state…</p>
  return (
    <div className="watching-control">
      <span role="status">
        <span aria-hidden="true">{status.paused ? '⏸ ' : '⟳ '}</span>
        {status.paused ? 'Watching is paused: new files wait in the index folder.' : 'Watching the index folder.'}
      </span>
      <button type="button" disabled={busy} onClick={() => void toggle()}>
        {status.paused ? 'Resume watching' : 'Pause watching'}
      </button>
    </div>
  )
}
