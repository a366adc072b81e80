import type { SettingsPatch } from '../../shared/api'
import type { Settings } from '../../shared/schemas'
import { SETTING_LABELS } from '../../shared/setting-labels'

type NumericKey = {
  [Key in keyof Settings]: Settings[Key] extends number ? Key : never
}[keyof Settings]

/** Editable numeric settings, with their labels and units. */
export const NUMERIC_FIELDS: { key: NumericKey; label: string; unit: string }[] = [
  { key: 'stabilityWindowMs', label: SETTING_LABELS.stabilityWindowMs, unit: 'ms' },
  { key: 'pollIntervalMs', label: SETTING_LABELS.pollIntervalMs, unit: 'ms' },
  { key: 'sweepIntervalMs', label: SETTING_LABELS.sweepIntervalMs, unit: 'ms' },
  { key: 'concurrency', label: SETTING_LABELS.concurrency, unit: 'jobs' },
  { key: 'backupRetries', label: SETTING_LABELS.backupRetries, unit: 'retries' },
  { key: 'backupRetryMinDelayMs', label: SETTING_LABELS.backupRetryMinDelayMs, unit: 'ms' },
  { key: 'backupRetryMaxDelayMs', label: SETTING_LABELS.backupRetryMaxDelayMs, unit: 'ms' },
  { key: 'retentionDays', label: SETTING_LABELS.retentionDays, unit: 'days' },
]

/** The form's values; numbers stay text until Save, so a half-typed value is not rejected while typing. */
export interface SettingsDraft {
  indexDir: string
  archiveDir: string
  usePolling: boolean
  /** Desktop app only: closing the window hides it to the tray. */
  closeToTray: boolean
  /** Desktop app only: start at login. */
  startAtLogin: boolean
  numbers: Record<NumericKey, string>
}

export function toDraft(settings: Settings): SettingsDraft {
  const numbers = {} as Record<NumericKey, string>
  for (const { key } of NUMERIC_FIELDS) numbers[key] = String(settings[key])
  return {
    indexDir: settings.indexDir,
    archiveDir: settings.archiveDir,
    usePolling: settings.usePolling,
    closeToTray: settings.closeToTray,
    startAtLogin: settings.startAtLogin,
    numbers,
  }
}

/**
 * Builds the patch of the fields that differ from `saved`, or returns the problems of fields that are not whole
 * numbers. Ranges and folders are checked by the server, which names the field in its message.
 */
export function buildPatch(saved: Settings, draft: SettingsDraft): { patch: SettingsPatch } | { problems: string[] } {
  const patch: SettingsPatch = {}
  const problems: string[] = []

  if (draft.indexDir.trim() !== saved.indexDir) patch.indexDir = draft.indexDir.trim()
  if (draft.archiveDir.trim() !== saved.archiveDir) patch.archiveDir = draft.archiveDir.trim()
  if (draft.usePolling !== saved.usePolling) patch.usePolling = draft.usePolling
  if (draft.closeToTray !== saved.closeToTray) patch.closeToTray = draft.closeToTray
  if (draft.startAtLogin !== saved.startAtLogin) patch.startAtLogin = draft.startAtLogin

  for (const { key, label } of NUMERIC_FIELDS) {
    const text = draft.numbers[key].trim()
    if (!/^\d+$/.test(text)) {
      problems.push(`${label}: "${text}" is not a whole number`)
      continue
    }
    const value = Number(text)
    if (value !== saved[key]) patch[key] = value
  }

  return problems.length > 0 ? { problems } : { patch }
}
