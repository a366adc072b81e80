import { useCallback, useState } from 'react'
import type { NotificationLevel } from '../../shared/notification-policy'
import { assertNever } from '../../shared/status'
import { JobsView } from '../jobs/JobsView'
import { useNavigation } from '../navigation/navigation-context'
import { BannerArea } from '../notifications/BannerArea'
import { readNotificationLevel, writeNotificationLevel } from '../notifications/notification-level'
import { useFailureNotifications } from '../notifications/use-failure-notifications'
import { ReportView } from '../report/ReportView'
import { SettingsView } from '../settings/SettingsView'
import { Header } from './Header'
import { useMonitorStatus } from './use-monitor-status'

/** Renders the app once it has an API: header, banners and the view the URL names. */
export function Workspace() {
  const { state } = useNavigation()
  const [status, setStatus] = useMonitorStatus()
  const [level, setLevel] = useState(readNotificationLevel)
  // The desktop app shows OS notifications from its main process, so the page shows only banners there.
  useFailureNotifications(level, { browserNotifications: status?.desktop !== true })

  const changeLevel = useCallback((next: NotificationLevel) => {
    writeNotificationLevel(next)
    setLevel(next)
  }, [])

  return (
    <div className="workspace">
      <Header status={status} />
      <BannerArea />
      <main className="workspace__view">{renderView()}</main>
    </div>
  )

  function renderView() {
    switch (state.view) {
      case 'jobs':
        return <JobsView />
      case 'report':
        return <ReportView />
      case 'settings':
        return (
          <SettingsView
            status={status}
            onStatusChange={setStatus}
            notificationLevel={level}
            onNotificationLevelChange={changeLevel}
          />
        )
      default:
        return assertNever(state.view)
    }
  }
}
