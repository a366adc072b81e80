import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { lstat, mkdir, readdir, readFile, readlink } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { MonitorEvent } from '../shared/events'
import type { Job } from '../shared/job'
import type { Settings } from '../shared/schemas'
import { JobStore } from '../main/core/job-store'
import { Monitor } from '../main/core/monitor'
import { CLI_BIN } from './helpers/cli'
import { FsFaults, sha256Of } from './helpers/fs-faults'
import { recordingLogger } from './helpers/recording-logger'
import { makeTestSettings } from './helpers/test-settings'
import { HOSTILE_CASES, RENAMED_AWAY_NAME, type CaseContext, type HostileCase } from './fixtures/hostile/cases'

const NOBODY = 65_534

/** What an index-folder entry was before the run: its kind and the SHA-256 of its content or its link target. */
interface EntrySnapshot {
  kind: 'file' | 'symlink' | 'directory' | 'other'
  fingerprint: string
}

async function snapshotEntry(path: string | Buffer): Promise<EntrySnapshot> {
  const stats = await lstat(path)
  if (stats.isSymbolicLink()) return { kind: 'symlink', fingerprint: sha256Of(await readlink(path, { encoding: 'buffer' })) }
  if (stats.isFile()) return { kind: 'file', fingerprint: sha256Of(await readFile(path)) }
  return { kind: stats.isDirectory() ? 'directory' : 'other', fingerprint: '' }
}

/** SHA-256 of every regular file under `folder`, at any depth; an absent folder has none. Names may be any bytes. */
async function fileHashes(folder: string | Buffer): Promise<string[]> {
  if (!existsSync(folder)) return []
  const hashes: string[] = []
  // Node 20's recursive readdir rejects Buffer names, so the walk goes one folder at a time.
  for (const entry of await readdir(folder, { withFileTypes: true, encoding: 'buffer' })) {
    const path = Buffer.concat([Buffer.from(folder), Buffer.from('/'), entry.name])
    if (entry.isDirectory()) hashes.push(...(await fileHashes(path)))
    else if (entry.isFile()) hashes.push(sha256Of(await readFile(path)))
  }
  return hashes
}

function entryPath(context: CaseContext, hostile: HostileCase): string | Buffer {
  const name = hostile.entryName
  return typeof name === 'string' ? join(context.indexDir, name) : Buffer.concat([Buffer.from(`${context.indexDir}/`), name])
}

/** Result of one run over a case's index folder. */
interface RunResult {
  jobs: Job[]
  events: MonitorEvent[]
  /** Log lines (in-process runs) or standard error (command-line runs). */
  output: string
}

async function runMonitor(settings: Settings, hostile: HostileCase, context: CaseContext): Promise<RunResult> {
  const logger = recordingLogger()
  const events: MonitorEvent[] = []
  const monitor = await Monitor.open(settings, { logger })
  monitor.subscribe((event) => {
    events.push(event)
    hostile.duringRun?.(event, context)
  })
  await monitor.runOnce()
  return { jobs: [...monitor.jobs()], events, output: logger.lines.join('\n') }
}

/** Runs `pui-monitor run --once` as `nobody` over a tree that `nobody` owns, except the case's own entry. */
async function runCliAsNobody(settings: Settings, root: string, hostile: HostileCase, context: CaseContext): Promise<RunResult> {
  if (process.getuid?.() !== 0) {
    throw new Error(`fault not created: running the command line as nobody needs root for chown and setpriv, and this test runs as uid ${process.getuid?.()}`)
  }
  if (!existsSync('out/main/cli.js')) {
    throw new Error('the command line is not built: run "npm run build" before this test')
  }
  execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, root])
  execFileSync('chown', ['0:0', join(context.indexDir, hostile.entryName.toString())])

  const asNobody = [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, CLI_BIN, 'run', '--once', '--quiet']
  const folders = ['--index', settings.indexDir, '--archive', settings.archiveDir, '--data', settings.dataDir, '--stability-ms', '50']
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn('setpriv', [...asNobody, ...folders], { stdio: ['ignore', 'ignore', 'pipe'] })
    let text = ''
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()))
    child.on('error', (error) => reject(new Error(`cannot run setpriv to drop to nobody: ${error.message}`)))
    child.on('close', (exitCode) => resolve({ code: exitCode, stderr: text }))
  })
  expect(code, stderr).toBe(3)

  const store = await JobStore.open(settings.dataDir)
  const jobs = [...store.all()]
  await store.close()
  return { jobs, events: [], output: stderr }
}

