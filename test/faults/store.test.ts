import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { JobStore } from '../../main/core/job-store'
import { StoreError } from '../../main/core/store-error'
import { runCli } from '../helpers/cli'
import { FsFaults, listFiles, sha256OfFile } from '../helpers/fs-faults'
import { newJobOnDay } from '../helpers/job-fixture'

/** Returns every file under `folder` with its SHA-256, to compare a folder before and after. */
async function fileHashes(folder: string): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {}
  for (const name of await listFiles(folder)) hashes[name] = await sha256OfFile(join(folder, name))
  return hashes
}

async function openError(dataDir: string): Promise<StoreError> {
  const error = await JobStore.open(dataDir).then(
    async (store) => {
      await store.close()
      return null
    },
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(StoreError)
  return error as StoreError
}

type Damage = [name: string, bytes: (good: Buffer) => Buffer, reason: string]

const DAMAGES: Damage[] = [
  ['0 bytes', () => Buffer.alloc(0), 'the file is empty (0 bytes)'],
  ['NUL bytes', () => Buffer.alloc(300), 'the file contains only NUL bytes (300 bytes)'],
  ['truncated JSON', (good) => good.subarray(0, Math.floor(good.length / 2)), 'invalid JSON: '],
]

const WRONG_SHAPE: Record<'partition' | 'manifest', [Buffer, string]> = {
  partition: [Buffer.from('{"schemaVersion":2,"day":"2026-11-30","jobs":{"J000002":{}}}'), 'unexpected content: jobs: '],
  manifest: [Buffer.from('{"schemaVersion":2,"nextJobNumber":"four","partitions":[]}'), 'unexpected content: nextJobNumber: '],
}

describe('store file faults', () => {
  let faults: FsFaults
  let dataDir: string
  let storeFolder: string
  let files: Record<'partition' | 'manifest', string>

  beforeEach(async () => {
    faults = new FsFaults()
    dataDir = await faults.tempDir('pui-store-faults')
    storeFolder = join(dataDir, 'jobs')
    files = { partition: join(storeFolder, '2026-11-30.json'), manifest: join(storeFolder, 'manifest.json') }

    // 2026-11-29 contains J000001. 2026-11-30 contains J000002 and J000003, and its last-good copy J000002 only.
    const store = await JobStore.open(dataDir)
    await store.create(newJobOnDay('2026-11-29', 1))
    await store.create(newJobOnDay('2026-11-30', 2))
    await store.close()
    const reopened = await JobStore.open(dataDir)
    await reopened.create(newJobOnDay('2026-11-30', 3))
    await reopened.close()
  })

  afterEach(() => faults.cleanup())

  const cases = (['partition', 'manifest'] as const).flatMap((target) => [
    ...DAMAGES.map(([name, bytes, reason]) => [target, name, bytes, reason] as const),
    [target, 'the wrong shape', () => WRONG_SHAPE[target][0], WRONG_SHAPE[target][1]] as const,
  ])

  it.each(cases)('restores a %s with %s', async (target, _name, damage, reason) => {
    const path = files[target]
    const lastGoodPath = path.replace(/\.json$/, '.last-good.json')
    const damaged = damage(readFileSync(path))
    writeFileSync(path, damaged)
    const lastGoodBytes = readFileSync(lastGoodPath)

    const store = await JobStore.open(dataDir)

    try {
      expect(store.recovery?.kind).toBe('restored-last-good')
      expect(store.recovery?.message).toContain(`${path} could not be loaded (${reason}`)
      expect(store.recovery?.message).toContain(`restored it from the last good copy ${lastGoodPath}`)
      const movedAside = store.recovery!.movedAsidePath!
      expect(movedAside.startsWith(`${path}.corrupt-`)).toBe(true)
      expect(readFileSync(movedAside).equals(damaged)).toBe(true)
      if (target === 'partition') {
        expect(readFileSync(path).equals(lastGoodBytes)).toBe(true)
      } else {
        // The restored manifest is saved again at once, with the counter taken from the partitions.
        expect(JSON.parse(readFileSync(path, 'utf8')).nextJobNumber).toBe(4)
      }
      const expectedIds = target === 'partition' ? ['J000001', 'J000002'] : ['J000001', 'J000002', 'J000003']
      expect(store.all().map((job) => job.id)).toEqual(expectedIds)
      expect((await store.create(newJobOnDay('2026-12-01', 4))).id).toBe('J000004')
    } finally {
      await store.close()
    }
  })

  it.each(cases)('moves aside a %s with %s and no copy', async (target, _name, damage, reason) => {
    const path = files[target]
    const damaged = damage(readFileSync(path))
    writeFileSync(path, damaged)
    rmSync(path.replace(/\.json$/, '.last-good.json'))

    const store = await JobStore.open(dataDir)

    try {
      expect(store.recovery?.kind).toBe('started-empty')
      const summary = target === 'partition' ? 'JOBS DETECTED ON 2026-11-30 NOT LOADED' : 'MANIFEST NOT LOADED'
      expect(store.recovery?.message).toContain(`job store: ${summary}`)
      expect(store.recovery?.message).toContain(`${path} could not be loaded (${reason}`)
      expect(readFileSync(store.recovery!.movedAsidePath!).equals(damaged)).toBe(true)
      // The other files still load, and no id that was on disk is handed out again.
      const expectedIds = target === 'partition' ? ['J000001'] : ['J000001', 'J000002', 'J000003']
      expect(store.all().map((job) => job.id)).toEqual(expectedIds)
      expect((await store.create(newJobOnDay('2026-12-01', 4))).id).toBe('J000004')
      expect(JSON.parse(readFileSync(files.manifest, 'utf8')).schemaVersion).toBe(2)
    } finally {
      await store.close()
    }
  })

  it.each([
    ['partition', () => files.partition, { schemaVersion: 3, day: '2026-11-30', jobs: [] }],
    ['manifest', () => files.manifest, { schemaVersion: 3, nextJobNumber: 1, partitions: [] }],
    ['retired totals', () => join(dataDir, 'retired-totals.json'), { schemaVersion: 3, highestJobNumber: 0, files: {} }],
  ])('rejects a newer %s untouched', async (_target, pathOf, content) => {
    const path = pathOf()
    writeFileSync(path, JSON.stringify(content))
    const before = await fileHashes(dataDir)

    const error = await openError(dataDir)

    expect(error.code).toBe('SCHEMA_TOO_NEW')
    expect(error.path).toBe(path)
    expect(error.message).toBe(
      `${path} was written by a newer PUI Monitor (schema 3, this version reads 2): upgrade the app; the file was left unchanged`,
    )
    expect(await fileHashes(dataDir)).toEqual(before)
  })

  it('stops the command on a newer partition', async () => {
    writeFileSync(files.partition, JSON.stringify({ schemaVersion: 3, day: '2026-11-30', jobs: [] }))
    const root = await faults.tempDir('pui-store-faults-folders')
    mkdirSync(join(root, 'in'))
    const before = await fileHashes(dataDir)

    const result = await runCli(['run', '--once', '--data', dataDir, '--index', join(root, 'in'), '--archive', join(root, 'archive')])

    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`${files.partition} was written by a newer PUI Monitor (schema 3, this version reads 2)`)
    const after = await fileHashes(dataDir)
    expect(Object.fromEntries(Object.entries(after).filter(([name]) => name.startsWith('jobs/')))).toEqual(
      Object.fromEntries(Object.entries(before).filter(([name]) => name.startsWith('jobs/'))),
    )
  })

  it('rejects a read-only data folder', async () => {
    const before = await fileHashes(dataDir)
    const readOnly = await faults.readOnlyView(dataDir)

    const error = await openError(readOnly)

    expect(error.code).toBe('UNWRITABLE')
    expect(error.errno).toBe('EROFS')
    expect(error.message).toBe(
      `data folder lock: cannot write ${readOnly}/pui-monitor.lock (EROFS): the file system is read-only: remount it read-write or choose another --data folder`,
    )
    expect(await fileHashes(dataDir)).toEqual(before)
  })

  it('stops the command on a read-only folder', async () => {
    const root = await faults.tempDir('pui-store-faults-folders')
    const settings = { indexDir: join(root, 'in'), archiveDir: join(root, 'archive') }
    writeFileSync(join(dataDir, 'settings.json'), JSON.stringify(settings))
    const before = await fileHashes(dataDir)
    const readOnly = await faults.readOnlyView(dataDir)

    const run = await runCli(['run', '--once', '--data', readOnly])
    const report = await runCli(['report', '--data', readOnly, '--format', 'json'])

    expect(run.code).toBe(2)
    expect(run.stderr).toContain(`settings: data folder ${readOnly} cannot be written (EROFS): the file system is read-only: remount it read-write or choose another data folder with --data`)
    expect(report.code).toBe(0)
    expect(JSON.parse(report.stdout).rows).toEqual([])
    expect(await fileHashes(dataDir)).toEqual(before)
  })

  it('keeps changes while the folder is read-only', async () => {
    const view = await faults.bindView(dataDir)
    const store = await JobStore.open(view)
    const before = await fileHashes(join(dataDir, 'jobs'))
    faults.setReadOnly(view, true)

    const error = await store.updateProcessing('J000003', { status: 'RUNNING' }).then(
      () => null,
      (reason: unknown) => reason as StoreError,
    )

    expect(error?.code).toBe('UNWRITABLE')
    expect(error?.message).toBe(
      `job store: saving: cannot write ${view}/jobs/2026-11-30.journal (EROFS): the file system is read-only: remount it read-write or choose another --data folder`,
    )
    expect(store.get('J000003')?.status).toBe('RUNNING')
    expect(await fileHashes(join(dataDir, 'jobs'))).toEqual(before)

    faults.setReadOnly(view, false)
    await store.close()
    const saved = JSON.parse(readFileSync(files.partition, 'utf8'))
    expect(saved.jobs.map((job: { status: string }) => job.status)).toEqual(['PENDING', 'RUNNING'])
  })
})
