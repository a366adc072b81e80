import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { writeIndexFile } from './helpers/index-files'
import { makeTempDir } from './helpers/temp-dir'

interface StartResult {
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
}

describe('npm start script', () => {
  let root: { path: string; remove: () => Promise<void> }
  let dataDir: string

  beforeEach(async () => {
    root = await makeTempDir('pui-start-')
    dataDir = join(root.path, 'data')
    await mkdir(join(dataDir, 'index'), { recursive: true })
  })
  afterEach(() => root.remove())

  async function readLog(): Promise<string> {
    return readFile(join(dataDir, 'logs', 'main.log'), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return ''
      throw error
    })
  }

  it('stops serve cleanly on Ctrl+C', async () => {
    // Large files keep jobs running through the stop, so the second SIGINT below arrives before the stop ends.
    const records = 100_000
    for (let file = 1; file <= 8; file += 1) {
      await writeIndexFile(join(dataDir, 'index'), `acme_stmt_20261130_${file}.txt`, records, [], file * records)
    }
    // A missing Electron binary makes the script start serve mode. Detached gives the pair its own process group, as
    // a terminal gives a foreground command. Without a terminal on stdin, the script also forwards SIGINT.
    const child = spawn(process.execPath, ['scripts/start.mjs', '--port', '0', '--stability-ms', '50'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PUI_MONITOR_DATA: dataDir, ELECTRON_OVERRIDE_DIST_PATH: join(root.path, 'no-electron') },
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exit = new Promise<StartResult>((resolveExit, reject) => {
      child.on('error', reject)
      child.on('close', (code, signal) => resolveExit({ code, signal, stderr }))
    })
    const url = await new Promise<string | null>((resolveLine) => {
      let stdout = ''
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        if (stdout.includes('\n')) resolveLine(stdout.slice(0, stdout.indexOf('\n')))
      })
      void exit.then(() => resolveLine(null))
    })
    expect(url, `serve exited before printing its URL:\n${stderr}`).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/)
    while (!(await readLog()).includes(': processing ')) await new Promise((resolve) => setTimeout(resolve, 20))

    process.kill(-child.pid!, 'SIGINT')
    while (!stderr.includes('SIGINT: stopping the server')) await new Promise((resolve) => setTimeout(resolve, 5))
    // A second Ctrl+C, as a wrapper that forwards the signal delivers it, must not cut the stop short.
    process.kill(-child.pid!, 'SIGINT')
    const result = await exit

    expect(result.stderr).toContain('SIGINT: stopping the server, letting running jobs finish')
    expect(result.stderr).toContain('SIGINT: already stopping; waiting for running jobs to finish')
    expect(result.signal).toBeNull()
    expect(result.code).toBe(0)
    expect(existsSync(join(dataDir, 'pui-monitor.lock'))).toBe(false)
    expect(await readLog()).toContain('monitor: stopped')
  })
})
