import { describe, expect, expectTypeOf, it } from 'vitest'
import { JobSchema } from '../shared/schemas'
import {
  ARCHIVAL_STATUSES,
  JOB_STATUSES,
  needsAttention,
  type ArchivalStatus,
  type BackupOutcomeStatus,
  type JobStatus,
} from '../shared/status'
import type { ProcessingFields } from '../shared/job'
import { makeJob } from './helpers/job-fixture'

describe('status types', () => {
  it('keep backup outcomes out of JobStatus', () => {
    expectTypeOf<Extract<JobStatus, BackupOutcomeStatus>>().toBeNever()
    expectTypeOf<'BACKUP_FAILURE'>().not.toExtend<JobStatus>()
    expectTypeOf<'BACKUP_FAILURE'>().toExtend<ArchivalStatus>()
    expect(JOB_STATUSES).not.toContain('BACKUP_FAILURE')
    expect(ARCHIVAL_STATUSES).toContain('BACKUP_FAILURE')
  })

  it('keep archival fields out of processing fields', () => {
    expectTypeOf<ProcessingFields>().not.toHaveProperty('archivalStatus')
    expectTypeOf<ProcessingFields>().not.toHaveProperty('backupAttempts')
  })

  it('reject a backup outcome as main status', () => {
    const parsed = JobSchema.safeParse({ ...makeJob(), status: 'BACKUP_FAILURE' })

    expect(parsed.success).toBe(false)
  })
})

describe('needsAttention', () => {
  it('marks FAILED or BACKUP_FAILURE only', () => {
    for (const status of JOB_STATUSES) {
      for (const archival of ARCHIVAL_STATUSES) {
        expect(needsAttention(status, archival)).toBe(status === 'FAILED' || archival === 'BACKUP_FAILURE')
      }
    }
  })
})
