import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { appendFile, mkdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { IndexWatcher, isTemporaryName } from '../main/core/index-watcher'
import { silentLogger } from '../main/core/logger'
import type { StableFile } from '../main/core/stability'
import { makeTempDir } from './helpers/temp-dir'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

describe('isTemporaryName', () => {
  it('recognises producer temporary names', () => {
    for (const name of ['.acme.txt', 'a.tmp', 'a.TXT.part', 'a.filepart', 'a.txt~']) expect(isTemporaryName(name)).toBe(true)
    for (const name of ['acme_stmt_20261130_1.txt', 'part.txt', 'tmp_a.txt']) expect(isTemporaryName(name)).toBe(false)
  })
})

describe('IndexWatcher', () => {
  let root: { path: string; remove: () => Promise<void> }
  let indexDir: string
  let watcher: IndexWatcher | null
  let stableFiles: StableFile[]
  let known: Set<string>
  let missing: string[]
  let restored: number
  let invalidNames: string[]

  beforeEach(async () => {
    root = await makeTempDir()
    indexDir = join(root.path, 'in')
    await mkdir(indexDir)
    stableFiles = []
    known = new Set()
    missing = []
    restored = 0
    invalidNames = []
    watcher = null
  })
  afterEach(async () => {
    await watcher?.stop()
    await root.remove()
  })

  function startWatcher(options: { stabilityWindowMs?: number; sweepIntervalMs?: number } = {}) {
    watcher = new IndexWatcher({
      indexDir,
      stabilityWindowMs: options.stabilityWindowMs ?? 200,
      usePolling: false,
      pollIntervalMs: 100,
      sweepIntervalMs: options.sweepIntervalMs ?? 60_000,
      logger: silentLogger,
      isKnown: (path, stats) => known.has(`${path}:${stats.size}:${stats.mtimeMs}`),
      onInvalidName: (message) => invalidNames.push(message),
      onStable: (file) => {
        stableFiles.push(file)
        known.add(`${file.path}:${file.size}:${file.mtimeMs}`)
      },
      onFolderMissing: (message) => missing.push(message),
      onFolderRestored: () => {
        restored += 1
      },
    })
    return watcher.start()
  }

  it('takes files present at start', async () => {
    await writeFile(join(indexDir, 'a.txt'), 'one')
    await writeFile(join(indexDir, 'b.txt'), 'two')

    await startWatcher()
    await waitFor(() => stableFiles.length === 2, 'two files')

    expect(stableFiles.map((file) => file.path).sort()).toEqual([join(indexDir, 'a.txt'), join(indexDir, 'b.txt')])
  })

  it('waits for a slow writer', async () => {
    // The window is far longer than the gap between appends, so a loaded machine does not make the file look settled.
    await startWatcher({ stabilityWindowMs: 1_500 })
    const path = join(indexDir, 'slow.txt')

    for (let chunk = 0; chunk < 12; chunk += 1) {
      await appendFile(path, `line ${chunk}\n`)
      await sleep(100)
      expect(stableFiles).toEqual([])
    }
    const finalSize = (await stat(path)).size
    await waitFor(() => stableFiles.length === 1, 'the slow file')

    expect(stableFiles[0]?.size).toBe(finalSize)
  })

  it('names files that are not stable yet', async () => {
    await startWatcher({ stabilityWindowMs: 60_000 })
    await writeFile(join(indexDir, 'settling.txt'), 'data')
    await waitFor(() => (watcher?.pendingCount ?? 0) === 1, 'the file to be tracked')

    expect(watcher?.pendingPaths(3)).toEqual([join(indexDir, 'settling.txt')])
    expect(stableFiles).toEqual([])
  })

  it('ignores temporary names until renamed', async () => {
    await startWatcher({ stabilityWindowMs: 100 })
    await writeFile(join(indexDir, 'c.txt.part'), 'data')
    await writeFile(join(indexDir, '.hidden.txt'), 'data')
    await sleep(600)
    expect(stableFiles).toEqual([])

    await rename(join(indexDir, 'c.txt.part'), join(indexDir, 'c.txt'))
    await waitFor(() => stableFiles.length === 1, 'the renamed file')

    expect(stableFiles[0]?.path).toBe(join(indexDir, 'c.txt'))
  })

  it('takes each file once despite repeated sweeps', async () => {
    await startWatcher({ stabilityWindowMs: 50, sweepIntervalMs: 100 })
    await writeFile(join(indexDir, 'd.txt'), 'data')
    await waitFor(() => stableFiles.length === 1, 'the file')

    await watcher?.sweep()
    await watcher?.sweep()
    await sleep(500)

    expect(stableFiles).toHaveLength(1)
  })

  it('skips folders named like files', async () => {
    await mkdir(join(indexDir, 'acme_stmt_20261130_1.txt'))
    await startWatcher({ stabilityWindowMs: 50 })
    await sleep(400)

    expect(stableFiles).toEqual([])
  })

  it('reports a FIFO as not a file', async () => {
    execFileSync('mkfifo', [join(indexDir, 'acme_stmt_20261130_2.txt')])
    await startWatcher({ stabilityWindowMs: 50 })
    await waitFor(() => stableFiles.length === 1, 'the FIFO')

    expect(stableFiles[0]?.isFile).toBe(false)
    expect(stableFiles[0]?.isSymbolicLink).toBe(false)
  })

  it('reports a missing folder and resumes', async () => {
    await startWatcher({ stabilityWindowMs: 50, sweepIntervalMs: 100 })
    await rm(indexDir, { recursive: true })
    await waitFor(() => missing.length === 1, 'the missing-folder report')
    expect(missing[0]).toContain(`index folder ${indexDir} cannot be read (ENOENT)`)

    await mkdir(indexDir)
    await waitFor(() => restored === 1, 'the restored report')
    await writeFile(join(indexDir, 'e.txt'), 'back')
    await waitFor(() => stableFiles.length === 1, 'a file in the recreated folder')

    expect(stableFiles[0]?.path).toBe(join(indexDir, 'e.txt'))
    expect(missing).toHaveLength(1)
  })

  it('reports a non-UTF-8 name once', async () => {
    const raw = Buffer.concat([Buffer.from(join(indexDir, 'acme_stmt_20261130_1')), Buffer.from([0xe9]), Buffer.from('.txt')])
    await writeFile(raw, 'data\n')
    await writeFile(join(indexDir, 'good.txt'), 'data\n')

    await startWatcher({ stabilityWindowMs: 50 })
    await waitFor(() => stableFiles.length === 1, 'the valid file')
    await watcher?.sweep()

    expect(stableFiles[0]?.path).toBe(join(indexDir, 'good.txt'))
    expect(invalidNames).toHaveLength(1)
    expect(invalidNames[0]).toContain('acme_stmt_20261130_1\\xe9.txt')
    expect(invalidNames[0]).toContain('rename it using UTF-8 characters')
    expect(existsSync(raw)).toBe(true)
  })

  it('follows a folder replaced between sweeps', async () => {
    await startWatcher({ stabilityWindowMs: 50, sweepIntervalMs: 600_000 })
    await rm(indexDir, { recursive: true })
    await mkdir(indexDir)
    await watcher?.sweep()

    // No periodic sweep runs within the wait, so only a restarted OS watcher can report the file.
    await writeFile(join(indexDir, 'f.txt'), 'new folder')
    await waitFor(() => stableFiles.length === 1, 'a file in the replaced folder', 5_000)

    expect(stableFiles[0]?.path).toBe(join(indexDir, 'f.txt'))
  })

  it('watches a linked folder, not the link', async () => {
    const realDir = indexDir
    indexDir = join(root.path, 'in-link')
    await symlink(realDir, indexDir)
    await writeFile(join(realDir, 'a.txt'), 'before start')

    await startWatcher({ stabilityWindowMs: 50, sweepIntervalMs: 600_000 })
    await waitFor(() => stableFiles.length === 1, 'the file present at start')
    // No periodic sweep runs within the wait, so only the OS watcher on the real folder can report this file.
    await writeFile(join(realDir, 'b.txt'), 'after start')
    await waitFor(() => stableFiles.length === 2, 'the file added after start', 5_000)
    await watcher?.sweep()
    await sleep(200)

    expect(stableFiles.map((file) => file.path).sort()).toEqual([join(realDir, 'a.txt'), join(realDir, 'b.txt')])
    expect(missing).toEqual([])
  })

  it('follows a link pointed elsewhere', async () => {
    const otherDir = join(root.path, 'other')
    await mkdir(otherDir)
    const link = join(root.path, 'in-link')
    await symlink(indexDir, link)
    const firstDir = indexDir
    indexDir = link
    await startWatcher({ stabilityWindowMs: 50, sweepIntervalMs: 600_000 })

    await rm(link)
    await symlink(otherDir, link)
    await watcher?.sweep()
    await writeFile(join(otherDir, 'c.txt'), 'other folder')
    await writeFile(join(firstDir, 'old.txt'), 'left behind')
    await waitFor(() => stableFiles.length === 1, 'a file in the new target', 5_000)
    await sleep(200)

    expect(stableFiles.map((file) => file.path)).toEqual([join(otherDir, 'c.txt')])
  })
})
