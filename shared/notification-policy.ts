import type { JobRow, PuiEvent } from './api'
import { isUnacknowledgedFailure } from './job-row'
import { assertNever } from './status'

/** Notification levels: the failures that raise a notification. */
export const NOTIFICATION_LEVELS = ['backup-failures', 'all-failures', 'off'] as const
export type NotificationLevel = (typeof NOTIFICATION_LEVELS)[number]

/** `backup`: a job entered `BACKUP_FAILURE`; `job`: a job entered the `FAILED` main status. */
export type FailureKind = 'backup' | 'job'

/** A notification to show: one failed job, or a burst of failures of one kind. */
export type Notice =
  | { kind: 'single'; failure: FailureKind; jobId: string; title: string; body: string }
  | {
      kind: 'summary'
      failure: FailureKind
      /** Failures in the burst so far, including the ones already notified one by one. */
      count: number
      title: string
      body: string
    }

export interface NotificationPolicyOptions {
  level: NotificationLevel
  /** Failures of one kind closer together than this are a burst. */
  windowMs?: number
  /** Failures within the window that turn into one summary instead of separate notices. */
  summaryThreshold?: number
  /** Clock in milliseconds; injected so tests run without waiting. */
  now?: () => number
}

export interface NotificationPolicy {
  /** Returns the notices the event raises now. */
  onEvent(event: PuiEvent): Notice[]
  /** Returns the summary updates that are due at the current time, and closes bursts that have ended. */
  flush(): Notice[]
  /** Time at which `flush()` has something to do, or null when no burst is open. */
  nextFlushAt(): number | null
}

interface Failure {
  at: number
  jobId: string
  fileName: string
  errorMessage: string | null
}

/** An open summary of one kind of failure. */
interface Burst {
  count: number
  reportedCount: number
  reportedAt: number
  lastAt: number
  /** The first few file names of the burst, for the notice body. */
  fileNames: string[]
}

interface KindState {
  /** Failures notified one by one, newest last. */
  recent: Failure[]
  burst: Burst | null
}

const FILE_NAMES_IN_SUMMARY = 3

/**
 * Creates the policy that decides which failures raise notifications and how bursts are coalesced.
 *
 * Backup failures and job failures are counted separately. A failure is notified on its own while fewer than
 * `summaryThreshold` failures of its kind fall within `windowMs`. The failure that reaches the threshold opens a
 * summary ("3 backups failed") whose count includes the failures already notified. An event whose batch reaches
 * the threshold raises only the summary, not a notice per failure. While a summary is open, further failures are
 * folded into it. `flush()` reports the new cumulative count `windowMs` after the previous report, so a long
 * burst gives one update per window. The summary closes once `windowMs` passes without a failure of its kind, and the
 * next failure after that is notified on its own again. The policy touches no DOM, so any front end can use it.
 */
export function createNotificationPolicy(options: NotificationPolicyOptions): NotificationPolicy {
  const windowMs = options.windowMs ?? 10_000
  const summaryThreshold = options.summaryThreshold ?? 3
  const now = options.now ?? Date.now
  const states: Record<FailureKind, KindState> = {
    backup: { recent: [], burst: null },
    job: { recent: [], burst: null },
  }

  function flushKind(kind: FailureKind, at: number): Notice[] {
    const burst = states[kind].burst
    if (!burst) return []

    const notices: Notice[] = []
    const unreported = burst.count > burst.reportedCount
    if (unreported && (at >= burst.reportedAt + windowMs || at >= burst.lastAt + windowMs)) {
      burst.reportedCount = burst.count
      burst.reportedAt = at
      notices.push(summaryNotice(kind, burst))
    }

    if (at >= burst.lastAt + windowMs) {
      states[kind].burst = null
      states[kind].recent = []
    }
    return notices
  }

  function onFailures(kind: FailureKind, rows: JobRow[], at: number): Notice[] {
    const notices = flushKind(kind, at)
    const state = states[kind]
    const failures = uniqueById(rows).map((row) => ({
      at,
      jobId: row.id,
      fileName: row.fileName,
      errorMessage: row.errorMessage,
    }))
    if (failures.length === 0) return notices

    if (state.burst) {
      state.burst.count += failures.length
      state.burst.lastAt = at
      addFileNames(state.burst, failures)
      return notices
    }

    state.recent = state.recent.filter((failure) => failure.at > at - windowMs)
    if (state.recent.length + failures.length < summaryThreshold) {
      state.recent.push(...failures)
      return [...notices, ...failures.map((failure) => singleNotice(kind, failure))]
    }

    const count = state.recent.length + failures.length
    const burst: Burst = { count, reportedCount: count, reportedAt: at, lastAt: at, fileNames: [] }
    addFileNames(burst, [...state.recent, ...failures])
    state.burst = burst
    state.recent = []
    return [...notices, summaryNotice(kind, burst)]
  }

  return {
    onEvent(event) {
      if (options.level === 'off') return []

      switch (event.type) {
        case 'backup-failed':
          // A failure acknowledged before its batch went out raises nothing.
          return onFailures('backup', event.rows.filter(isUnacknowledgedFailure), now())
        case 'job-failed':
          return options.level === 'all-failures' ? onFailures('job', event.rows, now()) : []
        case 'jobs-changed':
        case 'status-changed':
        case 'notice-opened':
          return []
        default:
          return assertNever(event)
      }
    },

    flush() {
      const at = now()
      return [...flushKind('backup', at), ...flushKind('job', at)]
    },

    nextFlushAt() {
      const times = [states.backup.burst, states.job.burst]
        .filter((burst): burst is Burst => burst !== null)
        .map((burst) =>
          burst.count > burst.reportedCount
            ? Math.min(burst.reportedAt, burst.lastAt) + windowMs
            : burst.lastAt + windowMs,
        )
      return times.length === 0 ? null : Math.min(...times)
    },
  }
}

function uniqueById(rows: JobRow[]): JobRow[] {
  const seen = new Set<string>()
  return rows.filter((row) => {
    if (seen.has(row.id)) return false
    seen.add(row.id)
    return true
  })
}

function addFileNames(burst: Burst, failures: Failure[]): void {
  for (const failure of failures) {
    if (burst.fileNames.length >= FILE_NAMES_IN_SUMMARY) return
    burst.fileNames.push(failure.fileName)
  }
}

function singleNotice(kind: FailureKind, failure: Failure): Notice {
  const title = kind === 'backup' ? `Backup failed: ${failure.fileName}` : `Job failed: ${failure.fileName}`
  const fallback =
    kind === 'backup' ? 'Open the job to see its backup attempts.' : 'Open the job to see why it failed.'
  return { kind: 'single', failure: kind, jobId: failure.jobId, title, body: failure.errorMessage ?? fallback }
}

function summaryNotice(kind: FailureKind, burst: Burst): Notice {
  const noun = kind === 'backup' ? 'backups' : 'jobs'
  const others = burst.count - burst.fileNames.length
  const files = others > 0 ? `${burst.fileNames.join(', ')} and ${others} more` : burst.fileNames.join(', ')
  return {
    kind: 'summary',
    failure: kind,
    count: burst.count,
    title: `${burst.count} ${noun} failed`,
    body: `Files: ${files}. Open the failures in the job grid.`,
  }
}
