import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'

const script = fileURLToPath(new URL('./store-child.ts', import.meta.url))

/** One JSON line printed by store-child.ts. */
export interface ChildEvent {
  pid: number
  event: 'opened' | 'ready' | 'acquired' | 'rejected' | 'saved' | 'error'
  [key: string]: unknown
}

/** A running store-child.ts process whose events can be awaited in order. */
export interface StoreChild {
  process: ChildProcess
  pid: number
  /** Resolves with the next event that matches, rejecting if the process exits first. */
  waitFor(match: (event: ChildEvent) => boolean): Promise<ChildEvent>
  /** Sends SIGKILL and resolves once the process has exited and been reaped. */
  kill(): Promise<void>
}

/** Starts test/helpers/store-child.ts under tsx in `mode` on `dataDir`, passing `startFile` on when given. */
export function spawnStoreChild(mode: 'hold' | 'lock' | 'churn' | 'open', dataDir: string, startFile?: string): StoreChild {
  const args = ['--import', 'tsx', script, mode, dataDir, ...(startFile === undefined ? [] : [startFile])]
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const events: ChildEvent[] = []
  const waiters: (() => void)[] = []
  let stderr = ''
  let exited = false

  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  createInterface({ input: child.stdout! }).on('line', (line) => {
    events.push(JSON.parse(line) as ChildEvent)
    waiters.splice(0).forEach((wake) => wake())
  })
  child.on('close', () => {
    exited = true
    waiters.splice(0).forEach((wake) => wake())
  })

  async function waitFor(match: (event: ChildEvent) => boolean): Promise<ChildEvent> {
    for (;;) {
      const index = events.findIndex(match)
      if (index >= 0) {
        return events.splice(0, index + 1)[index]!
      }
      if (exited) {
        throw new Error(`store child (${mode}) exited before the expected event; stderr: ${stderr}`)
      }
      await new Promise<void>((wake) => waiters.push(wake))
    }
  }

  async function kill(): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) {
      return
    }
    const exit = once(child, 'exit')
    child.kill('SIGKILL')
    await exit
  }

  return { process: child, pid: child.pid!, waitFor, kill }
}
