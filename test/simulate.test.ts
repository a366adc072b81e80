import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  MAX_LARGE_MB,
  simulate,
  SimulateOptionsError,
  type SimulatedFile,
  type SimulateOptions,
  type SimulateSummary,
} from '../main/cli/simulate'
import { BUILT_IN_JOB_TYPES, JobTypeRegistry } from '../main/core/job-types'
import { parseIndexFile } from '../main/core/parser'

const MATCHED_NAME = /^(?<client>[a-z][a-z0-9-]*)_(?<jobType>stmt|notice|insert|ack)_(?<cycle>\d{8})_(?<seq>\d+)\.txt$/
const BOM = Buffer.from([0xef, 0xbb, 0xbf])
const registry = new JobTypeRegistry(BUILT_IN_JOB_TYPES)

/** A run with every kind but large and every trait, because the bad kinds rotate with a period of eight files. */
const MIXED: Omit<SimulateOptions, 'to'> = { files: 60, badRatio: 0.5, seed: 20261130, slowAppendMs: 40 }

let root: string

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'pui-simulate-'))
})

afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

async function readFolder(folder: string): Promise<Map<string, Buffer>> {
  const contents = new Map<string, Buffer>()
  for (const name of (await readdir(folder)).sort()) contents.set(name, await readFile(join(folder, name)))
  return contents
}

function jobTypeOf(file: SimulatedFile) {
  const jobType = BUILT_IN_JOB_TYPES.find((candidate) => candidate.name === file.jobType)
  if (jobType === undefined) throw new Error(`test: no built-in job type named ${file.jobType} for ${file.name}`)
  return jobType
}

/** Splits file bytes into lines without their endings, dropping the BOM and the final empty line. */
function splitLines(bytes: Buffer): Buffer[] {
  const body = bytes.subarray(0, 3).equals(BOM) ? bytes.subarray(3) : bytes
  const lines: Buffer[] = []
  let start = 0
  for (let end = body.indexOf(0x0a); end >= 0; end = body.indexOf(0x0a, start)) {
    const line = body.subarray(start, end)
    lines.push(line.at(-1) === 0x0d ? line.subarray(0, -1) : line)
    start = end + 1
  }
  if (start < body.length) lines.push(body.subarray(start))
  return lines
}

/** Runs `simulate` and returns the SimulateOptionsError it must throw. */
async function optionsError(options: SimulateOptions): Promise<SimulateOptionsError> {
  const error = await simulate(options).then(
    () => null,
    (caught: unknown) => caught,
  )
  expect(error, JSON.stringify(options)).toBeInstanceOf(SimulateOptionsError)
  return error as SimulateOptionsError
}

/** Mounts a tmpfs of `size` (a mount size such as `64k`) on a new folder under `root`; throws when it cannot. */
function mountSmallDisk(name: string, size: string): string {
  const folder = join(root, name)
  mkdirSync(folder)
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', folder])
  } catch (error) {
    throw new Error(`test: a ${size} tmpfs is needed for a full disk and mount failed: ${(error as Error).message}`)
  }
  return folder
}

function isValidUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    return true
  } catch {
    return false
  }
}

