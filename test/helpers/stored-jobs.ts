import { readFileSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Job } from '../../shared/job'

/**
 * Reads the jobs of one day straight from disk: its day file, then each line of its journal written after the day
 * file (a sequence number above the file's `journalSeq`). An incomplete last journal line is skipped.
 */
export function readDayJobs(folder: string, day: string): Job[] {
  const dayFile = JSON.parse(readIfPresent(join(folder, `${day}.json`)) || '{"jobs":[]}') as { jobs: Job[]; journalSeq?: number }
  const byId = new Map(dayFile.jobs.map((job) => [job.id, job]))
  const journal = readIfPresent(join(folder, `${day}.journal`))
  for (const line of journal.split('\n').slice(0, -1)) {
    const { seq, job } = JSON.parse(line) as { seq: number; job: Job }
    if (seq > (dayFile.journalSeq ?? 0)) byId.set(job.id, job)
  }
  return [...byId.values()].sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)))
}

/** Reads every job saved in the partitions of `<dataDir>/jobs/` straight from disk, journals included, in id order. */
export async function readStoredJobs(dataDir: string): Promise<Job[]> {
  const folder = join(dataDir, 'jobs')
  const days = new Set((await readdir(folder)).map((name) => /^(\d{4}-\d{2}-\d{2})\.(json|journal)$/.exec(name)?.[1]).filter(Boolean))
  const jobs: Job[] = []
  for (const day of days) jobs.push(...readDayJobs(folder, day as string))
  return jobs.sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)))
}

function readIfPresent(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ''
    throw error
  }
}
