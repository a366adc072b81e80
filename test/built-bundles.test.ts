import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { IPC_CHANNELS, PUI_API_METHODS } from '../shared/ipc-channels'
import { APP_USER_MODEL_ID } from '../main/desktop/app-identity'

const run = promisify(execFile)
const register = 'test/helpers/electron-stub/register.mjs'

interface StubCall {
  name: string
  args: unknown[]
}

function stubCalls(stdout: string): StubCall[] {
  const line = stdout.split('\n').find((text) => text.startsWith('ELECTRON_STUB_CALLS '))
  if (!line) throw new Error(`the bundle exited before the electron stub recorded anything; output:\n${stdout}`)
  return JSON.parse(line.slice('ELECTRON_STUB_CALLS '.length)) as StubCall[]
}

describe('built bundles', () => {
  let root: string

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'pui-bundles-'))
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('exist after the build', () => {
    for (const path of ['out/main/index.js', 'out/main/cli.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
      expect(existsSync(path), `${path} is missing: "npm test" builds first; run "npm run build"`).toBe(true)
    }
  })

  it('load the main bundle under Node', async () => {
    const userData = join(root, 'user-data')
    const documents = join(root, 'documents')
    const env = { ...process.env, ELECTRON_STUB_USER_DATA: userData, ELECTRON_STUB_DOCUMENTS: documents, ELECTRON_STUB_EXIT_MS: '1500' }

    const { stdout } = await run(process.execPath, ['--import', `./${register}`, 'out/main/index.js'], { env })
    const calls = stubCalls(stdout)

    expect(calls.find((call) => call.name === 'app.exit'), JSON.stringify(calls)).toBeUndefined()
    expect(calls[0]).toEqual({ name: 'app.setAppUserModelId', args: [APP_USER_MODEL_ID] })
    const window = calls.find((call) => call.name === 'BrowserWindow')
    expect(window?.args[0]).toMatchObject({
      webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, devTools: true },
    })
    expect(calls.some((call) => call.name === 'loadFile')).toBe(true)
    expect(calls.some((call) => call.name === 'Tray')).toBe(true)
    expect(calls.some((call) => call.name === 'session.setPermissionRequestHandler')).toBe(true)
    const settings = JSON.parse(await readFile(join(userData, 'settings.json'), 'utf8')) as Record<string, string>
    expect(settings.indexDir).toBe(join(documents, 'PUI Monitor', 'index'))
    expect(settings.archiveDir).toBe(join(documents, 'PUI Monitor', 'archive'))
    expect(existsSync(join(userData, 'logs', 'main.log'))).toBe(true)
  })

  it('register a handler per API method', async () => {
    const env = { ...process.env, ELECTRON_STUB_USER_DATA: join(root, 'data'), ELECTRON_STUB_DOCUMENTS: join(root, 'documents') }

    const { stdout } = await run(process.execPath, ['--import', `./${register}`, 'out/main/index.js'], { env })
    const handled = stubCalls(stdout)
      .filter((call) => call.name === 'ipcMain.handle')
      .map((call) => call.args[0])

    for (const method of PUI_API_METHODS) {
      if (method === 'subscribe') continue
      expect(handled, `no IPC handler for ${method}`).toContain(IPC_CHANNELS[method])
    }
    expect(handled).toHaveLength(PUI_API_METHODS.length - 1)
  })

  it('load the preload as CommonJS', async () => {
    const script = `require(${JSON.stringify(process.cwd() + '/out/preload/index.cjs')})`
    const { stdout } = await run(process.execPath, ['--import', `./${register}`, '-e', script])
    const calls = stubCalls(stdout)

    expect(calls).toContainEqual({ name: 'exposeInMainWorld', args: ['pui', [...PUI_API_METHODS]] })
  })

  it('bind every method in the preload', async () => {
    const calls = PUI_API_METHODS.filter((method) => method !== 'subscribe')
      .map((method) => `bridge.${method}('argument-of-${method}')`)
      .join(', ')
    const script = [
      `require(${JSON.stringify(process.cwd() + '/out/preload/index.cjs')})`,
      'const bridge = globalThis.__electronStubExposed.pui',
      `Promise.all([${calls}]).then((replies) => console.log('REPLIES ' + JSON.stringify(replies)))`,
      'bridge.subscribe(() => undefined)()',
    ].join('\n')

    const { stdout } = await run(process.execPath, ['--import', `./${register}`, '-e', script])
    const recorded = stubCalls(stdout)

    for (const method of PUI_API_METHODS) {
      if (method === 'subscribe') continue
      expect(recorded, `preload binding of ${method}`).toContainEqual({ name: 'ipcRenderer.invoke', args: [IPC_CHANNELS[method], `argument-of-${method}`] })
    }
    expect(recorded).toContainEqual({ name: 'ipcRenderer.on', args: ['pui:event'] })
    expect(recorded).toContainEqual({ name: 'ipcRenderer.removeListener', args: ['pui:event'] })
    expect(stdout).toContain(`REPLIES ${JSON.stringify(calls.split(', ').map(() => ({ ok: true, value: null })))}`)
  })

  it('require only electron in the preload', async () => {
    const source = await readFile('out/preload/index.cjs', 'utf8')

    const required = [...source.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((match) => match[1])

    expect(required).toEqual(['electron'])
  })

  it('load the command line with its ESM-only packages', async () => {
    const { stdout } = await run(process.execPath, ['out/main/cli.js', '--help'])

    expect(stdout).toContain('Usage: pui-monitor')
    expect(stdout).toContain('simulate')
  })
})
