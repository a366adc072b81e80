// Small files from detection to BACKED_UP against the floor: a plain loop doing read + SHA-256 + copy + fsync +
// rename + unlink per file at the same concurrency, in the same run.
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import PQueue from 'p-queue'
import { simulate } from '../main/cli/simulate'
import { Monitor } from '../main/core/monitor'
import { DEFAULT_OPTIONS } from '../main/core/settings'

const files = Number(process.env.BENCH_FILES ?? 500)
const concurrency = DEFAULT_OPTIONS.concurrency

async function baseline(indexDir: string, archiveDir: string): Promise<void> {
  await mkdir(archiveDir, { recursive: true })
  const queue = new PQueue({ concurrency })
  for (const name of await readdir(indexDir)) {
    void queue.add(async () => {
      const source = join(indexDir, name)
      const content = await readFile(source)
      createHash('sha256').update(content).digest('hex')
      const temp = join(archiveDir, `.${name}.tmp`)
      const handle = await open(temp, 'w')
      await handle.writeFile(content)
      await handle.sync()
      await handle.close()
      await rename(temp, join(archiveDir, name))
      await unlink(source)
    })
  }
  await queue.onIdle()
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'pui-bench-pipeline-'))
  try {
    await simulate({ to: join(root, 'base-in'), files, seed: 1, slowAppendMs: 0 })
    await simulate({ to: join(root, 'in'), files, seed: 1, slowAppendMs: 0 })

    let started = performance.now()
    await baseline(join(root, 'base-in'), join(root, 'base-arch'))
    const baselineMs = performance.now() - started

    const monitor = await Monitor.open({
      ...DEFAULT_OPTIONS,
      dataDir: join(root, 'data'),
      indexDir: join(root, 'in'),
      archiveDir: join(root, 'arch'),
      stabilityWindowMs: 0,
    })
    started = performance.now()
    await monitor.runOnce()
    const monitorMs = performance.now() - started

    console.log(`pipeline: ${files} small files, concurrency ${concurrency}, stability window 0`)
    console.log(`  baseline copy loop: ${baselineMs.toFixed(0)} ms`)
    console.log(`  monitor run once:   ${monitorMs.toFixed(0)} ms (store persisted)`)
    console.log(`  ratio: ${(monitorMs / baselineMs).toFixed(1)}x the baseline`)
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}

await main()