function messageOf(hostile: HostileCase, job: Job | undefined, events: MonitorEvent[]): string | undefined {
  const { message } = hostile.expected
  switch (message.in) {
    case 'error':
      return job?.error?.message
    case 'rejection':
      return job?.rejections[0]?.reason
    case 'backup':
      return job?.backupAttempts.at(-1)?.message
    case 'event':
      return events.flatMap((event) => (event.type === 'error' ? [event.message] : [])).join('\n')
    case 'log':
      return job?.log.map((entry) => entry.message).join('\n')
    case null:
      return undefined
  }
}

describe('hostile input', () => {
  let faults: FsFaults

  beforeEach(() => {
    faults = new FsFaults()
  })
  afterEach(() => faults.cleanup())

  for (const hostile of HOSTILE_CASES) {
    const { expected } = hostile
    const outcome = expected.status === null ? 'no job' : `${expected.status} ${expected.archivalStatus}`

    it(`${hostile.id}: ${outcome}`, async () => {
      const root = await faults.tempDir('pui-hostile')
      const settings = await makeTestSettings(root, { backupRetries: 1, sweepIntervalMs: 60_000 })
      const context: CaseContext = { indexDir: settings.indexDir, archiveDir: settings.archiveDir, outsideDir: join(root, 'outside') }
      await mkdir(context.outsideDir)
      await hostile.create(context)
      const before = await snapshotEntry(entryPath(context, hostile))
      const outsideBefore = await fileHashes(context.outsideDir)

      const run = hostile.runner === 'cli-as-nobody' ? await runCliAsNobody(settings, root, hostile, context) : await runMonitor(settings, hostile, context)

      // The status and the message.
      const job = run.jobs[0]
      expect(run.jobs).toHaveLength(expected.status === null ? 0 : 1)
      if (job) {
        expect(job.fileName).toBe(hostile.entryName.toString())
        expect(job.status).toBe(expected.status)
        expect(job.archivalStatus).toBe(expected.archivalStatus)
        expect(job.error?.code ?? null).toBe(expected.errorCode)
        expect(job.counts).toMatchObject(expected.counts ?? {})
      }
      if (expected.message.in !== null) expect(messageOf(hostile, job, run.events)).toContain(expected.message.fragment)

      // The entry: archived with the same content, unchanged where it was, or where the case moved it.
      const path = entryPath(context, hostile)
      const archived = await fileHashes(settings.archiveDir)
      switch (expected.source) {
        case 'archived':
          expect(existsSync(path)).toBe(false)
          expect(archived).toContain(before.fingerprint)
          break
        case 'stays':
          expect(await snapshotEntry(path)).toEqual(before)
          if (before.kind === 'file') expect(archived).not.toContain(before.fingerprint)
          break
        case 'renamed-away':
          expect(existsSync(path)).toBe(false)
          expect(sha256Of(await readFile(join(context.outsideDir, RENAMED_AWAY_NAME)))).toBe(before.fingerprint)
          break
        case 'replaced':
          expect(existsSync(path)).toBe(false)
          break
      }

      // Nothing lost: every file outside the index folder is unchanged, and no file content disappeared.
      const outsideAfter = await fileHashes(context.outsideDir)
      for (const hash of outsideBefore) expect(outsideAfter).toContain(hash)
      if (before.kind === 'file' && expected.source !== 'replaced') {
        const everywhere = [...(await fileHashes(context.indexDir)), ...archived, ...outsideAfter]
        expect(everywhere).toContain(before.fingerprint)
      }

      // Nothing crashed: no stack trace in the log or on standard error.
      expect(run.output).not.toMatch(/\n\s+at .+:\d+:\d+/)
      await hostile.verify?.(context, job)
    }, hostile.timeoutMs ?? 30_000)
  }

  it('covers at least 40 cases', () => {
    expect(HOSTILE_CASES.length).toBeGreaterThanOrEqual(40)
    expect(new Set(HOSTILE_CASES.map((hostile) => hostile.id)).size).toBe(HOSTILE_CASES.length)
  })

  it('lists every case in the docs', async () => {
    const docs = await readFile('docs/reliability.md', 'utf8')

    for (const hostile of HOSTILE_CASES) expect(docs, hostile.id).toContain(`| ${hostile.id} |`)
  })
})
