import { NOTIFICATION_LEVELS, type NotificationLevel } from '../../shared/notification-policy'

const LEVEL_STORAGE_KEY = 'pui-monitor.notification-level'
const DEFAULT_LEVEL: NotificationLevel = 'backup-failures'

/** Labels of the levels in the settings view. */
export const LEVEL_LABELS: Record<NotificationLevel, string> = {
  'backup-failures': 'Backup failures',
  'all-failures': 'Backup failures and failed jobs',
  off: 'Off',
}

/** Reads the notification level stored in this browser; backup failures only when none is stored. */
export function readNotificationLevel(storage: Storage = window.localStorage): NotificationLevel {
  const stored = storage.getItem(LEVEL_STORAGE_KEY)
  return NOTIFICATION_LEVELS.find((level) => level === stored) ?? DEFAULT_LEVEL
}

export function writeNotificationLevel(level: NotificationLevel, storage: Storage = window.localStorage): void {
  storage.setItem(LEVEL_STORAGE_KEY, level)
}
