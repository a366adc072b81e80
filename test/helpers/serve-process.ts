import { spawn, type ChildProcess } from 'node:child_process'
import { CLI_BIN } from './cli'

export interface ServeProcess {
  url: string
  origin: string
  token: string
  child: ChildProcess
  stderr(): string
  stop(): Promise<void>
}

/** Starts `pui-monitor serve` on a free port and resolves with the URL it prints on its first stdout line. */
export function startServe(args: string[]): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => reject(new Error(`serve exited with ${code} before printing its URL: ${stderr}`)))
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const line = stdout.split('\n')[0]
      if (!stdout.includes('\n') || !line) return
      const url = new URL(line)
      resolve({
        url: line,
        origin: url.origin,
        token: url.searchParams.get('token') ?? '',
        child,
        stderr: () => stderr,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done()
            child.once('close', () => done())
            child.kill('SIGTERM')
          }),
      })
    })
  })
}
