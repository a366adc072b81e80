import type { Job } from '../../shared/job'
import { isUnacknowledgedFailure } from '../../shared/job-row'
import { PRODUCT_NAME } from './app-identity'

/** State the tray shows, kept current from the API's events. */
export interface TrayState {
  /** Jobs in `BACKUP_FAILURE`, acknowledged or not: what "Retry all failed backups" retries. */
  backupFailures: number
  /** Backup failures not acknowledged yet: they set the failure icon and the tooltip's count. */
  unacknowledgedFailures: number
  paused: boolean
}

/** Commands of the tray menu, carried out by the desktop app. */
export type TrayAction = 'show-window' | 'retry-failed-backups' | 'pause' | 'resume' | 'open-index-folder' | 'open-archive-folder' | 'quit'

export type TrayMenuEntry = { kind: 'item'; label: string; action: TrayAction; enabled: boolean } | { kind: 'separator' }

/** Icon files of the tray, under the app's `resources` folder. */
export const TRAY_ICON_FILES = { normal: 'tray.png', failure: 'tray-failure.png' } as const

/** Builds the tray menu from the state; the desktop app rebuilds it whenever the state changes. */
export function buildTrayMenu(state: TrayState): TrayMenuEntry[] {
  const item = (label: string, action: TrayAction, enabled = true): TrayMenuEntry => ({ kind: 'item', label, action, enabled })
  return [
    item('Show window', 'show-window'),
    { kind: 'separator' },
    item(`Retry all failed backups (${state.backupFailures})`, 'retry-failed-backups', state.backupFailures > 0),
    state.paused ? item('Resume watching', 'resume') : item('Pause watching', 'pause'),
    { kind: 'separator' },
    item('Open index folder', 'open-index-folder'),
    item('Open archive folder', 'open-archive-folder'),
    { kind: 'separator' },
    item('Quit', 'quit'),
  ]
}

/** Builds the tray tooltip: the count of unacknowledged backup failures, and whether watching is paused. */
export function trayTooltip(state: TrayState): string {
  const count = state.unacknowledgedFailures
  const failures =
    count === 0 ? 'no unacknowledged backup failures' : `${count} unacknowledged backup ${count === 1 ? 'failure' : 'failures'}`
  return `${PRODUCT_NAME}: ${failures}${state.paused ? ', watching paused' : ''}`
}

/** Returns the tray icon's file: the failure variant while an unacknowledged backup failure exists. */
export function trayIconFile(state: TrayState): string {
  return state.unacknowledgedFailures > 0 ? TRAY_ICON_FILES.failure : TRAY_ICON_FILES.normal
}

/** Builds the tray state from the jobs and the watching state. */
export function trayStateOf(jobs: readonly Pick<Job, 'archivalStatus' | 'failureAcknowledgedAt'>[], paused: boolean): TrayState {
  let backupFailures = 0
  let unacknowledgedFailures = 0
  for (const job of jobs) {
    if (job.archivalStatus !== 'BACKUP_FAILURE') continue
    backupFailures += 1
    if (isUnacknowledgedFailure(job)) unacknowledgedFailures += 1
  }
  return { backupFailures, unacknowledgedFailures, paused }
}