describe('simulate', () => {
  let folder: string
  let summary: SimulateSummary

  beforeEach(async () => {
    folder = join(root, 'index')
    summary = await simulate({ ...MIXED, to: folder })
  })

  it('writes the requested file count', async () => {
    const names = await readdir(folder)

    expect(names).toHaveLength(MIXED.files)
    expect(summary.files).toHaveLength(MIXED.files)
    expect(new Set(summary.files.map((file) => file.name))).toEqual(new Set(names))
  })

  it('covers every kind and trait', () => {
    for (const [key, count] of Object.entries(summary.counts)) {
      if (key === 'large') expect(count, key).toBe(0)
      else expect(count, key).toBeGreaterThan(0)
    }
    const kindTotal = summary.counts.good + summary.counts['rejected-records'] + summary.counts['rejected-over-threshold'] +
      summary.counts['unmatched-name'] + summary.counts.duplicate + summary.counts.large
    expect(kindTotal).toBe(MIXED.files)
    expect(summary.counts['via-rename'] + summary.counts['slow-append']).toBe(MIXED.files)
  })

  it('names matched files by pattern', () => {
    for (const file of summary.files) {
      const match = registry.match(file.name)
      if (file.kind === 'unmatched-name') {
        expect(match.ok, file.name).toBe(false)
        expect(file.client).toBeNull()
        continue
      }
      const groups = MATCHED_NAME.exec(file.name)?.groups
      expect(groups, file.name).toBeDefined()
      expect(groups?.client).toBe(file.client)
      expect(groups?.jobType).toBe(file.jobType)
      expect(groups?.cycle).toBe(file.cycleDate)
      expect(match.ok, file.name).toBe(true)
      if (match.ok) expect(match.jobType.name, file.name).toBe(file.jobType)
    }
  })

  it('dates cycles within a month', () => {
    const base = Date.parse(`${summary.baseDate.slice(0, 4)}-${summary.baseDate.slice(4, 6)}-${summary.baseDate.slice(6)}`)
    for (const file of summary.files.filter((candidate) => candidate.cycleDate !== null)) {
      const cycle = file.cycleDate ?? ''
      const daysBack = (base - Date.parse(`${cycle.slice(0, 4)}-${cycle.slice(4, 6)}-${cycle.slice(6)}`)) / 86_400_000
      expect(daysBack, file.name).toBeGreaterThanOrEqual(0)
      expect(daysBack, file.name).toBeLessThanOrEqual(30)
    }
  })

  it('repeats bytes for the same seed', async () => {
    const again = join(root, 'again')
    const other = join(root, 'other')
    const repeated = await simulate({ ...MIXED, to: again })
    await simulate({ ...MIXED, seed: 7, to: other })

    expect(repeated).toEqual(summary)
    expect(await readFolder(again)).toEqual(await readFolder(folder))
    expect(await readFolder(other)).not.toEqual(await readFolder(folder))
  })

  it('copies duplicates byte for byte', async () => {
    const duplicates = summary.files.filter((file) => file.kind === 'duplicate')
    expect(duplicates.length).toBeGreaterThan(0)

    for (const duplicate of duplicates) {
      const original = summary.files.find((file) => file.name === duplicate.duplicateOf)
      expect(original, duplicate.name).toBeDefined()
      const copy = MATCHED_NAME.exec(duplicate.name)?.groups
      const source = MATCHED_NAME.exec(original?.name ?? '')?.groups
      expect(copy?.client).toBe(source?.client)
      expect(copy?.jobType).toBe(source?.jobType)
      expect(copy?.cycle).toBe(source?.cycle)
      expect(copy?.seq).not.toBe(source?.seq)
      expect(await readFile(join(folder, duplicate.name))).toEqual(await readFile(join(folder, original?.name ?? '')))
      expect(duplicate.expectedStatus).toBe('FAILED')
    }
  })

  it('writes CRLF and BOM as listed', async () => {
    for (const file of summary.files) {
      const bytes = await readFile(join(folder, file.name))
      const lineFeeds = bytes.toString('latin1').split('\n').length - 1
      const crlfs = bytes.toString('latin1').split('\r\n').length - 1

      expect(lineFeeds, file.name).toBeGreaterThan(0)
      expect(crlfs, file.name).toBe(file.traits.includes('crlf') ? lineFeeds : 0)
      expect(bytes.subarray(0, 3).equals(BOM), file.name).toBe(file.traits.includes('bom'))
    }
  })

  it('writes header lines as listed', async () => {
    for (const file of summary.files.filter((candidate) => candidate.jobType !== null)) {
      const [first] = splitLines(await readFile(join(folder, file.name)))
      const header = jobTypeOf(file).columns.map((column) => column.name).join('|')
      expect(first?.toString() === header, file.name).toBe(file.traits.includes('header'))
    }
  })

  it('leaves no temporary names', async () => {
    const names = await readdir(folder)

    expect(names.filter((name) => name.startsWith('.') || name.endsWith('.tmp') || name.endsWith('.part'))).toEqual([])
  })

  it('plants the faults it reports', async () => {
    const faulty = summary.files.filter((file) => file.faults.length > 0 && file.jobType !== null)
    const planted = new Set(faulty.flatMap((file) => file.faults.map((fault) => fault.fault)))
    expect([...planted].sort()).toEqual(['field-count', 'invalid-utf8', 'invalid-value'])

    for (const file of faulty) {
      const lines = splitLines(await readFile(join(folder, file.name)))
      const columns = jobTypeOf(file).columns.length
      for (const { line, fault } of file.faults) {
        const bytes = lines[line - 1] ?? Buffer.alloc(0)
        const where = `${file.name}:${line}`
        const fieldCount = bytes.toString('latin1').split('|').length
        if (fault === 'invalid-utf8') expect(isValidUtf8(bytes), where).toBe(false)
        if (fault === 'field-count') expect(fieldCount, where).not.toBe(columns)
        if (fault === 'invalid-value') {
          expect(isValidUtf8(bytes), where).toBe(true)
          expect(fieldCount, where).toBe(columns)
        }
      }
    }
  })

  it('agrees with the index file parser', async () => {
    const matched = summary.files.filter((candidate) => candidate.jobType !== null)
    expect(new Set(matched.map((file) => file.jobType))).toEqual(new Set(BUILT_IN_JOB_TYPES.map((jobType) => jobType.name)))

    for (const file of matched) {
      const jobType = jobTypeOf(file)
      const result = await parseIndexFile(join(folder, file.name), jobType)
      const share = result.counts.rejected / result.counts.records

      expect(result.fatal, file.name).toBeNull()
      expect(result.size, file.name).toBe(file.size)
      expect(result.counts.records, file.name).toBe(file.records)
      expect(result.rejections.map((rejection) => rejection.line), file.name).toEqual(file.faults.map((fault) => fault.line))
      if (file.kind === 'rejected-records') expect(share, file.name).toBeLessThan(jobType.rejectionThreshold)
      if (file.kind === 'rejected-over-threshold') expect(share, file.name).toBeGreaterThan(jobType.rejectionThreshold)
      if (file.kind === 'good') expect(file.expectedStatus, file.name).toBe('SUCCESS')
    }
  })

  it('keeps ~50 records with small page counts', async () => {
    const typical = summary.files.filter((file) => file.records >= 40 && file.records <= 60)
    expect(typical.length / summary.files.length).toBeGreaterThan(0.7)

    const statement = summary.files.find((file) => file.jobType === 'stmt' && file.kind === 'good')
    const lines = splitLines(await readFile(join(folder, statement?.name ?? '')))
    const records = statement?.traits.includes('header') ? lines.slice(1) : lines
    for (const line of records) {
      const pages = Number(line.toString().split('|')[4])
      expect(pages).toBeGreaterThanOrEqual(1)
      expect(pages).toBeLessThanOrEqual(20)
    }
  })
})

