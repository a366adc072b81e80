import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_OPTIONS, isSameOrInside, resolveSettings, saveSettings, SettingsError } from '../main/core/settings'
import { makeTempDir } from './helpers/temp-dir'

describe('resolveSettings', () => {
  let root: { path: string; remove: () => Promise<void> }
  let dataDir: string
  let indexDir: string
  let archiveDir: string

  beforeEach(async () => {
    root = await makeTempDir()
    dataDir = join(root.path, 'data')
    indexDir = join(root.path, 'in')
    archiveDir = join(root.path, 'archive')
    await mkdir(indexDir)
  })
  afterEach(() => root.remove())

  async function rejection(promise: Promise<unknown>): Promise<SettingsError> {
    const error = await promise.then(
      () => null,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(SettingsError)
    return error as SettingsError
  }

  it('applies defaults, file, then flags', async () => {
    await mkdir(dataDir)
    await writeFile(join(dataDir, 'settings.json'), JSON.stringify({ concurrency: 2, stabilityWindowMs: 500 }))

    const settings = await resolveSettings({ dataDir, indexDir, archiveDir, stabilityWindowMs: 100 })

    expect(settings.concurrency).toBe(2)
    expect(settings.stabilityWindowMs).toBe(100)
    expect(settings.sweepIntervalMs).toBe(DEFAULT_OPTIONS.sweepIntervalMs)
    expect(settings.indexDir).toBe(indexDir)
  })

  it('creates default folders in the data folder', async () => {
    const settings = await resolveSettings({ dataDir })

    expect(settings.indexDir).toBe(join(dataDir, 'index'))
    expect(settings.archiveDir).toBe(join(dataDir, 'archive'))
  })

  it('resolves file paths against the data folder', async () => {
    await mkdir(join(dataDir, 'drop'), { recursive: true })
    await writeFile(join(dataDir, 'settings.json'), JSON.stringify({ indexDir: 'drop' }))

    const settings = await resolveSettings({ dataDir, archiveDir })

    expect(settings.indexDir).toBe(join(dataDir, 'drop'))
  })

  it('rejects archive inside index', async () => {
    const error = await rejection(resolveSettings({ dataDir, indexDir, archiveDir: join(indexDir, 'done') }))

    expect(error.message).toContain(`archive folder ${join(indexDir, 'done')} is the index folder or inside it`)
  })

  it('rejects archive equal to index', async () => {
    const error = await rejection(resolveSettings({ dataDir, indexDir, archiveDir: indexDir }))

    expect(error.message).toContain('is the index folder or inside it')
  })

  it('rejects index inside archive', async () => {
    const nested = join(archiveDir, 'in')
    await mkdir(nested, { recursive: true })

    const error = await rejection(resolveSettings({ dataDir, indexDir: nested, archiveDir }))

    expect(error.message).toContain(`index folder ${nested} is inside the archive folder`)
  })

  it('rejects a missing index folder', async () => {
    const missing = join(root.path, 'nope')

    const error = await rejection(resolveSettings({ dataDir, indexDir: missing, archiveDir }))

    expect(error.message).toContain(`index folder ${missing} does not exist`)
    expect(error.message).toContain('--index')
  })

  it('rejects an unwritable data folder', async () => {
    const file = join(root.path, 'plain-file')
    await writeFile(file, 'x')

    const error = await rejection(resolveSettings({ dataDir: join(file, 'data'), indexDir, archiveDir }))

    expect(error.message).toContain(`data folder ${join(file, 'data')} cannot be written (ENOTDIR)`)
  })

  it('names the field of an invalid value', async () => {
    const error = await rejection(resolveSettings({ dataDir, indexDir, archiveDir, concurrency: 0 }))

    expect(error.message).toContain('settings: concurrency:')
  })

  it('names the file and key of an unknown setting', async () => {
    await mkdir(dataDir)
    await writeFile(join(dataDir, 'settings.json'), JSON.stringify({ concurency: 2 }))

    const error = await rejection(resolveSettings({ dataDir, indexDir, archiveDir }))

    expect(error.message).toContain(join(dataDir, 'settings.json'))
    expect(error.message).toContain('concurency')
  })

  it('reports invalid JSON in the settings file', async () => {
    await mkdir(dataDir)
    await writeFile(join(dataDir, 'settings.json'), '{ "concurrency": ')

    const error = await rejection(resolveSettings({ dataDir, indexDir, archiveDir }))

    expect(error.message).toContain('is not valid JSON')
  })
})

describe('isSameOrInside', () => {
  it('compares whole path segments', () => {
    expect(isSameOrInside('/srv/in', '/srv/in')).toBe(true)
    expect(isSameOrInside('/srv/in/a', '/srv/in')).toBe(true)
    expect(isSameOrInside('/srv/inbox', '/srv/in')).toBe(false)
    expect(isSameOrInside('/srv', '/srv/in')).toBe(false)
  })
})

describe('saveSettings', () => {
  let root: { path: string; remove: () => Promise<void> }

  beforeEach(async () => {
    root = await makeTempDir()
    await mkdir(join(root.path, 'in'))
  })
  afterEach(() => root.remove())

  it('writes changed keys to the file', async () => {
    const current = await resolveSettings({ dataDir: join(root.path, 'data'), indexDir: join(root.path, 'in'), archiveDir: join(root.path, 'arch') })

    const next = await saveSettings(current, { concurrency: 7 })
    const reloaded = await resolveSettings({ dataDir: current.dataDir, indexDir: current.indexDir, archiveDir: current.archiveDir })

    expect(next.concurrency).toBe(7)
    expect(reloaded.concurrency).toBe(7)
  })

  it('rejects an archive inside the index', async () => {
    const current = await resolveSettings({ dataDir: join(root.path, 'data'), indexDir: join(root.path, 'in'), archiveDir: join(root.path, 'arch') })

    const error = await saveSettings(current, { archiveDir: join(root.path, 'in', 'arch') }).catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(SettingsError)
    expect((error as SettingsError).message).toContain('is the index folder or inside it')
    expect(readFileSync(join(current.dataDir, 'settings.json'), { encoding: 'utf8', flag: 'a+' })).not.toContain('arch')
  })
})
