import type { Job } from '../../shared/job'
import { runCli, type CliResult } from '../helpers/cli'
import { JobStore } from '../../main/core/job-store'

/** Short stability window and retry delays, with one automatic retry, so a fault settles in about a second. */
export const FAST_FLAGS = ['--stability-ms', '50', '--retry-min-delay-ms', '10', '--retry-max-delay-ms', '20', '--backup-retries', '1']

export interface PipelineFolders {
  indexDir: string
  archiveDir: string
  dataDir: string
}

/** Runs `pui-monitor run --once` on the folders with FAST_FLAGS and any extra flags. */
export function runOnce(folders: PipelineFolders, extra: string[] = []): Promise<CliResult> {
  const flags = ['--index', folders.indexDir, '--archive', folders.archiveDir, '--data', folders.dataDir]
  return runCli(['run', '--once', ...flags, ...FAST_FLAGS, ...extra])
}

/** Reads the jobs from the store file that the command line wrote. */
export async function readJobs(dataDir: string): Promise<Job[]> {
  return [...(await JobStore.readSnapshot(dataDir)).jobs]
}

/** Returns the only job of a run, failing with the jobs found when there is not exactly one. */
export async function readOnlyJob(dataDir: string): Promise<Job> {
  const jobs = await readJobs(dataDir)
  if (jobs.length !== 1) throw new Error(`expected one job in ${dataDir}, found ${jobs.length}: ${jobs.map((job) => job.fileName).join(', ')}`)
  return jobs[0] as Job
}