describe('simulate large file', () => {
  it('writes about the requested size', async () => {
    const folder = join(root, 'index')
    const summary = await simulate({ to: folder, files: 3, largeMb: 3, seed: 5 })
    const large = summary.files.filter((file) => file.kind === 'large')

    expect(large).toHaveLength(1)
    const { size } = await stat(join(folder, large[0]?.name ?? ''))
    expect(size).toBe(large[0]?.size)
    expect(Math.abs(size - 3 * 1024 * 1024)).toBeLessThan(1024)
    expect(large[0]?.expectedStatus).toBe('SUCCESS')
    expect(await readdir(folder)).toHaveLength(3)
  })
})

describe('simulate options', () => {
  it('reports progress per file', async () => {
    const calls: [number, number][] = []
    await simulate({ to: join(root, 'index'), files: 8, seed: 3, slowAppendMs: 10 }, (written, total) => calls.push([written, total]))

    expect(calls).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((written) => [written, 8]))
  })

  it('completes at a given rate', async () => {
    const folder = join(root, 'index')
    const summary = await simulate({ to: folder, files: 6, rate: 100, seed: 4, slowAppendMs: 10 })

    expect(summary.files).toHaveLength(6)
    expect(await readdir(folder)).toHaveLength(6)
  })

  it('writes only the given clients and job types', async () => {
    const options = { files: 20, seed: 9, slowAppendMs: 10, clients: ['wayne'], jobTypes: ['insert', 'ack'] }
    const summary = await simulate({ ...options, to: join(root, 'index') })

    expect(new Set(summary.files.map((file) => file.client))).toEqual(new Set(['wayne']))
    expect(new Set(summary.files.map((file) => file.jobType))).toEqual(new Set(['insert', 'ack']))
  })

  it('rejects invalid options', async () => {
    const to = join(root, 'index')
    const cases: [Omit<SimulateOptions, 'to'>, string][] = [
      [{ files: -1 }, '--files must be a whole number of 1 or more, got -1'],
      [{ files: 0 }, '--files must be a whole number of 1 or more, got 0'],
      [{ files: 2.5 }, '--files must be a whole number of 1 or more, got 2.5'],
      [{ files: 1, rate: 0 }, '--rate must be more than 0 files per second, got 0'],
      [{ files: 1, rate: -3 }, '--rate must be more than 0 files per second, got -3'],
      [{ files: 1, badRatio: 1.5 }, '--bad-ratio must be a share from 0 to 1, got 1.5'],
      [{ files: 1, badRatio: -0.1 }, '--bad-ratio must be a share from 0 to 1, got -0.1'],
      [{ files: 1, largeMb: -1 }, `--large-mb must be more than 0 and at most ${MAX_LARGE_MB} MiB, got -1`],
      [{ files: 1, largeMb: 0 }, `--large-mb must be more than 0 and at most ${MAX_LARGE_MB} MiB, got 0`],
      [{ files: 1, largeMb: MAX_LARGE_MB + 1 }, `--large-mb must be more than 0 and at most ${MAX_LARGE_MB} MiB, got 10241`],
      [{ files: 1, seed: 1.5 }, '--seed must be a whole number, got 1.5'],
      [{ files: 1, slowAppendMs: -1 }, 'slowAppendMs must be 0 or more milliseconds, got -1'],
      [{ files: 1, clients: [] }, 'clients must list at least one client, got none'],
      [
        { files: 1, clients: ['Bad_Name'] },
        'client name must start with a lower-case letter followed by lower-case letters, digits and dashes, got "Bad_Name"',
      ],
      [{ files: 1, jobTypes: ['invoice'] }, 'job type must be one of stmt, notice, insert, ack, got "invoice"'],
    ]

    for (const [options, message] of cases) {
      const error = await optionsError({ ...options, to })
      expect(error.message).toBe(`simulate: ${message}`)
      expect(error.name).toBe('SimulateOptionsError')
    }
    expect(existsSync(to)).toBe(false)
  })

  it('rejects --to that is a file', async () => {
    const blocker = join(root, 'plain-file')
    await writeFile(blocker, 'not a folder')

    const error = await optionsError({ to: blocker, files: 1, seed: 1 })

    expect(error.message).toBe(`simulate: --to ${blocker} is a file, not a folder: choose a folder for the index files`)
    expect(await readFile(blocker, 'utf8')).toBe('not a folder')
  })

  it('reports an index folder it cannot create', async () => {
    const blocker = join(root, 'plain-file')
    await writeFile(blocker, 'not a folder')

    await expect(simulate({ to: join(blocker, 'index'), files: 1, seed: 1 })).rejects.toThrow(
      `simulate: cannot create index folder ${join(blocker, 'index')} (ENOTDIR)`,
    )
    const error = await optionsError({ to: join(blocker, 'index', 'deeper'), files: 1, seed: 1 })
    expect(error.message).toBe(
      `simulate: cannot create index folder ${join(blocker, 'index', 'deeper')} (ENOTDIR) because ${blocker} is a ` +
        'file, not a folder: choose another --to',
    )
    expect(await readFile(blocker, 'utf8')).toBe('not a folder')
  })

  it('creates missing parent folders', async () => {
    const to = join(root, 'a', 'b', 'index')

    const summary = await simulate({ to, files: 2, seed: 1, slowAppendMs: 10 })

    expect((await readdir(to)).sort()).toEqual(summary.files.map((file) => file.name).sort())
  })

  it('fails under /proc instead of hanging', async () => {
    if (!existsSync('/proc/self')) throw new Error('test: /proc is not mounted, so no folder rejects mkdir')
    const to = join('/proc', `pui-simulate-${process.pid}`, 'index')

    const error = await optionsError({ to, files: 1, seed: 1 })

    expect(error.message).toBe(
      `simulate: cannot create index folder ${join('/proc', `pui-simulate-${process.pid}`)} (ENOENT): /proc does ` +
        'not accept new folders, so choose another --to',
    )
    expect(existsSync(to)).toBe(false)
  })
})

