import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeTempDir } from './helpers/temp-dir'

const run = promisify(execFile)

describe('test:electron script', () => {
  let emptyDist: { path: string; remove: () => Promise<void> }

  beforeEach(async () => {
    emptyDist = await makeTempDir('pui-no-electron-')
  })

  afterEach(async () => {
    await emptyDist.remove()
  })

  it('fails without the Electron binary', async () => {
    // An empty distribution folder makes the binary missing, even on a machine where Electron is installed.
    const env = { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: emptyDist.path }

    const result = await run(process.execPath, ['scripts/test-electron.mjs'], { env }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: error.code ?? -1,
        stdout: error.stdout ?? '',
        stderr: error.stderr ?? '',
      }),
    )

    expect(result.code).toBe(1)
    expect(result.stderr).toContain("Electron's binary is not installed")
    expect(result.stderr).toContain('unset ELECTRON_SKIP_BINARY_DOWNLOAD')
    expect(result.stderr).toContain('node node_modules/electron/install.js')
    expect(result.stdout).toBe('')
  })
})
