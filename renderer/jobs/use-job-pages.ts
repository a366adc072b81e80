import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { JobCountsSummary, JobQuery, JobRow } from '../../shared/api'
import { useApi } from '../api/api-context'
import { errorMessage } from '../common/errors'
import { BLOCK_SIZE, JobPageCache } from './job-page-cache'

/** Delay between a job event and the re-query of the visible rows; a burst of events costs one request. */
export const REFRESH_DELAY_MS = 300

/** The rows of one job query, loaded block by block from the server as they come into view. */
export interface JobPages {
  /** Rows matching the query; null until the first page arrives. */
  total: number | null
  counts: JobCountsSummary | null
  /** Changes whenever a loaded row changes. */
  version: number
  error: string | null
  rowAt(index: number): JobRow | undefined
  indexOf(id: string): number | undefined
  loadedRows(): JobRow[]
  /** Records rows `first` to `last` as the visible ones and loads their blocks, unless loaded or loading. */
  showRange(first: number, last: number): void
  /** Loads the block that holds row `index`, unless it is loaded or loading, without changing the visible range. */
  loadIndex(index: number): void
  /** Puts fresher copies of loaded rows in place (by id) and re-queries the visible rows soon after. */
  applyRows(rows: JobRow[]): void
  /** Fetches the visible rows again now, also after a failed request. */
  reload(): void
}

interface Session {
  query: JobQuery
  /** Counter bumped when the query changes, so responses to older queries are dropped. */
  generation: number
  /** Latest request id per block. A response to an older request for the block is dropped. */
  pending: Map<number, number>
  /** Blocks whose last request failed; they wait for `reload()` instead of being requested in a loop. */
  failed: Set<number>
  range: [number, number] | null
  nextRequestId: number
  refreshTimer: ReturnType<typeof setTimeout> | null
}

function blocksOf(first: number, last: number): number[] {
  const blocks: number[] = []
  for (let block = Math.floor(first / BLOCK_SIZE); block <= Math.floor(last / BLOCK_SIZE); block += 1) {
    blocks.push(block)
  }
  return blocks
}

/**
 * Pages through the jobs matching `query` (filters and sort; offset and limit are set here). Job events update
 * loaded rows in place and re-query the visible blocks, so new rows and counts appear without losing the scroll
 * position.
 */
export function useJobPages(query: JobQuery): JobPages {
  const api = useApi()
  const queryKey = JSON.stringify(query)
  const [cache] = useState(() => new JobPageCache())
  const [version, setVersion] = useState(0)
  const [error, setError] = useState<string | null>(null)
  const session = useRef<Session>({
    query,
    generation: 0,
    pending: new Map(),
    failed: new Set(),
    range: null,
    nextRequestId: 1,
    refreshTimer: null,
  })

  const bump = useCallback(() => setVersion((current) => current + 1), [])

  const fetchBlock = useCallback(
    (block: number) => {
      const current = session.current
      const requestId = current.nextRequestId++
      const generation = current.generation
      current.pending.set(block, requestId)
      const isLatest = () => generation === current.generation && current.pending.get(block) === requestId

      api.listJobs({ ...current.query, offset: block * BLOCK_SIZE, limit: BLOCK_SIZE }).then(
        (page) => {
          if (!isLatest()) return
          current.pending.delete(block)
          current.failed.delete(block)
          cache.setBlock(block, page)
          setError(null)
          bump()
        },
        (reason: unknown) => {
          if (!isLatest()) return
          current.pending.delete(block)
          current.failed.add(block)
          setError(`Loading jobs failed: ${errorMessage(reason)}`)
        },
      )
    },
    [api, cache, bump],
  )

  const refreshVisible = useCallback(() => {
    const current = session.current
    const blocks = current.range ? blocksOf(...current.range) : [0]
    current.failed.clear()
    cache.retainBlocks(new Set(blocks))
    for (const block of blocks) fetchBlock(block)
    bump()
  }, [cache, fetchBlock, bump])

  const scheduleRefresh = useCallback(() => {
    const current = session.current
    // Waits for the pending refresh rather than restarting it, so a steady stream of events still refreshes.
    if (current.refreshTimer !== null) return
    current.refreshTimer = setTimeout(() => {
      current.refreshTimer = null
      refreshVisible()
    }, REFRESH_DELAY_MS)
  }, [refreshVisible])

  useEffect(() => {
    const current = session.current
    current.query = JSON.parse(queryKey) as JobQuery
    current.generation += 1
    current.pending.clear()
    current.failed.clear()
    current.range = null
    cache.clear()
    setError(null)
    bump()
    fetchBlock(0)
  }, [queryKey, cache, fetchBlock, bump])

  const applyRows = useCallback(
    (rows: JobRow[]) => {
      if (cache.updateRows(rows)) bump()
      scheduleRefresh()
    },
    [cache, bump, scheduleRefresh],
  )

  useEffect(() => {
    const unsubscribe = api.subscribe((event) => {
      if ('rows' in event) applyRows(event.rows)
    })
    const current = session.current
    return () => {
      unsubscribe()
      if (current.refreshTimer !== null) clearTimeout(current.refreshTimer)
      current.refreshTimer = null
    }
  }, [api, applyRows])

  const loadBlocks = useCallback(
    (first: number, last: number) => {
      const current = session.current
      for (const block of blocksOf(first, last)) {
        if (!cache.isComplete(block) && !current.pending.has(block) && !current.failed.has(block)) fetchBlock(block)
      }
    },
    [cache, fetchBlock],
  )

  const showRange = useCallback(
    (first: number, last: number) => {
      session.current.range = [first, last]
      loadBlocks(first, last)
    },
    [loadBlocks],
  )

  const loadIndex = useCallback((index: number) => loadBlocks(index, index), [loadBlocks])

  return useMemo(
    () => ({
      total: cache.total,
      counts: cache.counts,
      version,
      error,
      rowAt: (index: number) => cache.rowAt(index),
      indexOf: (id: string) => cache.indexOf(id),
      loadedRows: () => cache.loadedRows(),
      showRange,
      loadIndex,
      applyRows,
      reload: refreshVisible,
    }),
    [cache, version, error, showRange, loadIndex, applyRows, refreshVisible],
  )
}
