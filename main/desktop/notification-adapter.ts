import type { Notice } from '../../shared/notification-policy'
import type { CoreLogger } from '../core/logger'

/** One OS notification, as the adapter uses it; Electron's `Notification` satisfies it. */
export interface OsNotification {
  show(): void
  on(event: 'click' | 'close' | 'failed', listener: () => void): unknown
}

/** Creates OS notifications; the desktop app passes Electron's, the tests pass fakes. */
export interface OsNotificationFactory {
  isSupported(): boolean
  create(content: { title: string; body: string }): OsNotification
}

export interface NotificationAdapterOptions {
  factory: OsNotificationFactory
  logger: CoreLogger
  /** Called when the user clicks a notice's notification. */
  onClick(notice: Notice): void
}

/**
 * Shows notices as OS notifications. It keeps a reference to each notification until it is clicked, closed or has
 * failed, because a notification object that is garbage-collected while shown loses its click handler. Where the
 * OS has no notifications it logs that once and shows nothing; the banner and the tray still report failures.
 */
export class NotificationAdapter {
  private readonly shown = new Set<OsNotification>()
  private unsupportedLogged = false

  constructor(private readonly options: NotificationAdapterOptions) {}

  /** Shows the notice; returns false when the OS has no notifications. */
  show(notice: Notice): boolean {
    return this.showContent({ title: notice.title, body: notice.body }, () => this.options.onClick(notice))
  }

  /** Shows a notification that is not about a job, such as a one-time hint; a click calls `onClick` when given. */
  showContent(content: { title: string; body: string }, onClick?: () => void): boolean {
    if (!this.options.factory.isSupported()) {
      if (!this.unsupportedLogged) {
        this.unsupportedLogged = true
        this.options.logger.warn('notifications: this system does not support OS notifications; failures show in the banner and the tray only')
      }
      return false
    }

    const notification = this.options.factory.create(content)
    this.shown.add(notification)
    const release = () => this.shown.delete(notification)
    notification.on('click', () => {
      release()
      onClick?.()
    })
    notification.on('close', release)
    notification.on('failed', () => {
      release()
      this.options.logger.warn(`notifications: the OS failed to show "${content.title}"`)
    })
    notification.show()
    return true
  }

  /** Notifications shown and not yet clicked or closed. */
  get openCount(): number {
    return this.shown.size
  }
}
