import type { PuiApi } from '../../shared/api'
import { createNotificationPolicy, type Notice, type NotificationLevel } from '../../shared/notification-policy'

export interface FailureNotifierOptions {
  api: Pick<PuiApi, 'subscribe'>
  /** Failures that raise a notification. */
  level: NotificationLevel
  show(notice: Notice): void
  /** Clock in milliseconds; tests pass their own. */
  now?: () => number
}

/**
 * Turns the API's failure events into notices through the shared notification policy, the same levels and burst
 * summaries as the browser, and flushes open summaries when they are due. Returns the function that stops it.
 */
export function startFailureNotifier(options: FailureNotifierOptions): () => void {
  const now = options.now ?? Date.now
  const policy = createNotificationPolicy({ level: options.level, now })
  let timer: NodeJS.Timeout | null = null

  function deliver(notices: Notice[]): void {
    for (const notice of notices) options.show(notice)
  }

  function scheduleFlush(): void {
    if (timer !== null) clearTimeout(timer)
    timer = null
    const at = policy.nextFlushAt()
    if (at === null) return
    timer = setTimeout(() => {
      timer = null
      deliver(policy.flush())
      scheduleFlush()
    }, Math.max(0, at - now()))
    timer.unref()
  }

  const unsubscribe = options.api.subscribe((event) => {
    deliver(policy.onEvent(event))
    scheduleFlush()
  })

  return () => {
    unsubscribe()
    if (timer !== null) clearTimeout(timer)
  }
}
