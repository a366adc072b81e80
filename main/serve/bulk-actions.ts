import PQueue from 'p-queue'
import type { AcknowledgeResult, BulkRetryResult, JobQuery } from '../../shared/api'
import { isUnacknowledgedFailure } from '../../shared/job-row'
import { AcknowledgeNotAllowedError, RetryNotAllowedError } from '../core/backup-helper'
import { createJobFilter } from '../core/job-query'
import type { CoreLogger } from '../core/logger'
import type { Monitor } from '../core/monitor'

/** Retries the jobs in `BACKUP_FAILURE` that match the query's filters, at the monitor's concurrency. */
export async function retryFailedBackups(monitor: Monitor, query: JobQuery, logger: CoreLogger): Promise<BulkRetryResult> {
  const matches = createJobFilter(query)
  const failedIds = monitor
    .jobView()
    .jobs.filter((job) => job.archivalStatus === 'BACKUP_FAILURE' && matches(job))
    .map((job) => job.id)

  const queue = new PQueue({ concurrency: monitor.settings.concurrency })
  const result: BulkRetryResult = { retried: 0, backedUp: 0, stillFailing: 0 }
  await Promise.all(
    failedIds.map((jobId) =>
      queue.add(async () => {
        // Another retry may have started or finished since the list was taken.
        const before = monitor.job(jobId)
        if (before?.archivalStatus !== 'BACKUP_FAILURE') return
        try {
          const job = await monitor.retryBackup(jobId)
          result.retried += 1
          if (job.archivalStatus === 'BACKED_UP') result.backedUp += 1
          else if (job.archivalStatus === 'BACKUP_FAILURE') result.stillFailing += 1
        } catch (error) {
          // A backup that is still being recorded is left out; its own run finishes it.
          if (error instanceof RetryNotAllowedError) return
          result.retried += 1
          result.stillFailing += 1
          logger.error(`api: retry of the backup of job ${jobId} failed: ${(error as Error).stack ?? error}`)
        }
      }),
    ),
  )
  logger.info(`api: retried ${result.retried} failed backups: ${result.backedUp} backed up, ${result.stillFailing} still failing`)
  return result
}

/** Acknowledges the unacknowledged backup failures that match the query's filters, one after the other. */
export async function acknowledgeFailures(monitor: Monitor, query: JobQuery, logger: CoreLogger): Promise<AcknowledgeResult> {
  const matches = createJobFilter(query)
  const ids = monitor
    .jobView()
    .jobs.filter((job) => isUnacknowledgedFailure(job) && matches(job))
    .map((job) => job.id)

  let acknowledged = 0
  for (const jobId of ids) {
    try {
      await monitor.acknowledgeFailure(jobId)
      acknowledged += 1
    } catch (error) {
      // A retry that succeeded since the list was taken leaves nothing to acknowledge.
      if (error instanceof AcknowledgeNotAllowedError) continue
      throw error
    }
  }
  logger.info(`api: acknowledged ${acknowledged} backup failures`)
  return { acknowledged }
}
