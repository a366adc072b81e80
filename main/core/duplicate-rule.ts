import type { ProcessingFields } from '../../shared/job'
import { isPosted } from '../../shared/status'
import type { CountedJob, JobRepository } from './job-store-contract'
import type { CoreLogger } from './logger'

/** Returns the number in a job id (`J000042` → 42), so ids of different widths compare correctly. */
function jobNumber(id: string): number {
  return Number(id.slice(1))
}

/** Main-status fields of a job whose content the `earlier` job already counted. */
function duplicateFields(earlier: CountedJob, sha256: string): Partial<ProcessingFields> {
  return {
    status: 'FAILED',
    duplicateOf: earlier.id,
    error: {
      code: 'DUPLICATE',
      message: `same content as job ${earlier.id} (${earlier.fileName}, sha256 ${sha256.slice(0, 12)}…), which is already counted; this file is not counted again`,
    },
  }
}

/**
 * Applies the duplicate rule to a job's processing outcome and returns the fields to store: of the jobs with the
 * same SHA-256, only the one detected first (the lowest id) is counted. A posted result whose content an earlier
 * job already counted becomes a `DUPLICATE` failure. When the counted job is the later one (it finished first),
 * that job becomes the duplicate instead, so the outcome does not depend on which job finished first. The caller
 * stores the result in the same tick, so two identical files finishing together cannot both be counted.
 */
export function applyDuplicateRule(
  store: JobRepository,
  logger: CoreLogger,
  jobId: string,
  outcome: Partial<ProcessingFields>,
): Partial<ProcessingFields> {
  if (!outcome.status || !isPosted(outcome.status) || !outcome.sha256) return outcome
  const counted = store.findCountedBySha256(outcome.sha256, jobId)
  if (!counted) return outcome

  if (jobNumber(counted.id) < jobNumber(jobId)) {
    return { ...outcome, ...duplicateFields(counted, outcome.sha256) }
  }
  const current = store.get(jobId)
  if (current) {
    logger.info(`job ${counted.id}: same content as the earlier job ${jobId}, so ${counted.id} is no longer counted`)
    void store.updateProcessing(counted.id, duplicateFields(current, outcome.sha256)).catch((error: unknown) => {
      logger.error(`monitor: cannot mark job ${counted.id} as a duplicate of ${jobId}: ${(error as Error).message}`)
    })
  }
  return outcome
}
