import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { makeTempDir } from './helpers/temp-dir'

const run = promisify(execFile)
const SCRIPT = 'scripts/electronegativity.mjs'

/** A main process whose window runs without context isolation and sandbox, which the scan must reject. */
const UNSAFE_MAIN = `const { BrowserWindow } = require('electron')
const window = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false } })
window.loadFile('index.html')
`

interface ScanResult {
  code: number
  stdout: string
  stderr: string
}

async function scan(args: string[]): Promise<ScanResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT, ...args], { maxBuffer: 16 * 1024 * 1024 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string }
    return { code: failure.code ?? -1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' }
  }
}

describe('electronegativity scan', () => {
  let temp: { path: string; remove: () => Promise<void> }
  let appDir: string
  let allowListPath: string

  beforeEach(async () => {
    temp = await makeTempDir('pui-electronegativity-test-')
    appDir = join(temp.path, 'app')
    allowListPath = join(temp.path, 'allow-list.json')
    await mkdir(join(appDir, 'main'), { recursive: true })
    await writeFile(join(appDir, 'main', 'index.cjs'), UNSAFE_MAIN)
  })

  afterEach(async () => {
    await temp.remove()
  })

  it('passes on the built app', async () => {
    const result = await scan([])

    expect(result.stderr + result.stdout).not.toContain('FAILED')
    expect(result.stdout).toMatch(/no HIGH or MEDIUM finding without an allow-list reason/)
    expect(result.code).toBe(0)
  }, 180_000)

  it('fails on an unisolated window', async () => {
    await writeFile(allowListPath, '[]')

    const result = await scan(['--input', appDir, '--allow-list', allowListPath])

    expect(result.stdout).toMatch(/FAILED\s+HIGH\s+CONTEXT_ISOLATION_JS_CHECK\s+main\/index\.cjs:2:/)
    expect(result.stdout).toMatch(/FAILED\s+MEDIUM\s+SANDBOX_JS_CHECK\s+main\/index\.cjs:2:/)
    expect(result.stderr).toContain('without an allow-list reason')
    expect(result.code).toBe(1)
  }, 60_000)

  it('accepts findings with a reason', async () => {
    await writeFile(allowListPath, '[]')
    const firstScan = await scan(['--input', appDir, '--allow-list', allowListPath])
    const failed = [...firstScan.stdout.matchAll(/^FAILED\s+\S+\s+(\S+)\s+(whole app|[^\s:]+)/gm)]
    expect(failed.length).toBeGreaterThan(1)
    const entries = failed.map(([, check, where]) => ({
      check,
      file: where === 'whole app' ? 'N/A' : where,
      reason: `Test fixture: ${check} is expected in this deliberately unsafe window.`,
    }))
    const stale = { check: 'OPEN_EXTERNAL_JS_CHECK', file: 'main/gone.js', reason: 'Test fixture: an entry that matches no finding.' }
    await writeFile(allowListPath, JSON.stringify([...entries, stale]))

    const result = await scan(['--input', appDir, '--allow-list', allowListPath])

    expect(result.stdout).not.toContain('FAILED')
    expect(result.stdout).toContain('unused allow-list entry: OPEN_EXTERNAL_JS_CHECK in main/gone.js')
    expect(result.stdout).toContain('reason: Test fixture: CONTEXT_ISOLATION_JS_CHECK is expected')
    expect(result.code).toBe(0)
  }, 60_000)

  it('rejects an entry without reason', async () => {
    await writeFile(allowListPath, JSON.stringify([{ check: 'CONTEXT_ISOLATION_JS_CHECK', file: 'main/index.cjs' }]))

    const result = await scan(['--input', appDir, '--allow-list', allowListPath])

    expect(result.stderr).toMatch(/allow-list .*allow-list\.json is invalid \(entry 0\.reason/)
    expect(result.code).toBe(1)
  }, 60_000)

  it('reports a missing input folder', async () => {
    const missing = join(temp.path, 'not-built')

    const result = await scan(['--input', missing, '--allow-list', allowListPath])

    expect(result.stderr).toContain(`${missing} not found: run "npm run build" first`)
    expect(result.code).toBe(1)
  })
})
