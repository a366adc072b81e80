import { useEffect } from 'react'
import { createNotificationPolicy, type Notice, type NotificationLevel } from '../../shared/notification-policy'
import { useApi } from '../api/api-context'
import type { UrlState } from '../navigation/url-state'
import { EMPTY_FILTERS } from '../jobs/job-filters'
import { useNavigation } from '../navigation/navigation-context'
import { backupBannerId, backupFailureBody } from './backup-banners'
import { useBanners } from './banner-context'
import { desktopPermission } from './DesktopNotificationsButton'

/** Returns the URL state a notice opens: its job, or the failures of its kind. */
export function noticeTarget(notice: Notice, state: UrlState): UrlState {
  if (notice.kind === 'single') return { ...state, view: 'jobs', jobId: notice.jobId }
  const filters =
    notice.failure === 'backup'
      ? { ...EMPTY_FILTERS, archivalStatus: ['BACKUP_FAILURE' as const] }
      : { ...EMPTY_FILTERS, status: ['FAILED' as const] }
  return { ...state, view: 'jobs', filters }
}

function bannerIdOf(notice: Notice): string {
  if (notice.kind === 'summary') return `notice-summary-${notice.failure}`
  return notice.failure === 'backup' ? backupBannerId(notice.jobId) : `notice-job-${notice.jobId}`
}

export interface FailureNotificationOptions {
  /** Shows browser notifications once the user allowed them; off in the desktop app, whose main process shows its own. */
  browserNotifications: boolean
}

/**
 * Turns failure events into notices through the notification policy: each notice becomes a banner that stays until
 * dismissed and, once the user allowed it, a browser notification. Opening either, or a click on one of the desktop
 * app's OS notifications (a `notice-opened` event), shows the job or the failures.
 */
export function useFailureNotifications(level: NotificationLevel, options: FailureNotificationOptions = { browserNotifications: true }): void {
  const { browserNotifications } = options
  const api = useApi()
  const { show } = useBanners()
  const { navigate } = useNavigation()

  useEffect(() => {
    const policy = createNotificationPolicy({ level })
    let flushTimer: ReturnType<typeof setTimeout> | null = null

    function open(notice: Notice): void {
      navigate((state) => noticeTarget(notice, state), 'push')
    }

    function deliver(notices: Notice[]): void {
      for (const notice of notices) {
        show({
          id: bannerIdOf(notice),
          tone: 'notice',
          title: notice.title,
          body: notice.kind === 'single' && notice.failure === 'backup' ? backupFailureBody(notice.body) : notice.body,
          action: { label: notice.kind === 'single' ? 'Show job' : 'Show failures', onSelect: () => open(notice) },
        })

        if (browserNotifications && desktopPermission() === 'granted') {
          const desktop = new Notification(notice.title, { body: notice.body, tag: bannerIdOf(notice) })
          desktop.onclick = () => {
            window.focus()
            open(notice)
            desktop.close()
          }
        }
      }
    }

    function scheduleFlush(): void {
      if (flushTimer !== null) clearTimeout(flushTimer)
      flushTimer = null
      const at = policy.nextFlushAt()
      if (at === null) return
      flushTimer = setTimeout(() => {
        deliver(policy.flush())
        scheduleFlush()
      }, Math.max(0, at - Date.now()))
    }

    const unsubscribe = api.subscribe((event) => {
      if (event.type === 'notice-opened') {
        open(event.notice)
        return
      }
      deliver(policy.onEvent(event))
      scheduleFlush()
    })
    return () => {
      unsubscribe()
      if (flushTimer !== null) clearTimeout(flushTimer)
    }
  }, [api, browserNotifications, level, navigate, show])
}
