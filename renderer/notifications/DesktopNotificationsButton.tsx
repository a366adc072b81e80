import { useState } from 'react'
import { errorMessage } from '../common/errors'
import { useBanners } from './banner-context'

/** Returns the page's permission for desktop notifications, or null where the browser has no `Notification`. */
export function desktopPermission(): NotificationPermission | null {
  return typeof Notification === 'undefined' ? null : Notification.permission
}

/** Renders the button that requests permission for desktop notifications, or the permission once given or denied. */
export function DesktopNotificationsButton() {
  const { show } = useBanners()
  const [permission, setPermission] = useState(desktopPermission)

  async function request(): Promise<void> {
    try {
      setPermission(await Notification.requestPermission())
    } catch (error) {
      show({ tone: 'error', title: 'Asking for notification permission failed', body: errorMessage(error) })
    }
  }

  switch (permission) {
    case null:
      return <span>This browser cannot show desktop notifications; failures still appear as banners.</span>
    case 'granted':
      return <span>Desktop notifications are on.</span>
    case 'denied':
      return <span>Desktop notifications are blocked in the browser's site settings; failures appear as banners.</span>
    case 'default':
      return (
        <button type="button" onClick={() => void request()}>
          Enable desktop notifications
        </button>
      )
  }
}
