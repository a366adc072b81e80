import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { PuiEvent } from '../shared/api'
import type { Job } from '../shared/job'
import { toJobRow } from '../main/core/job-query'
import { JobEventBatcher } from '../main/serve/event-batcher'
import { makeJob } from './helpers/job-fixture'

describe('JobEventBatcher', () => {
  let batches: PuiEvent[][]
  let stored: Map<string, Job>
  let batcher: JobEventBatcher

  beforeEach(() => {
    vi.useFakeTimers()
    batches = []
    stored = new Map()
    batcher = new JobEventBatcher({
      intervalMs: 200,
      lookupJob: (jobId) => stored.get(jobId),
      toRow: toJobRow,
      deliver: (events) => batches.push(events),
    })
  })
  afterEach(() => {
    batcher.clear()
    vi.useRealTimers()
  })

  it('sends the first change on the next tick', () => {
    batcher.jobChanged(makeJob({ id: 'J000001' }))
    expect(batches).toHaveLength(0)

    vi.advanceTimersByTime(0)
    expect(batches).toHaveLength(1)
    expect(batches[0]).toEqual([{ type: 'jobs-changed', rows: [expect.objectContaining({ id: 'J000001' })] }])
  })

  it('sends at most one batch per interval', () => {
    batcher.jobChanged(makeJob({ id: 'J000001' }))
    vi.advanceTimersByTime(0)
    for (let step = 0; step < 10; step += 1) {
      batcher.jobChanged(makeJob({ id: 'J000002', counts: { records: step, accepted: step, rejected: 0, pages: step } }))
      vi.advanceTimersByTime(10)
    }
    expect(batches).toHaveLength(1)

    vi.advanceTimersByTime(100)
    expect(batches).toHaveLength(2)
    expect(batches[1]).toEqual([{ type: 'jobs-changed', rows: [expect.objectContaining({ id: 'J000002', accepted: 9 })] }])
  })

  it('keeps the last version of each job', () => {
    batcher.jobChanged(makeJob({ id: 'J000001', status: 'PENDING' }))
    batcher.jobChanged(makeJob({ id: 'J000002', status: 'PENDING' }))
    batcher.jobChanged(makeJob({ id: 'J000001', status: 'SUCCESS' }))
    vi.advanceTimersByTime(0)

    expect(batches[0]?.[0]).toEqual({
      type: 'jobs-changed',
      rows: [expect.objectContaining({ id: 'J000001', status: 'SUCCESS' }), expect.objectContaining({ id: 'J000002', status: 'PENDING' })],
    })
  })

  it('adds progress to the row', () => {
    stored.set('J000003', makeJob({ id: 'J000003', status: 'RUNNING', finishedAt: null }))
    batcher.progress('J000003', 0.25)
    batcher.progress('J000003', 0.5)
    vi.advanceTimersByTime(0)

    expect(batches[0]).toEqual([{ type: 'jobs-changed', rows: [expect.objectContaining({ id: 'J000003', progress: 0.5 })] }])
  })

  it('orders failure events after changes', () => {
    const failed = makeJob({ id: 'J000004', status: 'FAILED' })
    const backupFailed = makeJob({ id: 'J000005', archivalStatus: 'BACKUP_FAILURE' })
    batcher.backupFailure(backupFailed)
    batcher.jobFailed(failed)
    batcher.jobChanged(backupFailed)
    vi.advanceTimersByTime(0)

    expect(batches[0]?.map((event) => event.type)).toEqual(['jobs-changed', 'job-failed', 'backup-failed'])
    expect(batches[0]?.[0]).toEqual({ type: 'jobs-changed', rows: [expect.objectContaining({ id: 'J000004' }), expect.objectContaining({ id: 'J000005' })] })
    expect(batches[0]?.[1]).toEqual({ type: 'job-failed', rows: [expect.objectContaining({ id: 'J000004' })] })
    expect(batches[0]?.[2]).toEqual({ type: 'backup-failed', rows: [expect.objectContaining({ id: 'J000005' })] })
  })

  it('drops collected changes on clear', () => {
    batcher.jobChanged(makeJob({ id: 'J000006' }))
    batcher.clear()
    vi.advanceTimersByTime(1_000)
    batcher.jobChanged(makeJob({ id: 'J000007' }))
    vi.advanceTimersByTime(0)

    expect(batches).toEqual([[{ type: 'jobs-changed', rows: [expect.objectContaining({ id: 'J000007' })] }]])
  })
})
