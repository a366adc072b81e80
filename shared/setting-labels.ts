import type { Settings } from './schemas'

/** The naming of settings in messages: by their command-line flags, or by their labels in the Settings form. */
export type SettingsWording = 'command-line' | 'form'

/** Labels of the settings in the Settings form, which the UI's settings messages use. */
export const SETTING_LABELS: Readonly<Record<keyof Settings, string>> = {
  indexDir: 'Index folder',
  archiveDir: 'Archive folder',
  dataDir: 'Data folder',
  stabilityWindowMs: 'Stability window',
  usePolling: 'Poll the index folder',
  pollIntervalMs: 'Poll interval',
  sweepIntervalMs: 'Sweep interval',
  concurrency: 'Concurrent jobs',
  backupRetries: 'Automatic backup retries',
  backupRetryMinDelayMs: 'First retry delay',
  backupRetryMaxDelayMs: 'Longest retry delay',
  retentionDays: 'Days of history kept (0 keeps all)',
  closeToTray: 'Close to tray',
  startAtLogin: 'Start PUI Monitor when I log in',
}
