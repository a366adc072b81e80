import { describe, expect, it } from 'vitest'
import type { JobRow, PuiEvent } from '../shared/api'
import { createNotificationPolicy, type NotificationLevel } from '../shared/notification-policy'

function row(id: string, errorMessage: string | null = null): JobRow {
  return {
    id,
    fileName: `acme_stmt_20261130_${id}.txt`,
    jobType: 'statement',
    client: 'acme',
    cycleDate: '2026-11-30',
    detectedAt: '2026-12-01T08:00:00.000Z',
    durationMs: 120,
    accepted: 10,
    rejected: 0,
    pages: 20,
    status: 'SUCCESS',
    archivalStatus: 'BACKUP_FAILURE',
    errorMessage,
    progress: null,
    failureAcknowledgedAt: null,
  }
}

function backupFailed(...ids: string[]): PuiEvent {
  return { type: 'backup-failed', rows: ids.map((id) => row(id)) }
}

function jobFailed(...ids: string[]): PuiEvent {
  return { type: 'job-failed', rows: ids.map((id) => ({ ...row(id), status: 'FAILED', archivalStatus: 'PENDING' })) }
}

/** Creates a policy on a clock that the test moves by hand. */
function policyAt(level: NotificationLevel) {
  const clock = { time: 1_000_000 }
  const policy = createNotificationPolicy({ level, now: () => clock.time })
  return { policy, clock }
}

