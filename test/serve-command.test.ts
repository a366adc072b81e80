import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, cp, mkdir, readFile, symlink } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { MonitorStatus } from '../shared/api'
import { CLI_BIN, runCli } from './helpers/cli'
import { makeTempDir } from './helpers/temp-dir'

interface ServeProcess {
  child: ChildProcessWithoutNullStreams
  /** The first line of standard output (the URL with the token), or null when the command exits before printing it. */
  firstLine: Promise<string | null>
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>
}

function startServe(args: string[], cwd = process.cwd(), bin = CLI_BIN): ServeProcess {
  const child = spawn(process.execPath, [bin, 'serve', ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolveExit, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolveExit({ code, signal, stdout, stderr }))
  })
  const firstLine = new Promise<string | null>((resolveLine) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const newline = stdout.indexOf('\n')
      if (newline >= 0) resolveLine(stdout.slice(0, newline))
    })
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    void exit.then(() => resolveLine(null))
  })
  return { child, firstLine, exit }
}

/** Waits for the URL that `serve` prints first, or throws with its standard error when it exits instead. */
async function urlOf(serve: ServeProcess): Promise<URL> {
  const line = await serve.firstLine
  if (line === null) {
    const result = await serve.exit
    throw new Error(`serve exited with ${result.code} before printing its URL; stderr:\n${result.stderr}`)
  }
  return new URL(line)
}

describe('pui-monitor serve', () => {
  let temp: { path: string; remove: () => Promise<void> }
  let running: ServeProcess | null
  let occupant: Server | null

  beforeAll(() => {
    for (const built of ['out/main/cli.js', 'out/renderer/index.html']) {
      if (!existsSync(built)) throw new Error(`${built} is missing: run "npx electron-vite build" before this test`)
    }
  })
  beforeEach(async () => {
    temp = await makeTempDir('pui-serve-')
    running = null
    occupant = null
  })
  afterEach(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGKILL')
      await running.exit
    }
    if (occupant) await new Promise((resolveClose) => occupant!.close(resolveClose))
    await temp.remove()
  })

  it('serves the renderer and the API', async () => {
    running = startServe(['--port', '0', '--data', join(temp.path, 'data'), '--stability-ms', '100'])
    const url = await urlOf(running)
    const token = url.searchParams.get('token')

    expect(url.hostname).toBe('127.0.0.1')
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/)
    const page = await fetch(new URL('/', url))
    expect(page.status).toBe(200)
    expect(await page.text()).toBe(await readFile('out/renderer/index.html', 'utf8'))

    const status = await fetch(new URL('/api/status', url), { headers: { Authorization: `Bearer ${token}` } })
    expect(status.status).toBe(200)
    expect((await status.json()) as MonitorStatus).toEqual({
      paused: false,
      indexDir: join(temp.path, 'data', 'index'),
      archiveDir: join(temp.path, 'data', 'archive'),
      indexFolderProblem: null,
      desktop: false,
    })
    const withoutToken = await fetch(new URL('/api/status', url))
    expect(withoutToken.status).toBe(401)

    running.child.kill('SIGTERM')
    const result = await running.exit
    expect(result.code).toBe(0)
    expect(result.stderr).toContain(`PUI Monitor is serving on ${url.href}`)
    expect(result.stderr).toContain('open that URL in a browser; press Ctrl+C to stop')
    expect(result.stdout).toBe(`${url.href}\n`)
  })

  it('stops on SIGINT', async () => {
    running = startServe(['--port', '0', '--data', join(temp.path, 'data')])
    await urlOf(running)

    running.child.kill('SIGINT')
    const result = await running.exit

    expect(result.code).toBe(0)
    expect(result.stderr).toContain('SIGINT: stopping the server')
  })

  it('names a port in use', async () => {
    occupant = createServer()
    await new Promise<void>((resolveListen) => occupant!.listen(0, '127.0.0.1', resolveListen))
    const port = (occupant.address() as AddressInfo).port

    const result = await runCli(['serve', '--port', String(port), '--data', join(temp.path, 'data')])

    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`port ${port} is in use`)
    expect(result.stderr).toContain('--port')
    expect(result.stdout).toBe('')
  })

  it('needs --allow-remote for other hosts', async () => {
    const result = await runCli(['serve', '--port', '0', '--host', '0.0.0.0', '--data', join(temp.path, 'data')])

    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--host 0.0.0.0 is not a loopback address')
    expect(result.stderr).toContain('--allow-remote')
  })

  it('warns when remote is allowed', async () => {
    running = startServe(['--port', '0', '--host', '0.0.0.0', '--allow-remote', '--data', join(temp.path, 'data')])
    const url = await urlOf(running)
    const status = await fetch(new URL('/api/status', url), { headers: { Authorization: `Bearer ${url.searchParams.get('token')}` } })
    expect(status.status).toBe(200)

    running.child.kill('SIGTERM')
    const result = await running.exit
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('warning: serving on 0.0.0.0 with --allow-remote')
  })

  it('rejects an invalid port', async () => {
    const result = await runCli(['serve', '--port', '70000', '--data', join(temp.path, 'data')])

    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--port expects a port from 0 to 65535, got "70000"')
  })

  it('asks for a build without the renderer', async () => {
    // A copy of the command line without out/renderer beside it, so the project's own build stays untouched.
    const project = join(temp.path, 'project')
    await mkdir(join(project, 'bin'), { recursive: true })
    // The command line shares chunks with the desktop entry, so the whole main build is copied.
    await cp('out/main', join(project, 'out', 'main'), { recursive: true })
    await copyFile(CLI_BIN, join(project, 'bin', 'pui-monitor.js'))
    await copyFile('package.json', join(project, 'package.json'))
    await symlink(resolve('node_modules'), join(project, 'node_modules'))

    running = startServe(['--port', '0', '--data', join(temp.path, 'data')], project, 'bin/pui-monitor.js')
    const result = await running.exit

    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`${join(project, 'out', 'renderer', 'index.html')} is missing`)
    expect(result.stderr).toContain('run "npm run build" first')
    expect(result.stdout).toBe('')
  })
})
