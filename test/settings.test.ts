import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Settings } from '../shared/schemas'
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

  it('rejects data folder as index or archive', async () => {
    await mkdir(dataDir)
    const cases: Array<[Partial<Settings>, string]> = [
      [
        { indexDir: dataDir, archiveDir },
        `settings: index folder ${dataDir} is the data folder ${dataDir}, which contains the job store, the settings and the logs: choose an index folder outside the data folder (--index on the command line)`,
      ],
      [
        { indexDir: root.path, archiveDir },
        `settings: index folder ${root.path} contains the data folder ${dataDir}: choose an index folder outside the data folder (--index on the command line)`,
      ],
      [
        { indexDir, archiveDir: dataDir },
        `settings: archive folder ${dataDir} is the data folder ${dataDir}, which contains the job store, the settings and the logs: choose an archive folder outside the data folder (--archive on the command line)`,
      ],
      [
        { indexDir, archiveDir: root.path },
        `settings: archive folder ${root.path} contains the data folder ${dataDir}: choose an archive folder outside the data folder (--archive on the command line)`,
      ],
      [
        { indexDir, archiveDir: join(dataDir, 'retired', 'x') },
        `settings: archive folder ${join(dataDir, 'retired', 'x')} is inside the data folder's own ${join(dataDir, 'retired')}, which the app writes: choose an archive folder outside the data folder (--archive on the command line)`,
      ],
    ]

    for (const [overrides, expected] of cases) {
      const error = await rejection(resolveSettings({ dataDir, ...overrides }))

      expect(error.message.split('\n')).toContain(expected)
    }
    expect(existsSync(join(dataDir, 'settings.json'))).toBe(false)
  })

  it('compares data folder by real path', async () => {
    await mkdir(dataDir)
    const link = join(root.path, 'data-link')
    await symlink(dataDir, link)

    const error = await rejection(resolveSettings({ dataDir, indexDir: link, archiveDir }))

    expect(error.message).toContain(`settings: index folder ${link} is the data folder ${dataDir}`)
  })

  it('accepts other folders inside data', async () => {
    await mkdir(join(dataDir, 'drop'), { recursive: true })

    const settings = await resolveSettings({ dataDir, indexDir: join(dataDir, 'drop'), archiveDir: join(dataDir, 'kept') })

    expect(settings.indexDir).toBe(join(dataDir, 'drop'))
    expect(settings.archiveDir).toBe(join(dataDir, 'kept'))
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

  it('accepts settings file with BOM', async () => {
    await mkdir(dataDir)
    const json = Buffer.from(JSON.stringify({ concurrency: 3 }))
    await writeFile(join(dataDir, 'settings.json'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json]))

    const settings = await resolveSettings({ dataDir, indexDir, archiveDir })

    expect(settings.concurrency).toBe(3)
  })

  it('rejects min delay above max', async () => {
    const overrides = { dataDir, indexDir, archiveDir, backupRetryMinDelayMs: 20_000, backupRetryMaxDelayMs: 10_000 }

    const error = await rejection(resolveSettings(overrides))

    expect(error.problems).toEqual([
      'settings: backupRetryMinDelayMs (--retry-min-delay-ms) is 20000 ms but backupRetryMaxDelayMs ' +
        '(--retry-max-delay-ms) is 10000 ms, and the first retry delay cannot be longer than the maximum: ' +
        'lower --retry-min-delay-ms or raise --retry-max-delay-ms',
    ])
  })

  it('accepts equal min and max delay', async () => {
    const overrides = { dataDir, indexDir, archiveDir, backupRetryMinDelayMs: 5_000, backupRetryMaxDelayMs: 5_000 }

    const settings = await resolveSettings(overrides)

    expect(settings.backupRetryMinDelayMs).toBe(5_000)
    expect(settings.backupRetryMaxDelayMs).toBe(5_000)
  })

  it('rejects data folder that is a file', async () => {
    const file = join(root.path, 'plain-file')
    await writeFile(file, 'x')

    const error = await rejection(resolveSettings({ dataDir: file, indexDir, archiveDir }))

    expect(error.problems).toEqual([`settings: data folder ${file} is a file, not a folder: choose a folder with --data`])
    expect(await readFile(file, 'utf8')).toBe('x')
  })

  it('fails under /proc instead of hanging', async () => {
    if (!existsSync('/proc/self')) throw new Error('test: /proc is not mounted, so no folder rejects mkdir')
    const missing = join('/proc', `pui-settings-${process.pid}`, 'data')

    const error = await rejection(resolveSettings({ dataDir: missing, indexDir, archiveDir }))

    expect(error.problems).toEqual([
      `settings: data folder ${missing} cannot be written (ENOENT): choose another with --data or fix its permissions`,
    ])
    expect(existsSync(missing)).toBe(false)
  })

  it('reports settings file that is a folder', async () => {
    const path = join(dataDir, 'settings.json')
    await mkdir(path, { recursive: true })

    const error = await rejection(resolveSettings({ dataDir, indexDir, archiveDir }))

    expect(error.problems).toEqual([`settings: ${path} is a folder, not a file: move or remove that folder, then start again`])
  })

  it('names the range of numbers', async () => {
    const cases: [Partial<Settings>, string][] = [
      [{ concurrency: 99_999 }, 'concurrency: must be a whole number from 1 to 64, got 99999'],
      [{ concurrency: 0.5 }, 'concurrency: must be a whole number from 1 to 64, got 0.5'],
      [{ backupRetries: -1 }, 'backupRetries: must be a whole number from 0 to 20, got -1'],
      [{ pollIntervalMs: 10 }, 'pollIntervalMs: must be a whole number of milliseconds from 50 to 600000, got 10'],
    ]

    for (const [override, message] of cases) {
      const error = await rejection(resolveSettings({ dataDir, indexDir, archiveDir, ...override }))
      expect(error.problems).toEqual([`settings: ${message}`])
    }
  })

  it('names the range in the settings file', async () => {
    await mkdir(dataDir)
    const path = join(dataDir, 'settings.json')
    await writeFile(path, JSON.stringify({ backupRetries: 'three', stabilityWindowMs: 4_000_000 }))

    const error = await rejection(resolveSettings({ dataDir, indexDir, archiveDir }))

    expect(error.problems.sort()).toEqual([
      `settings: ${path}: backupRetries: must be a whole number from 0 to 20, got "three"`,
      `settings: ${path}: stabilityWindowMs: must be a whole number of milliseconds from 0 to 3600000, got 4000000`,
    ])
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

  it('rejects min delay above max', async () => {
    const current = await resolveSettings({ dataDir: join(root.path, 'data'), indexDir: join(root.path, 'in'), archiveDir: join(root.path, 'arch') })

    const error = await saveSettings(current, { backupRetryMinDelayMs: 60_000 }).catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(SettingsError)
    expect((error as SettingsError).message).toContain('backupRetryMinDelayMs (--retry-min-delay-ms) is 60000 ms')
    expect((error as SettingsError).message).toContain(`backupRetryMaxDelayMs (--retry-max-delay-ms) is ${DEFAULT_OPTIONS.backupRetryMaxDelayMs} ms`)
    expect(existsSync(join(current.dataDir, 'settings.json'))).toBe(false)
  })

  it('rejects folder paths no system opens', async () => {
    const current = await resolveSettings({ dataDir: join(root.path, 'data'), indexDir: join(root.path, 'in'), archiveDir: join(root.path, 'arch') })
    const cases: Array<[Partial<Settings>, string]> = [
      [{ indexDir: join(root.path, 'in\u0000x') }, 'index folder'],
      [{ archiveDir: join(root.path, 'a\u0000') }, 'contains a NUL byte, which no path can contain'],
      [{ archiveDir: join(root.path, 'x'.repeat(256)) }, 'bytes for one folder name): choose a shorter archive folder (--archive'],
      [{ archiveDir: join(root.path, ...Array.from({ length: 20 }, () => 'y'.repeat(250))) }, 'is longer than file systems allow (4096 bytes'],
    ]

    for (const [patch, expected] of cases) {
      const error = await saveSettings(current, patch).catch((caught: unknown) => caught)

      expect(error, JSON.stringify(patch).slice(0, 80)).toBeInstanceOf(SettingsError)
      expect((error as SettingsError).message).toContain(expected)
    }
    expect(existsSync(join(current.dataDir, 'settings.json'))).toBe(false)
  })

  it('rejects an archive inside the index', async () => {
    const current = await resolveSettings({ dataDir: join(root.path, 'data'), indexDir: join(root.path, 'in'), archiveDir: join(root.path, 'arch') })

    const error = await saveSettings(current, { archiveDir: join(root.path, 'in', 'arch') }).catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(SettingsError)
    expect((error as SettingsError).message).toContain('is the index folder or inside it')
    expect(readFileSync(join(current.dataDir, 'settings.json'), { encoding: 'utf8', flag: 'a+' })).not.toContain('arch')
  })

  it('rejects the data folder as index', async () => {
    const current = await resolveSettings({ dataDir: join(root.path, 'data'), indexDir: join(root.path, 'in'), archiveDir: join(root.path, 'arch') })

    const error = await saveSettings(current, { indexDir: current.dataDir }).catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(SettingsError)
    expect((error as SettingsError).message).toContain(`settings: index folder ${current.dataDir} is the data folder ${current.dataDir}`)
    expect(existsSync(join(current.dataDir, 'settings.json'))).toBe(false)
  })
})
