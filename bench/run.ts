// Runs the benchmark figures, each in a process of its own so one's memory does not skew another's, then prints a
// summary. Usage: npm run bench [-- P3 ...] [-- --smoke]
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BenchArgsError, FIGURE_SCRIPTS, parseBenchArgs } from './lib/args'
import { verdictOf, type Figure } from './lib/figure'

async function readFigures(resultsFile: string): Promise<Figure[]> {
  try {
    const text = await readFile(resultsFile, 'utf8')
    return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Figure)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}

async function main(): Promise<number> {
  let args
  try {
    args = parseBenchArgs(process.argv.slice(2))
  } catch (error) {
    if (!(error instanceof BenchArgsError)) throw error
    console.error(error.message)
    return 2
  }

  // The run folder contains the seeded data folders, so a history seeded for one figure is copied for the next.
  const runFolder = await mkdtemp(join(tmpdir(), 'pui-bench-run-'))
  const resultsFile = join(runFolder, 'results.jsonl')
  const failed: string[] = []
  console.log(`bench: ${args.ids.join(', ')}${args.smoke ? ' (smoke sizes: the figures only show that each benchmark works)' : ''}\n`)
  try {
    for (const id of args.ids) {
      const started = performance.now()
      const child = spawnSync(process.execPath, ['--import', 'tsx', FIGURE_SCRIPTS[id], ...(args.smoke ? ['--smoke'] : [])], {
        stdio: 'inherit',
        env: { ...process.env, BENCH_RUN_DIR: runFolder, BENCH_RESULTS: resultsFile },
      })
      if (child.status !== 0) failed.push(`${id} (exit ${child.status ?? child.signal})`)
      console.log(`    (${id} ran for ${((performance.now() - started) / 1000).toFixed(0)} s)\n`)
    }

    console.log('summary:')
    for (const figure of await readFigures(resultsFile)) {
      const verdicts = figure.targets.map((target) => `${target.name} ${verdictOf(target)}`)
      console.log(`  ${figure.id}  ${verdicts.join(', ')}`)
    }
  } finally {
    await rm(runFolder, { recursive: true, force: true })
  }

  if (failed.length > 0) {
    console.error(`bench: these benchmarks failed to run: ${failed.join(', ')}; the output above shows the error`)
    return 1
  }
  return 0
}

process.exitCode = await main()
