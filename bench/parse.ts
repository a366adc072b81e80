// Parse throughput against the floor: a plain stream read with SHA-256 of the same file, in the same run.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { simulate } from '../main/cli/simulate'
import { BUILT_IN_JOB_TYPES } from '../main/core/job-types'
import { parseIndexFile } from '../main/core/parser'

const sizeMb = Number(process.env.BENCH_PARSE_MB ?? 50)

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = process.hrtime.bigint()
  const result = await run()
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, result }
}

async function main(): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), 'pui-bench-parse-'))
  try {
    const summary = await simulate({ to: folder, files: 1, largeMb: sizeMb, seed: 1 })
    const large = summary.files.find((file) => file.kind === 'large')
    if (!large) throw new Error('bench: simulate wrote no large file')
    const path = join(folder, large.name)
    const bytes = (await stat(path)).size
    const jobType = BUILT_IN_JOB_TYPES.find((type) => type.name === large.jobType)
    if (!jobType) throw new Error(`bench: no built-in job type ${large.jobType}`)

    const baseline = await timed(() => pipeline(createReadStream(path), createHash('sha256')))
    const parse = await timed(() => parseIndexFile(path, jobType))
    const mb = bytes / 1024 / 1024

    console.log(`parse: ${mb.toFixed(1)} MB, ${parse.result.counts.records} records`)
    console.log(`  baseline read + SHA-256: ${baseline.ms.toFixed(0)} ms (${(mb / (baseline.ms / 1000)).toFixed(0)} MB/s)`)
    console.log(`  parseIndexFile:          ${parse.ms.toFixed(0)} ms (${(mb / (parse.ms / 1000)).toFixed(1)} MB/s)`)
    console.log(`  ratio: ${(parse.ms / baseline.ms).toFixed(1)}x the baseline; peak RSS ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`)
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}

await main()
