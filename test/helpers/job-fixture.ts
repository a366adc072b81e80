import type { Job } from '../../shared/job'
import type { NewJob } from '../../main/core/job-store-contract'

let nextNumber = 1

/** Builds a finished job record for tests of code that only reads jobs. */
export function makeJob(overrides: Partial<Job> = {}): Job {
  const id = `J${String(nextNumber++).padStart(6, '0')}`
  return {
    id,
    fileName: 'acme_stmt_20261130_1.txt',
    sourcePath: '/in/acme_stmt_20261130_1.txt',
    detectedSize: 100,
    detectedMtimeMs: 1,
    detectedAt: '2026-12-01T00:00:00.000Z',
    backupCallback: 'archive',
    status: 'SUCCESS',
    jobType: 'stmt',
    client: 'acme',
    cycleDate: '2026-11-30',
    sha256: 'a'.repeat(64),
    size: 100,
    counts: { records: 10, accepted: 10, rejected: 0, pages: 25 },
    rejections: [],
    error: null,
    duplicateOf: null,
    startedAt: '2026-12-01T00:00:01.000Z',
    finishedAt: '2026-12-01T00:00:02.000Z',
    archivalStatus: 'BACKED_UP',
    archivePath: '/archive/acme/2026/11/acme_stmt_20261130_1.txt',
    backupAttempts: [],
    failureAcknowledgedAt: null,
    log: [],
    ...overrides,
  }
}

/** Builds the record of a file detected at 10:00 UTC on `day` (YYYY-MM-DD), numbered `sequence` in its name. */
export function newJobOnDay(day: string, sequence: number): NewJob {
  return {
    fileName: `acme_stmt_20261130_${sequence}.txt`,
    sourcePath: `/srv/index/acme_stmt_20261130_${sequence}.txt`,
    detectedSize: 100,
    detectedMtimeMs: 1,
    detectedAt: `${day}T10:00:00.000Z`,
    backupCallback: 'archive',
    archivalStatus: 'PENDING',
  }
}
