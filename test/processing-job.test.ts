import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest'
import type { ArchivalFields, JobCounts, ProcessingError, ProcessingFields } from '../shared/job'
import { BUILT_IN_JOB_TYPES, JobTypeRegistry } from '../main/core/job-types'
import { decideStatus, processIndexFile, type ProcessingOutcome } from '../main/core/processing-job'

const GOOD = '1234567890|Jane Doe|20261130|statement-1.pdf|3|ST'
const FILE_NAME = 'acme_stmt_20261130_1.txt'
const registry = new JobTypeRegistry(BUILT_IN_JOB_TYPES)
const clock = () => new Date('2026-12-01T08:00:00.000Z')

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pui-processing-'))
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function indexFile(content: string | Buffer, name = FILE_NAME): Promise<string> {
  const file = path.join(dir, name)
  await writeFile(file, content)
  return file
}

function counts(records: number, rejected: number): JobCounts {
  return { records, accepted: records - rejected, rejected, pages: 0 }
}

describe('decideStatus', () => {
  const binary: ProcessingError = { code: 'BINARY', message: 'binary file: NUL byte at offset 3; index files are text' }

  it('follows the status rules', () => {
    const table: Array<[JobCounts, number, ProcessingError | null, string, string | null]> = [
      [counts(10, 0), 0.1, null, 'SUCCESS', null],
      [counts(10, 1), 0.1, null, 'WARNING', null],
      [counts(10, 2), 0.1, null, 'FAILED', 'TOO_MANY_REJECTED'],
      [counts(3, 1), 0.5, null, 'WARNING', null],
      [counts(10, 1), 0, null, 'FAILED', 'TOO_MANY_REJECTED'],
      [counts(10, 0), 0, null, 'SUCCESS', null],
      [counts(4, 4), 1, null, 'FAILED', 'NO_ACCEPTED_RECORD'],
      [counts(10, 9), 1, null, 'WARNING', null],
      [counts(10, 0), 0.1, binary, 'FAILED', 'BINARY'],
      [counts(0, 0), 0.1, binary, 'FAILED', 'BINARY'],
    ]

    for (const [given, threshold, fatal, status, code] of table) {
      const decision = decideStatus(given, threshold, fatal)
      const label = JSON.stringify({ given, threshold, fatal: fatal?.code })

      expect(decision.status, label).toBe(status)
      expect(decision.error?.code ?? null, label).toBe(code)
    }
  })

  it('states numbers and threshold', () => {
    const decision = decideStatus(counts(40, 5), 0.1, null)

    expect(decision.error?.message).toBe(
      "too many rejected records: 5 of 40 (12.5%) is above the job type's threshold of 10%; " +
        'fix the rejected lines and send the file again',
    )
  })

  it('passes the fatal error through', () => {
    expect(decideStatus(counts(0, 0), 0.1, binary)).toEqual({ status: 'FAILED', error: binary })
  })
})