describe('simulate existing files', () => {
  it('moves to the next free sequence', async () => {
    const options = { files: 10, seed: 11, slowAppendMs: 10 }
    const planned = await simulate({ ...options, to: join(root, 'probe') })
    const occupied = planned.files.map((file) => file.name).filter((name) => MATCHED_NAME.test(name)).slice(0, 3)
    const folder = join(root, 'index')
    await mkdir(folder)
    for (const name of occupied) await writeFile(join(folder, name), `existing ${name}\n`)

    const summary = await simulate({ ...options, to: folder })

    for (const name of occupied) expect(await readFile(join(folder, name), 'utf8')).toBe(`existing ${name}\n`)
    expect(await readdir(folder)).toHaveLength(options.files + occupied.length)
    const written = summary.files.map((file) => file.name)
    for (const name of occupied) expect(written).not.toContain(name)
    for (const file of summary.files.filter((candidate) => candidate.client !== null)) {
      expect(file.name, file.name).toMatch(MATCHED_NAME)
    }
  })
})

describe('simulate slow appends', () => {
  it('grows under the final name', async () => {
    const options = { files: 40, seed: 20261130, slowAppendMs: 0 }
    const planned = await simulate({ ...options, to: join(root, 'probe') })
    const slow = planned.files.find((file) => file.traits.includes('slow-append'))
    if (slow === undefined) throw new Error('test: seed 20261130 plans no slow-append file, so pick another seed')

    const folder = join(root, 'index')
    const run = simulate({ ...options, slowAppendMs: 800, to: folder })
    let partialSize: number | null = null
    for (let attempt = 0; attempt < 1000 && partialSize === null; attempt += 1) {
      const size = await stat(join(folder, slow.name)).then((stats) => stats.size, () => null)
      // The file exists empty between its creation and the first append, so only a size above 0 counts.
      if (size !== null && size > 0 && size < slow.size) partialSize = size
      else await delay(5)
    }
    const summary = await run

    expect(partialSize).not.toBeNull()
    expect(summary.files.find((file) => file.name === slow.name)?.traits).toContain('slow-append')
    expect((await stat(join(folder, slow.name))).size).toBe(slow.size)
  })
})

