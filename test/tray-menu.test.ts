import { describe, expect, it } from 'vitest'
import { buildTrayMenu, trayIconFile, trayStateOf, trayTooltip, type TrayMenuEntry, type TrayState } from '../main/desktop/tray-menu'
import { makeJob } from './helpers/job-fixture'

function items(entries: TrayMenuEntry[]) {
  return entries.flatMap((entry) => (entry.kind === 'item' ? [[entry.label, entry.action, entry.enabled]] : [['—']]))
}

const CALM: TrayState = { backupFailures: 0, unacknowledgedFailures: 0, paused: false }

describe('buildTrayMenu', () => {
  it('disables retry without failures', () => {
    expect(items(buildTrayMenu(CALM))).toEqual([
      ['Show window', 'show-window', true],
      ['—'],
      ['Retry all failed backups (0)', 'retry-failed-backups', false],
      ['Pause watching', 'pause', true],
      ['—'],
      ['Open index folder', 'open-index-folder', true],
      ['Open archive folder', 'open-archive-folder', true],
      ['—'],
      ['Quit', 'quit', true],
    ])
    expect(trayTooltip(CALM)).toBe('PUI Monitor: no unacknowledged backup failures')
    expect(trayIconFile(CALM)).toBe('tray.png')
  })

  it('counts failures in retry and tooltip', () => {
    const state = { backupFailures: 3, unacknowledgedFailures: 3, paused: false }

    expect(buildTrayMenu(state)).toContainEqual({ kind: 'item', label: 'Retry all failed backups (3)', action: 'retry-failed-backups', enabled: true })
    expect(trayTooltip(state)).toBe('PUI Monitor: 3 unacknowledged backup failures')
    expect(trayTooltip({ ...state, backupFailures: 1, unacknowledgedFailures: 1 })).toBe('PUI Monitor: 1 unacknowledged backup failure')
    expect(trayIconFile(state)).toBe('tray-failure.png')
  })

  it('offers resume while paused', () => {
    const state = { ...CALM, paused: true }

    const menu = items(buildTrayMenu(state))

    expect(menu).toContainEqual(['Resume watching', 'resume', true])
    expect(menu).not.toContainEqual(['Pause watching', 'pause', true])
    expect(trayTooltip(state)).toBe('PUI Monitor: no unacknowledged backup failures, watching paused')
  })

  it('keeps acknowledged failures retryable but calm', () => {
    const state = { backupFailures: 2, unacknowledgedFailures: 0, paused: false }

    expect(items(buildTrayMenu(state))).toContainEqual(['Retry all failed backups (2)', 'retry-failed-backups', true])
    expect(trayTooltip(state)).toBe('PUI Monitor: no unacknowledged backup failures')
    expect(trayIconFile(state)).toBe('tray.png')
  })
})

describe('trayStateOf', () => {
  it('counts open and acknowledged failures', () => {
    const jobs = [
      makeJob({ archivalStatus: 'BACKUP_FAILURE', failureAcknowledgedAt: null }),
      makeJob({ archivalStatus: 'BACKUP_FAILURE', failureAcknowledgedAt: '2026-12-01T09:00:00.000Z' }),
      makeJob({ archivalStatus: 'BACKED_UP' }),
      makeJob({ status: 'FAILED', archivalStatus: 'NOT_REQUIRED' }),
    ]

    expect(trayStateOf(jobs, true)).toEqual({ backupFailures: 2, unacknowledgedFailures: 1, paused: true })
    expect(trayStateOf([], false)).toEqual(CALM)
  })
})
