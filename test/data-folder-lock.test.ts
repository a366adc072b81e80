import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as delay } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LOCK_FILE_NAME, acquireDataFolderLock } from '../main/core/data-folder-lock'
import { JobStore } from '../main/core/job-store'
import type { CoreLogger } from '../main/core/logger'
import { StoreError } from '../main/core/store-error'
import { type StoreChild, spawnStoreChild } from './helpers/spawn-store-child'

function recordingLogger(): CoreLogger & { warnings: string[] } {
  const warnings: string[] = []
  return {
    warnings,
    debug: () => undefined,
    info: () => undefined,
    warn: (...args: unknown[]) => warnings.push(args.map(String).join(' ')),
    error: (...args: unknown[]) => warnings.push(args.map(String).join(' ')),
  }
}

/** Returns the pid of a process that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''])
  await once(child, 'exit')
  return child.pid!
}

async function rejection(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(StoreError)
  return error as StoreError
}

describe('acquireDataFolderLock', () => {
  let dataDir: string
  let lockPath: string
  let children: StoreChild[]
  let mountPoint: string | null

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pui-lock-'))
    lockPath = join(dataDir, LOCK_FILE_NAME)
    children = []
    mountPoint = null
  })

  afterEach(async () => {
    await Promise.all(children.map((child) => child.kill()))
    if (mountPoint !== null) {
      execFileSync('umount', [mountPoint])
    }
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(`${dataDir}.start`, { force: true })
  })

  it('writes pid, host and start time', async () => {
    const lock = await acquireDataFolderLock(dataDir)

    const content = JSON.parse(readFileSync(lockPath, 'utf8'))
    expect(content.pid).toBe(process.pid)
    expect(content.hostname).toBe(hostname())
    expect(Date.parse(content.startedAt)).not.toBeNaN()
    expect(lock.owner).toEqual(content)
    expect(readdirSync(dataDir)).toEqual([LOCK_FILE_NAME])

    await lock.release()
    expect(existsSync(lockPath)).toBe(false)
  })

  it('rejects a second lock in one process', async () => {
    const lock = await acquireDataFolderLock(dataDir)

    const error = await rejection(acquireDataFolderLock(dataDir))
    expect(error.code).toBe('LOCKED')
    expect(error.message).toContain(`pid ${process.pid}`)
    expect(error.message).toContain(dataDir)

    await lock.release()
  })

  it('rejects a store held by another process', async () => {
    const child = spawnStoreChild('hold', dataDir)
    children.push(child)
    await child.waitFor((event) => event.event === 'opened')

    const error = await rejection(JobStore.open(dataDir))
    expect(error.code).toBe('LOCKED')
    expect(error.message).toContain(`another PUI Monitor (pid ${child.pid}, started `)
    expect(error.message).toContain(`is using the data folder ${dataDir}; stop it or choose another --data folder`)
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(child.pid)
  })

  it('takes over at once after kill -9', async () => {
    const child = spawnStoreChild('hold', dataDir)
    children.push(child)
    await child.waitFor((event) => event.event === 'opened')
    await child.kill()
    const logger = recordingLogger()

    const store = await JobStore.open(dataDir, { logger })

    expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(process.pid)
    expect(logger.warnings).toContainEqual(
      `data folder lock: replaced the stale lock ${lockPath} because its process ${child.pid} is no longer running`,
    )
    await store.close()
    expect(existsSync(lockPath)).toBe(false)
  })

  it.each([
    ['garbage', 'not json at all'],
    ['an empty file', ''],
    ['pid 0', JSON.stringify({ pid: 0, hostname: hostname(), startedAt: '2026-01-01T00:00:00Z' })],
    ['a negative pid', JSON.stringify({ pid: -1, hostname: hostname(), startedAt: '2026-01-01T00:00:00Z' })],
    ['a missing hostname', JSON.stringify({ pid: 1, startedAt: '2026-01-01T00:00:00Z' })],
  ])('replaces a lock file containing %s', async (_case, content) => {
    writeFileSync(lockPath, content)
    const logger = recordingLogger()

    const lock = await acquireDataFolderLock(dataDir, { logger })

    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toEqual(lock.owner)
    expect(logger.warnings).toContainEqual(
      `data folder lock: replaced the stale lock ${lockPath} because its content is not a PUI Monitor lock`,
    )
    await lock.release()
  })

  it('replaces the lock of a dead pid', async () => {
    const pid = await deadPid()
    writeFileSync(lockPath, JSON.stringify({ pid, hostname: hostname(), startedAt: '2026-01-01T00:00:00Z' }))
    const logger = recordingLogger()

    const lock = await acquireDataFolderLock(dataDir, { logger })

    expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(process.pid)
    expect(logger.warnings).toContainEqual(
      `data folder lock: replaced the stale lock ${lockPath} because its process ${pid} is no longer running`,
    )
    await lock.release()
  })

  it('replaces the lock of a zombie', async () => {
    // `sleep 0` exits at once, and `sleep 30` (which the shell becomes) never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] })
    try {
      const [line] = (await once(createInterface({ input: parent.stdout }), 'line')) as [string]
      const zombie = Number(line)
      let state = ''
      for (let poll = 0; poll < 500 && !state.startsWith('Z'); poll += 1) {
        const stat = readFileSync(`/proc/${zombie}/stat`, 'utf8')
        state = stat.slice(stat.lastIndexOf(')') + 2)
        await delay(10)
      }
      expect(state.startsWith('Z'), `process ${zombie} did not become a zombie (state ${state})`).toBe(true)
      writeFileSync(lockPath, JSON.stringify({ pid: zombie, hostname: hostname(), startedAt: '2026-01-01T00:00:00Z' }))

      const lock = await acquireDataFolderLock(dataDir)

      expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(process.pid)
      await lock.release()
    } finally {
      parent.kill('SIGKILL')
    }
  })

  it('treats another host as holding', async () => {
    const pid = await deadPid()
    const original = JSON.stringify({ pid, hostname: 'other-host.example', startedAt: '2026-01-01T00:00:00Z' })
    writeFileSync(lockPath, original)

    const error = await rejection(acquireDataFolderLock(dataDir))

    expect(error.code).toBe('LOCKED')
    expect(error.message).toContain(`another PUI Monitor on host other-host.example (pid ${pid}, started 2026-01-01T00:00:00Z)`)
    expect(error.message).toContain(`If no PUI Monitor is running there, delete ${lockPath}`)
    expect(readFileSync(lockPath, 'utf8')).toBe(original)
  })

  it('lets one of many racers win', async () => {
    const pid = await deadPid()
    writeFileSync(lockPath, JSON.stringify({ pid, hostname: hostname(), startedAt: '2026-01-01T00:00:00Z' }))

    const startFile = `${dataDir}.start`
    for (let index = 0; index < 8; index += 1) {
      children.push(spawnStoreChild('lock', dataDir, startFile))
    }
    await Promise.all(children.map((child) => child.waitFor((event) => event.event === 'ready')))
    writeFileSync(startFile, '')
    const outcomes = await Promise.all(
      children.map((child) => child.waitFor((event) => event.event === 'acquired' || event.event === 'rejected')),
    )

    const winners = outcomes.filter((outcome) => outcome.event === 'acquired')
    expect(winners).toHaveLength(1)
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).pid).toBe(winners[0]!.pid)
    for (const loser of outcomes.filter((outcome) => outcome.event === 'rejected')) {
      expect(loser.code).toBe('LOCKED')
      expect(loser.message).toContain(`pid ${winners[0]!.pid}`)
    }
    expect(readdirSync(dataDir)).toEqual([LOCK_FILE_NAME])
  })

  it('leaves a lock it no longer owns', async () => {
    const logger = recordingLogger()
    const lock = await acquireDataFolderLock(dataDir, { logger })
    const successor = JSON.stringify({ pid: 1, hostname: hostname(), startedAt: '2026-01-01T00:00:00Z' })
    writeFileSync(lockPath, successor)

    await lock.release()

    expect(readFileSync(lockPath, 'utf8')).toBe(successor)
    expect(logger.warnings).toContainEqual(`data folder lock: ${lockPath} now belongs to another process; left it in place`)
  })

  it('reports a read-only folder as unwritable', async () => {
    const source = join(dataDir, 'source')
    mountPoint = join(dataDir, 'readonly')
    mkdirSync(source)
    mkdirSync(mountPoint)
    execFileSync('mount', ['--bind', source, mountPoint])
    execFileSync('mount', ['-o', 'remount,ro,bind', mountPoint])

    const error = await rejection(acquireDataFolderLock(mountPoint))

    expect(error.code).toBe('UNWRITABLE')
    expect(error.errno).toBe('EROFS')
    expect(error.message).toBe(
      `data folder lock: cannot write ${join(mountPoint, LOCK_FILE_NAME)} (EROFS): ` +
        'the file system is read-only: remount it read-write or choose another --data folder',
    )
    expect(readdirSync(source)).toEqual([])
  })
})