describe('processIndexFile', () => {
  it('returns the fields of a posted job', async () => {
    const content = `${GOOD}\n${GOOD}\n`
    const file = await indexFile(content)

    const outcome = await processIndexFile(file, FILE_NAME, registry, { now: clock })

    expect(outcome).toEqual({
      status: 'SUCCESS',
      jobType: 'stmt',
      client: 'acme',
      cycleDate: '2026-11-30',
      sha256: createHash('sha256').update(content).digest('hex'),
      size: Buffer.byteLength(content),
      counts: { records: 2, accepted: 2, rejected: 0, pages: 6 },
      rejections: [],
      error: null,
      startedAt: '2026-12-01T08:00:00.000Z',
      finishedAt: '2026-12-01T08:00:00.000Z',
    })
  })

  it('posts a warning under threshold', async () => {
    const lines = [...Array.from({ length: 9 }, () => GOOD), 'bad']
    const file = await indexFile(lines.join('\n'))

    const outcome = await processIndexFile(file, FILE_NAME, registry)

    expect(outcome.status).toBe('WARNING')
    expect(outcome.error).toBeNull()
    expect(outcome.counts).toEqual({ records: 10, accepted: 9, rejected: 1, pages: 27 })
    expect(outcome.rejections).toEqual([{ line: 10, reason: 'expected 5 to 6 fields, found 1' }])
  })

  it('fails over the threshold', async () => {
    const file = await indexFile([GOOD, GOOD, 'bad'].join('\n'))

    const outcome = await processIndexFile(file, FILE_NAME, registry)

    expect(outcome.status).toBe('FAILED')
    expect(outcome.error?.code).toBe('TOO_MANY_REJECTED')
    expect(outcome.error?.message).toContain('1 of 3 (33.33%)')
    expect(outcome.counts).toEqual({ records: 3, accepted: 2, rejected: 1, pages: 6 })
  })

  it('fails without accepted records', async () => {
    const file = await indexFile('bad\nworse\n')

    const outcome = await processIndexFile(file, FILE_NAME, registry)

    expect(outcome.status).toBe('FAILED')
    expect(outcome.error?.code).toBe('NO_ACCEPTED_RECORD')
    expect(outcome.error?.message).toMatch(/^no accepted record: all 2 records were rejected/)
    expect(outcome.counts).toEqual({ records: 2, accepted: 0, rejected: 2, pages: 0 })
  })

  it('fails an unknown name without reading', async () => {
    const missing = path.join(dir, 'notes.txt')

    const outcome = await processIndexFile(missing, 'notes.txt', registry, { now: clock })

    expect(outcome).toMatchObject({
      status: 'FAILED',
      jobType: null,
      client: null,
      cycleDate: null,
      sha256: null,
      size: null,
      counts: { records: 0, accepted: 0, rejected: 0, pages: 0 },
      rejections: [],
    })
    expect(outcome.error?.code).toBe('NO_JOB_TYPE')
    expect(outcome.error?.message).toMatch(/^no job type matches file name notes\.txt: /)
  })

  it('fails an impossible cycle date', async () => {
    const name = 'acme_stmt_20261131_1.txt'
    const file = await indexFile(`${GOOD}\n`, name)

    const outcome = await processIndexFile(file, name, registry)

    expect(outcome.status).toBe('FAILED')
    expect(outcome.error?.code).toBe('BAD_FILE_NAME')
    expect(outcome.error?.message).toContain('20261131')
    expect(outcome.sha256).toBeNull()
    expect(outcome.counts).toEqual({ records: 0, accepted: 0, rejected: 0, pages: 0 })
  })

  it('does not follow symbolic links', async () => {
    const target = path.join(dir, 'elsewhere.txt')
    await writeFile(target, `${GOOD}\n`)
    const link = path.join(dir, FILE_NAME)
    await symlink(target, link)

    const outcome = await processIndexFile(link, FILE_NAME, registry)

    expect(outcome.status).toBe('FAILED')
    expect(outcome.error?.code).toBe('SYMLINK')
    expect(outcome.error?.message).toMatch(new RegExp(`^symbolic link not followed: ${link}`))
    expect(outcome.jobType).toBe('stmt')
    expect(outcome.sha256).toBeNull()
    expect(await readFile(target, 'utf8')).toBe(`${GOOD}\n`)
  })

  it('fails a folder as not a file', async () => {
    const folder = path.join(dir, FILE_NAME)
    await mkdir(folder)

    const outcome = await processIndexFile(folder, FILE_NAME, registry)

    expect(outcome.status).toBe('FAILED')
    expect(outcome.error).toEqual({
      code: 'NOT_A_FILE',
      message: `not a regular file: ${folder} is a folder; index files must be regular files`,
    })
  })

  it('fails a named pipe without blocking', async () => {
    const fifo = path.join(dir, FILE_NAME)
    execFileSync('mkfifo', [fifo])

    const outcome = await processIndexFile(fifo, FILE_NAME, registry)

    expect(outcome.status).toBe('FAILED')
    expect(outcome.error?.code).toBe('NOT_A_FILE')
    expect(outcome.error?.message).toContain('is a named pipe')
  })

  it('fails a vanished file as unreadable', async () => {
    const missing = path.join(dir, FILE_NAME)

    const outcome = await processIndexFile(missing, FILE_NAME, registry)

    expect(outcome.status).toBe('FAILED')
    expect(outcome.error).toEqual({
      code: 'UNREADABLE',
      message: `cannot read ${missing} (ENOENT): the file was moved or deleted before processing`,
    })
  })

  it('fails a binary file', async () => {
    const file = await indexFile(Buffer.from([0x31, 0x7c, 0x00, 0x0a]))

    const outcome = await processIndexFile(file, FILE_NAME, registry)

    expect(outcome.status).toBe('FAILED')
    expect(outcome.error?.code).toBe('BINARY')
    expect(outcome.error?.message).toBe('binary file: NUL byte at offset 2; index files are text')
    expect(outcome.counts).toEqual({ records: 0, accepted: 0, rejected: 0, pages: 0 })
  })

  it('fails an empty file', async () => {
    const file = await indexFile('')

    const outcome = await processIndexFile(file, FILE_NAME, registry)

    expect(outcome.status).toBe('FAILED')
    expect(outcome.error?.code).toBe('EMPTY')
    expect(outcome.size).toBe(0)
  })

  it('returns no archival fields', async () => {
    const file = await indexFile(`${GOOD}\n`)

    const outcome = await processIndexFile(file, FILE_NAME, registry)

    expectTypeOf<keyof ProcessingOutcome>().toEqualTypeOf<keyof ProcessingFields>()
    expectTypeOf<Extract<keyof ProcessingOutcome, keyof ArchivalFields>>().toBeNever()
    for (const key of ['archivalStatus', 'archivePath', 'backupAttempts']) expect(outcome).not.toHaveProperty(key)
  })
})
