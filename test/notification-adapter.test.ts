import { describe, expect, it } from 'vitest'
import type { JobRow, PuiEvent } from '../shared/api'
import type { Notice } from '../shared/notification-policy'
import { startFailureNotifier } from '../main/desktop/failure-notifier'
import { NotificationAdapter, type OsNotification, type OsNotificationFactory } from '../main/desktop/notification-adapter'
import { recordingLogger } from './helpers/recording-logger'

class FakeNotification implements OsNotification {
  readonly listeners = new Map<string, (() => void)[]>()
  shown = false

  constructor(readonly content: { title: string; body: string }) {}

  show(): void {
    this.shown = true
  }

  on(event: 'click' | 'close' | 'failed', listener: () => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener])
    return this
  }

  emit(event: 'click' | 'close' | 'failed'): void {
    for (const listener of this.listeners.get(event) ?? []) listener()
  }
}

function fakeFactory(supported = true) {
  const created: FakeNotification[] = []
  const factory: OsNotificationFactory = {
    isSupported: () => supported,
    create: (content) => {
      const notification = new FakeNotification(content)
      created.push(notification)
      return notification
    },
  }
  return { factory, created }
}

const SINGLE: Notice = { kind: 'single', failure: 'backup', jobId: 'J000007', title: 'Backup failed: a.txt', body: 'EROFS' }
const SUMMARY: Notice = { kind: 'summary', failure: 'backup', count: 3, title: '3 backups failed', body: 'Files: a, b, c.' }

describe('NotificationAdapter', () => {
  it('keeps notifications until clicked or closed', () => {
    const { factory, created } = fakeFactory()
    const adapter = new NotificationAdapter({ factory, logger: recordingLogger(), onClick: () => undefined })

    expect(adapter.show(SINGLE)).toBe(true)
    expect(adapter.show(SUMMARY)).toBe(true)
    expect(adapter.show({ ...SINGLE, jobId: 'J000008' })).toBe(true)

    expect(created.map((notification) => [notification.content.title, notification.shown])).toEqual([
      ['Backup failed: a.txt', true],
      ['3 backups failed', true],
      ['Backup failed: a.txt', true],
    ])
    expect(adapter.openCount).toBe(3)
    created[0]!.emit('click')
    expect(adapter.openCount).toBe(2)
    created[1]!.emit('close')
    expect(adapter.openCount).toBe(1)
    created[2]!.emit('failed')
    expect(adapter.openCount).toBe(0)
  })

  it('routes a click to its notice', () => {
    const { factory, created } = fakeFactory()
    const clicked: Notice[] = []
    const adapter = new NotificationAdapter({ factory, logger: recordingLogger(), onClick: (notice) => clicked.push(notice) })
    adapter.show(SINGLE)
    adapter.show(SUMMARY)

    created[1]!.emit('click')
    created[0]!.emit('click')

    expect(clicked).toEqual([SUMMARY, SINGLE])
  })

  it('logs once where unsupported', () => {
    const { factory, created } = fakeFactory(false)
    const logger = recordingLogger()
    const adapter = new NotificationAdapter({ factory, logger, onClick: () => undefined })

    expect(adapter.show(SINGLE)).toBe(false)
    expect(adapter.show(SUMMARY)).toBe(false)
    expect(adapter.showContent({ title: 'hint', body: 'text' })).toBe(false)

    expect(created).toEqual([])
    expect(adapter.openCount).toBe(0)
    expect(logger.lines).toEqual([
      'warn notifications: this system does not support OS notifications; failures show in the banner and the tray only',
    ])
  })

  it('logs a notification the OS failed', () => {
    const { factory, created } = fakeFactory()
    const logger = recordingLogger()
    const adapter = new NotificationAdapter({ factory, logger, onClick: () => undefined })
    adapter.show(SINGLE)

    created[0]!.emit('failed')

    expect(logger.lines).toEqual(['warn notifications: the OS failed to show "Backup failed: a.txt"'])
  })
})

function failedRow(id: string, failureAcknowledgedAt: string | null = null): JobRow {
  return {
    id,
    fileName: `acme_stmt_20261130_${id}.txt`,
    jobType: 'stmt',
    client: 'acme',
    cycleDate: '2026-11-30',
    detectedAt: '2026-12-01T08:00:00.000Z',
    durationMs: 10,
    accepted: 1,
    rejected: 0,
    pages: 1,
    status: 'SUCCESS',
    archivalStatus: 'BACKUP_FAILURE',
    errorMessage: 'backup: cannot create archive folder /a (EROFS)',
    progress: null,
    failureAcknowledgedAt,
  }
}

describe('startFailureNotifier', () => {
  function start(level: 'backup-failures' | 'off' = 'backup-failures') {
    const listeners = new Set<(event: PuiEvent) => void>()
    const shown: Notice[] = []
    const clock = { now: 1_000_000 }
    const stop = startFailureNotifier({
      api: {
        subscribe: (listener) => {
          listeners.add(listener)
          return () => listeners.delete(listener)
        },
      },
      level,
      now: () => clock.now,
      show: (notice) => shown.push(notice),
    })
    const emit = (event: PuiEvent) => listeners.forEach((listener) => listener(event))
    return { emit, shown, stop, listeners }
  }

  it('notifies each backup failure', () => {
    const { emit, shown } = start()

    emit({ type: 'backup-failed', rows: [failedRow('J000001')] })

    expect(shown).toEqual([
      { kind: 'single', failure: 'backup', jobId: 'J000001', title: 'Backup failed: acme_stmt_20261130_J000001.txt', body: 'backup: cannot create archive folder /a (EROFS)' },
    ])
  })

  it('coalesces a burst like the browser', () => {
    const { emit, shown } = start()

    emit({ type: 'backup-failed', rows: [failedRow('J000001'), failedRow('J000002'), failedRow('J000003')] })

    expect(shown.map((notice) => [notice.kind, notice.title])).toEqual([['summary', '3 backups failed']])
  })

  it('skips acknowledged failures and other events', () => {
    const { emit, shown } = start()

    emit({ type: 'backup-failed', rows: [failedRow('J000001', '2026-12-01T09:00:00.000Z')] })
    emit({ type: 'jobs-changed', rows: [failedRow('J000002')] })
    emit({ type: 'notice-opened', notice: SINGLE })

    expect(shown).toEqual([])
  })

  it('stops listening when stopped', () => {
    const { emit, shown, stop, listeners } = start()

    stop()
    emit({ type: 'backup-failed', rows: [failedRow('J000001')] })

    expect(listeners.size).toBe(0)
    expect(shown).toEqual([])
  })
})
