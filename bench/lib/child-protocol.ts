import type { Settings } from '../../shared/schemas'

/** Line the child prints once its monitor is watching. */
export const READY_LINE = 'BENCH_READY'
/** Start of the line carrying the child's result as JSON. */
export const RESULT_PREFIX = 'BENCH_RESULT '

/** The measurement a benchmark child runs. */
export type ChildRequest =
  | { mode: 'run-once'; settings: Settings }
  | { mode: 'watch'; settings: Settings; expectedJobs: number; timeoutMs: number }
  | { mode: 'start-up'; settings: Settings }
  | { mode: 'parse'; files: string[] }
  | { mode: 'persist'; dataDir: string; changes: number; concurrency: number; budgetMs: number }

/** Jobs in the store after a run, by outcome and by source path. */
export interface JobSummary {
  jobs: number
  /** Jobs by `status/archivalStatus`, such as `SUCCESS/BACKED_UP`. */
  byOutcome: Record<string, number>
  /** Distinct source paths among the jobs. */
  paths: number
  /** Source paths with more than one job. */
  pathsTakenTwice: number
}

/** What a child measured; which fields are set depends on the mode. */
export interface ChildResult {
  elapsedMs?: number
  openMs?: number
  lastSettledAtEpochMs?: number
  jobChanges?: number
  bytes?: number
  parsedFiles?: number
  persistedChanges?: number
  summary?: JobSummary
  /** Peak resident set size of the child, from `process.resourceUsage()`, in KiB. */
  maxRssKb: number
}
