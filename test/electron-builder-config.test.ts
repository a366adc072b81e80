import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config'
import type { Configuration } from 'app-builder-lib'
import { DebugLogger } from 'builder-util'
import { beforeAll, describe, expect, it } from 'vitest'
import { APP_USER_MODEL_ID, PRODUCT_NAME } from '../main/desktop/app-identity'

const projectDir = process.cwd()

/** Target names of one platform section, whether it lists strings or `{ target }` objects. */
function targetNames(targets: unknown): string[] {
  const list = Array.isArray(targets) ? targets : [targets]
  return list.map((entry) => (typeof entry === 'string' ? entry : (entry as { target: string }).target))
}

/** Glob patterns of `files`, which electron-builder's loader turns into `[{ filter: [...] }]`. */
function filePatterns(files: Configuration['files']): string[] {
  const list = Array.isArray(files) ? files : [files]
  return list.flatMap((entry) => {
    if (typeof entry === 'string') return [entry]
    const filter = entry?.filter ?? []
    return Array.isArray(filter) ? filter : [filter]
  })
}

describe('electron-builder configuration', () => {
  let config: Configuration

  beforeAll(async () => {
    config = await getConfig(projectDir, null, null)
  })

  it('passes electron-builder validation', async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined()
  })

  it('rejects an unknown option', async () => {
    const invalid = structuredClone(config) as Configuration & { linux: Record<string, unknown> }
    invalid.linux.notAnOption = true

    const validation = validateConfiguration(invalid, new DebugLogger(false))

    await expect(validation).rejects.toThrow(/Invalid configuration object/)
    await expect(validation).rejects.toThrow(/configuration\.linux/)
  })

  it('names the app for every OS', () => {
    expect(config.productName).toBe('PUI Monitor')
    expect(config.appId).toBe('com.pui.monitor')
    expect(config.directories?.output).toBe('dist')
    expect(config.directories?.buildResources).toBe('build')
  })

  it('builds the installers per OS', () => {
    expect(targetNames(config.linux?.target)).toEqual(['AppImage', 'deb'])
    expect(targetNames(config.win?.target)).toEqual(['nsis'])
    expect(targetNames(config.mac?.target)).toEqual(['dmg'])
    expect(config.linux?.maintainer).toMatch(/<[^@\s]+@[^>\s]+>/)
    expect(config.linux?.category).toBe('Development')
  })

  it('packs only build output and resources', () => {
    expect(filePatterns(config.files)).toEqual([
      'package.json',
      'out/**',
      '!out/**/*.map',
      'resources/**',
      '!**/node_modules/**/*.{map,ts,cts,mts}',
    ])
  })

  it('uses the desktop shell app id', () => {
    expect(config.appId).toBe(APP_USER_MODEL_ID)
    expect(config.productName).toBe(PRODUCT_NAME)
  })
})
