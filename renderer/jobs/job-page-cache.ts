import type { JobCountsSummary, JobPage, JobRow } from '../../shared/api'

/** Rows per request; the grid loads the blocks of this size that come into view. */
export const BLOCK_SIZE = 200

/**
 * Rows of one query that the server has sent, by their index in the full result. Each block of `BLOCK_SIZE`
 * rows is stored as it arrived. `setBlock` removes a job id from older blocks, so an id appears at most once and
 * rows can be keyed by id.
 */
export class JobPageCache {
  private readonly blocks = new Map<number, (JobRow | undefined)[]>()
  private readonly indexById = new Map<string, number>()

  /** Rows matching the query, from the latest page; null before the first page arrives. */
  total: number | null = null
  counts: JobCountsSummary | null = null

  /** Stores a page the server sent for `block`, replacing what the block held. */
  setBlock(block: number, page: JobPage): void {
    this.deleteBlock(block)

    const start = block * BLOCK_SIZE
    const rows: (JobRow | undefined)[] = []
    page.rows.forEach((row, offset) => {
      // After inserts the same job can still sit in an older block at another index; the newest page wins.
      const elsewhere = this.indexById.get(row.id)
      if (elsewhere !== undefined) this.clearIndex(elsewhere)

      rows.push(row)
      this.indexById.set(row.id, start + offset)
    })
    this.blocks.set(block, rows)

    this.total = page.total
    this.counts = page.counts
  }

  /** Returns true when the block is loaded and none of its rows was taken by a newer block. */
  isComplete(block: number): boolean {
    const rows = this.blocks.get(block)
    return rows !== undefined && rows.every((row) => row !== undefined)
  }

  /** Drops every block outside `keep`, so they are fetched again when they come into view. */
  retainBlocks(keep: ReadonlySet<number>): void {
    for (const block of [...this.blocks.keys()]) {
      if (!keep.has(block)) this.deleteBlock(block)
    }
  }

  clear(): void {
    this.blocks.clear()
    this.indexById.clear()
    this.total = null
    this.counts = null
  }

  rowAt(index: number): JobRow | undefined {
    return this.blocks.get(Math.floor(index / BLOCK_SIZE))?.[index % BLOCK_SIZE]
  }

  indexOf(id: string): number | undefined {
    return this.indexById.get(id)
  }

  /** Replaces loaded rows that have the same id as one of `rows`; returns true when any was loaded. */
  updateRows(rows: JobRow[]): boolean {
    let changed = false
    for (const row of rows) {
      const index = this.indexById.get(row.id)
      if (index === undefined) continue

      const block = this.blocks.get(Math.floor(index / BLOCK_SIZE))
      if (!block) continue
      block[index % BLOCK_SIZE] = row
      changed = true
    }
    return changed
  }

  /** Returns every loaded row, in index order. */
  loadedRows(): JobRow[] {
    const rows: JobRow[] = []
    for (const block of [...this.blocks.keys()].sort((a, b) => a - b)) {
      for (const row of this.blocks.get(block) ?? []) if (row) rows.push(row)
    }
    return rows
  }

  private deleteBlock(block: number): void {
    for (const row of this.blocks.get(block) ?? []) {
      if (row) this.indexById.delete(row.id)
    }
    this.blocks.delete(block)
  }

  private clearIndex(index: number): void {
    const block = this.blocks.get(Math.floor(index / BLOCK_SIZE))
    const row = block?.[index % BLOCK_SIZE]
    if (!block || !row) return
    block[index % BLOCK_SIZE] = undefined
    this.indexById.delete(row.id)
  }
}
