import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

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
  it('exist after the build', () => {
    for (const path of ['out/main/index.js', 'out/main/cli.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
      expect(existsSync(path), `${path} is missing: "npm test" builds first; run "npm run build"`).toBe(true)
    }
  })

  it('load the main bundle under Node', async () => {
    const { stdout } = await run(process.execPath, ['--import', `./${register}`, 'out/main/index.js'])
    const calls = stubCalls(stdout)

    const window = calls.find((call) => call.name === 'BrowserWindow')
    expect(window?.args[0]).toMatchObject({
      webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true },
    })
    expect(calls.some((call) => call.name === 'loadFile')).toBe(true)
  })

  it('load the preload as CommonJS', async () => {
    const script = `require(${JSON.stringify(process.cwd() + '/out/preload/index.cjs')})`
    const { stdout } = await run(process.execPath, ['--import', `./${register}`, '-e', script])
    const calls = stubCalls(stdout)

    expect(calls).toContainEqual({ name: 'exposeInMainWorld', args: ['pui', expect.any(Array)] })
  })

  it('load the command line with its ESM-only packages', async () => {
    const { stdout } = await run(process.execPath, ['out/main/cli.js', '--help'])

    expect(stdout).toContain('Usage: pui-monitor')
    expect(stdout).toContain('simulate')
  })
})