describe('simulate on a full disk', () => {
  let mountPoint: string | null = null

  afterEach(() => {
    if (mountPoint !== null) execFileSync('umount', [mountPoint])
    mountPoint = null
  })

  it('rejects large file without space', async () => {
    mountPoint = mountSmallDisk('small', '64k')
    const to = join(mountPoint, 'index')

    const error = await optionsError({ to, files: 3, largeMb: 1, seed: 5 })

    expect(error.message).toMatch(
      new RegExp(
        `^simulate: --large-mb needs 1\\.0 MiB \\(1048576 bytes\\) for the large file, but ${to} has 0\\.\\d MiB ` +
          '\\(\\d+ bytes\\) free: free space there or choose a smaller --large-mb$',
      ),
    )
    expect(await readdir(to)).toEqual([])
  })

  it('removes large temporary file on failure', async () => {
    const options = { files: 2, largeMb: 1, seed: 5 }
    const planned = await simulate({ ...options, to: join(root, 'probe') })
    const [first, large] = planned.files
    if (first?.kind === 'large' || large?.kind !== 'large' || !first?.traits.includes('via-rename')) {
      throw new Error('test: seed 5 no longer plans a renamed file before the large one, so pick another seed')
    }
    mountPoint = mountSmallDisk('small', '2m')
    const filler = join(mountPoint, 'filler.bin')

    // The free-space check passes at the start. The filler then leaves room for only part of the large file.
    const failure = simulate({ ...options, to: mountPoint }, (written) => {
      if (written === 1) writeFileSync(filler, Buffer.alloc(1536 * 1024))
    })

    const largeTemp = new RegExp(`^simulate: cannot write ${mountPoint}/\\.?${large.name}\\.(part|tmp) \\(ENOSPC\\): `)
    await expect(failure).rejects.toThrow(largeTemp)
    expect((await readdir(mountPoint)).sort()).toEqual([first.name, 'filler.bin'].sort())
    expect((await stat(filler)).size).toBe(1536 * 1024)
  })

  it('fails naming ENOSPC', async () => {
    const folder = join(root, 'small')
    await mkdir(folder)
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', folder])
    } catch (error) {
      throw new Error(`test: a 64 KiB tmpfs is needed for ENOSPC and mount failed: ${(error as Error).message}`)
    }
    mountPoint = folder

    await expect(simulate({ to: folder, files: 40, seed: 2, slowAppendMs: 10 })).rejects.toThrow(
      /^simulate: cannot write .* \(ENOSPC\): check free space and permissions in the index folder$/,
    )
    const names = await readdir(folder)
    expect(names.length).toBeGreaterThan(0)
    expect(names.filter((name) => name.startsWith('.') || name.endsWith('.tmp') || name.endsWith('.part'))).toEqual([])
  })
})
