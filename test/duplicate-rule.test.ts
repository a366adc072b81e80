import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { applyDuplicateRule } from '../main/core/duplicate-rule'
import { JobStore } from '../main/core/job-store'
import { silentLogger } from '../main/core/logger'
import { makeTempDir } from './helpers/temp-dir'

const SHA = 'b'.repeat(64)
const COUNTS = { records: 3, accepted: 3, rejected: 0, pages: 6 }

describe('applyDuplicateRule', () => {
  let root: { path: string; remove: () => Promise<void> }
  let store: JobStore

  beforeEach(async () => {
    root = await makeTempDir()
    store = await JobStore.open(join(root.path, 'data'))
  })
  afterEach(async () => {
    await store.close()
    await root.remove()
  })

  async function createJob(fileName: string) {
    return store.create({
      fileName,
      sourcePath: `/in/${fileName}`,
      detectedSize: 10,
      detectedMtimeMs: 1,
      detectedAt: '2026-12-01T00:00:00.000Z',
      backupCallback: 'archive',
      archivalStatus: 'PENDING',
    })
  }

  it('fails the later of two jobs', async () => {
    const first = await createJob('acme_stmt_20261130_1.txt')
    const second = await createJob('acme_stmt_20261130_2.txt')
    await store.updateProcessing(first.id, { status: 'SUCCESS', sha256: SHA, counts: COUNTS })

    const fields = applyDuplicateRule(store, silentLogger, second.id, { status: 'SUCCESS', sha256: SHA, counts: COUNTS })

    expect(fields.status).toBe('FAILED')
    expect(fields.duplicateOf).toBe(first.id)
    expect(fields.error?.code).toBe('DUPLICATE')
    expect(fields.error?.message).toContain(first.id)
  })

  it('counts the earlier job when it finishes last', async () => {
    const first = await createJob('acme_stmt_20261130_1.txt')
    const second = await createJob('acme_stmt_20261130_2.txt')
    await store.updateProcessing(second.id, { status: 'SUCCESS', sha256: SHA, counts: COUNTS })

    const outcome = { status: 'SUCCESS' as const, sha256: SHA, counts: COUNTS }
    const fields = applyDuplicateRule(store, silentLogger, first.id, outcome)
    await store.updateProcessing(first.id, fields)
    await store.flush()

    expect(fields).toEqual(outcome)
    expect(store.get(second.id)?.status).toBe('FAILED')
    expect(store.get(second.id)?.duplicateOf).toBe(first.id)
    expect(store.findCountedBySha256(SHA, 'J999999')?.id).toBe(first.id)
  })

  it('leaves failed outcomes alone', async () => {
    const first = await createJob('acme_stmt_20261130_1.txt')
    const second = await createJob('acme_stmt_20261130_2.txt')
    await store.updateProcessing(first.id, { status: 'SUCCESS', sha256: SHA, counts: COUNTS })
    const failed = { status: 'FAILED' as const, sha256: SHA, error: { code: 'TOO_MANY_REJECTED' as const, message: 'over' } }

    expect(applyDuplicateRule(store, silentLogger, second.id, failed)).toEqual(failed)
  })
})
