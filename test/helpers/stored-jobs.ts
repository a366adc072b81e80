import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Job } from '../../shared/job'

/** Reads every job saved in the partitions of `<dataDir>/jobs/` straight from disk, in id order. */
export async function readStoredJobs(dataDir: string): Promise<Job[]> {
  const folder = join(dataDir, 'jobs')
  const names = (await readdir(folder)).filter((name) => /^\d{4}-\d{2}-\d{2}\.json$/.test(name))
  const jobs: Job[] = []
  for (const name of names) {
    jobs.push(...(JSON.parse(await readFile(join(folder, name), 'utf8')) as { jobs: Job[] }).jobs)
  }
  return jobs.sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)))
}