describe('notification policy', () => {
  it('notifies a backup failure singly', () => {
    const { policy } = policyAt('backup-failures')

    const notices = policy.onEvent({ type: 'backup-failed', rows: [row('J000001', 'ENOSPC: archive disk full')] })

    expect(notices).toEqual([
      {
        kind: 'single',
        failure: 'backup',
        jobId: 'J000001',
        title: 'Backup failed: acme_stmt_20261130_J000001.txt',
        body: 'ENOSPC: archive disk full',
      },
    ])
  })

  it('ignores job failures at backup level', () => {
    const { policy } = policyAt('backup-failures')

    expect(policy.onEvent(jobFailed('J000001'))).toEqual([])
  })

  it('notifies job failures at all level', () => {
    const { policy } = policyAt('all-failures')

    const notices = policy.onEvent(jobFailed('J000001'))

    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatchObject({ kind: 'single', failure: 'job', title: 'Job failed: acme_stmt_20261130_J000001.txt' })
  })

  it('stays silent when level is off', () => {
    const { policy, clock } = policyAt('off')

    expect(policy.onEvent(backupFailed('J000001', 'J000002', 'J000003'))).toEqual([])
    expect(policy.onEvent(jobFailed('J000004'))).toEqual([])
    clock.time += 60_000
    expect(policy.flush()).toEqual([])
    expect(policy.nextFlushAt()).toBeNull()
  })

  it('ignores grid and status events', () => {
    const { policy } = policyAt('all-failures')

    expect(policy.onEvent({ type: 'jobs-changed', rows: [row('J000001')] })).toEqual([])
    expect(
      policy.onEvent({
        type: 'status-changed',
        status: { paused: true, indexDir: '/in', archiveDir: '/arch', indexFolderProblem: null, desktop: false },
      }),
    ).toEqual([])
  })

  it('coalesces three failures within window', () => {
    const { policy, clock } = policyAt('backup-failures')

    const first = policy.onEvent(backupFailed('J000001'))
    clock.time += 4_000
    const second = policy.onEvent(backupFailed('J000002'))
    clock.time += 4_000
    const third = policy.onEvent(backupFailed('J000003'))

    expect(first.map((notice) => notice.kind)).toEqual(['single'])
    expect(second.map((notice) => notice.kind)).toEqual(['single'])
    expect(third).toEqual([
      {
        kind: 'summary',
        failure: 'backup',
        count: 3,
        title: '3 backups failed',
        body: 'Files: acme_stmt_20261130_J000001.txt, acme_stmt_20261130_J000002.txt, acme_stmt_20261130_J000003.txt. Open the failures in the job grid.',
      },
    ])
  })

  it('notifies failures spread beyond window singly', () => {
    const { policy, clock } = policyAt('backup-failures')

    const kinds: string[] = []
    for (const id of ['J000001', 'J000002', 'J000003', 'J000004']) {
      kinds.push(...policy.onEvent(backupFailed(id)).map((notice) => notice.kind))
      clock.time += 6_000
    }

    expect(kinds).toEqual(['single', 'single', 'single', 'single'])
  })

  it('summarises a large batch at once', () => {
    const { policy } = policyAt('backup-failures')

    const notices = policy.onEvent(backupFailed('J000001', 'J000002', 'J000003', 'J000004', 'J000005'))

    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatchObject({ kind: 'summary', count: 5, title: '5 backups failed' })
    expect(notices[0]?.body).toContain('and 2 more')
  })

  it('ignores repeated ids in one batch', () => {
    const { policy } = policyAt('backup-failures')

    const notices = policy.onEvent(backupFailed('J000001', 'J000001'))

    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatchObject({ kind: 'single', jobId: 'J000001' })
  })

  it('folds later failures into summary', () => {
    const { policy, clock } = policyAt('backup-failures')
    policy.onEvent(backupFailed('J000001', 'J000002', 'J000003'))
    const summaryAt = clock.time

    clock.time += 2_000
    const folded = policy.onEvent(backupFailed('J000004'))
    clock.time += 2_000
    const foldedAgain = policy.onEvent(backupFailed('J000005'))

    expect(folded).toEqual([])
    expect(foldedAgain).toEqual([])
    expect(policy.nextFlushAt()).toBe(summaryAt + 10_000)

    clock.time = summaryAt + 9_999
    expect(policy.flush()).toEqual([])

    clock.time = summaryAt + 10_000
    const update = policy.flush()
    expect(update).toHaveLength(1)
    expect(update[0]).toMatchObject({ kind: 'summary', count: 5, title: '5 backups failed' })
  })

  it('closes summary after quiet window', () => {
    const { policy, clock } = policyAt('backup-failures')
    policy.onEvent(backupFailed('J000001', 'J000002', 'J000003'))
    const lastFailureAt = clock.time

    expect(policy.nextFlushAt()).toBe(lastFailureAt + 10_000)
    clock.time = lastFailureAt + 10_000
    expect(policy.flush()).toEqual([])
    expect(policy.nextFlushAt()).toBeNull()

    clock.time += 1
    const next = policy.onEvent(backupFailed('J000004'))
    expect(next).toHaveLength(1)
    expect(next[0]).toMatchObject({ kind: 'single', jobId: 'J000004' })
  })

  it('reports unflushed failures on next event', () => {
    const { policy, clock } = policyAt('backup-failures')
    policy.onEvent(backupFailed('J000001', 'J000002', 'J000003'))
    clock.time += 1_000
    policy.onEvent(backupFailed('J000004'))

    clock.time += 30_000
    const notices = policy.onEvent(backupFailed('J000005'))

    expect(notices.map((notice) => [notice.kind, notice.title])).toEqual([
      ['summary', '4 backups failed'],
      ['single', 'Backup failed: acme_stmt_20261130_J000005.txt'],
    ])
  })

  it('keeps a long burst in one summary', () => {
    const { policy, clock } = policyAt('backup-failures')
    const notices = []

    for (let second = 0; second < 30; second += 1) {
      notices.push(...policy.flush(), ...policy.onEvent(backupFailed(`J${String(second + 1).padStart(6, '0')}`)))
      clock.time += 1_000
    }
    clock.time += 10_000
    notices.push(...policy.flush())

    expect(notices.map((notice) => notice.title)).toEqual([
      'Backup failed: acme_stmt_20261130_J000001.txt',
      'Backup failed: acme_stmt_20261130_J000002.txt',
      '3 backups failed',
      '12 backups failed',
      '22 backups failed',
      '30 backups failed',
    ])
  })

  it('counts kinds separately', () => {
    const { policy } = policyAt('all-failures')

    const notices = [
      ...policy.onEvent(backupFailed('J000001')),
      ...policy.onEvent(backupFailed('J000002')),
      ...policy.onEvent(jobFailed('J000003')),
      ...policy.onEvent(jobFailed('J000004', 'J000005')),
    ]

    expect(notices.map((notice) => notice.title)).toEqual([
      'Backup failed: acme_stmt_20261130_J000001.txt',
      'Backup failed: acme_stmt_20261130_J000002.txt',
      'Job failed: acme_stmt_20261130_J000003.txt',
      '3 jobs failed',
    ])
  })
})
