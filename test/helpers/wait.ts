import type { Job } from '../../shared/job'
import type { Monitor } from '../../main/core/monitor'

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Returns true once a job's processing and backup have both finished. */
export function isSettled(job: Job): boolean {
  return job.status !== 'PENDING' && job.status !== 'RUNNING' && job.archivalStatus !== 'PENDING' && job.archivalStatus !== 'IN_PROGRESS'
}

/** Polls until `condition` holds, or throws naming `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** Waits until the monitor has `count` jobs that have all settled, and returns them. */
export async function waitForSettledJobs(monitor: Monitor, count: number, timeoutMs = 30_000): Promise<Job[]> {
  await waitUntil(() => monitor.jobs().length >= count && monitor.jobs().every(isSettled), `${count} settled jobs`, timeoutMs)
  return [...monitor.jobs()]
}
