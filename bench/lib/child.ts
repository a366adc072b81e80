import { spawn } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { READY_LINE, RESULT_PREFIX, type ChildRequest, type ChildResult } from './child-protocol'

const CHILD_SCRIPT = 'bench/lib/monitor-child.ts'
/** How often the parent samples the child's open file descriptors and peak RSS from /proc, in milliseconds. */
const SAMPLE_INTERVAL_MS = 20

/** A child's result with what the parent saw of it from /proc. */
export interface ChildRun {
  result: ChildResult
  /** Largest number of entries seen in /proc/<pid>/fd: files, sockets, pipes and watches the child held. */
  peakOpenFiles: number
}

/** Reads the number of open file descriptors of `pid`, or null once the process is gone. */
async function openFileCount(pid: number): Promise<number | null> {
  try {
    return (await readdir(`/proc/${pid}/fd`)).length
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ESRCH') return null
    throw new Error(`bench: cannot list /proc/${pid}/fd (${code}): the benchmark needs Linux's /proc`, { cause: error })
  }
}

/**
 * Runs `bench/lib/monitor-child.ts` with `request` and samples its open files every 20 ms. `onReady` runs when the
 * child prints its ready line (watch mode). Rejects with the child's standard error when it fails.
 */
export function runChild(request: ChildRequest, onReady?: () => Promise<void>): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD_SCRIPT, JSON.stringify(request)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let peakOpenFiles = 0
    let failure: Error | null = null

    const sampler = setInterval(() => {
      if (child.pid === undefined) return
      openFileCount(child.pid).then(
        (open) => {
          if (open !== null) peakOpenFiles = Math.max(peakOpenFiles, open)
        },
        (error: Error) => {
          failure ??= error
        },
      )
    }, SAMPLE_INTERVAL_MS)

    child.stdout.on('data', (chunk: Buffer) => {
      const before = stdout
      stdout += chunk.toString()
      if (onReady && !before.includes(READY_LINE) && stdout.includes(READY_LINE)) {
        onReady().catch((error: Error) => {
          failure ??= error
          child.kill('SIGTERM')
        })
      }
    })
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', (error) => {
      clearInterval(sampler)
      reject(error)
    })
    child.on('close', (code) => {
      clearInterval(sampler)
      if (failure) return reject(failure)
      const line = stdout.split('\n').find((candidate) => candidate.startsWith(RESULT_PREFIX))
      if (code !== 0 || line === undefined) {
        return reject(new Error(`bench: the ${request.mode} child exited with code ${code} and no result: ${stderr.trim() || '(no output)'}`))
      }
      resolve({ result: JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildResult, peakOpenFiles })
    })
  })
}

/**
 * Returns the JSON files of the data folder that a start-up loads: every `.json` file except settings, job types,
 * last-good copies and the day files that retention moved to `retired/`.
 */
export async function storeFilesOf(dataDir: string): Promise<string[]> {
  const entries = await readdir(dataDir, { recursive: true, withFileTypes: true })
  const retired = join(dataDir, 'retired')
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .filter((entry) => !['settings.json', 'job-types.json'].includes(entry.name) && !entry.name.includes('last-good'))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !path.startsWith(`${retired}/`))
    .sort()
}

