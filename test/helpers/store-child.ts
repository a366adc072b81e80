// A second process for the job store and lock tests. Prints one JSON line per event on stdout.
//   hold <dataDir>   opens the store and waits until killed
//   lock <dataDir>   takes the data-folder lock (or reports why not) and waits until killed; with a third
//                    argument, it reports 'ready' and waits for that file to exist first, so racers start together
//   churn <dataDir>  opens the store and updates one job in a loop, printing each saved record count
//   open <dataDir>   reports 'ready', opens the store (migrating a jobs.json of schema 1), reports 'opened' and waits
import { existsSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import { acquireDataFolderLock } from '../../main/core/data-folder-lock'
import { JobStore } from '../../main/core/job-store'
import { StoreError } from '../../main/core/store-error'

const [mode, dataDir, startFile] = process.argv.slice(2)

function report(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ pid: process.pid, ...event })}\n`)
}

function waitForever(): void {
  setInterval(() => undefined, 60_000)
}

async function main(): Promise<void> {
  if (dataDir === undefined) {
    throw new Error('usage: store-child.ts hold|lock|churn|open <dataDir>')
  }

  if (mode === 'hold') {
    await JobStore.open(dataDir)
    report({ event: 'opened' })
    waitForever()
    return
  }

  if (mode === 'lock') {
    if (startFile !== undefined) {
      report({ event: 'ready' })
      while (!existsSync(startFile)) {
        await delay(1)
      }
    }
    try {
      await acquireDataFolderLock(dataDir)
      report({ event: 'acquired' })
    } catch (error) {
      report({ event: 'rejected', code: error instanceof StoreError ? error.code : null, message: String(error) })
    }
    waitForever()
    return
  }

  if (mode === 'open') {
    report({ event: 'ready' })
    await JobStore.open(dataDir)
    report({ event: 'opened' })
    waitForever()
    return
  }

  if (mode === 'churn') {
    const store = await JobStore.open(dataDir)
    const job =
      store.all()[0] ??
      (await store.create({
        fileName: 'acme_stmt_20261130_1.txt',
        sourcePath: `${dataDir}/index/acme_stmt_20261130_1.txt`,
        detectedSize: 10,
        detectedMtimeMs: 1,
        detectedAt: new Date().toISOString(),
        backupCallback: 'archive',
        archivalStatus: 'PENDING',
      }))
    for (let records = job.counts.records + 1; ; records += 1) {
      await store.updateProcessing(job.id, { counts: { records, accepted: records, rejected: 0, pages: records } })
      await store.appendLog(job.id, `saved ${records}`)
      report({ event: 'saved', records })
    }
  }

  throw new Error(`store-child.ts: unknown mode ${mode}`)
}

main().catch((error: unknown) => {
  report({ event: 'error', message: String(error) })
  process.exit(1)
})
