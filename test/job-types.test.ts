import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { JobTypeSchema, JobTypesFileSchema, type JobType } from '../shared/schemas'
import {
  BUILT_IN_JOB_TYPES,
  JobTypeRegistry,
  JobTypesError,
  archiveRelativePath,
  loadJobTypes,
} from '../main/core/job-types'
import { PATTERN_TIME_LIMIT_MS } from '../main/core/file-name-pattern'

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pui-job-types-'))
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const stmt = BUILT_IN_JOB_TYPES.find((jobType) => jobType.name === 'stmt') as JobType

/** Builds a complete job-types entry as a user would write it, with `changes` applied. */
function entry(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'letter',
    fileNamePattern: '^(?<client>[a-z]+)_letter_(?<cycle>\\d{8})\\.txt$',
    delimiter: '|',
    columns: [
      { name: 'account_number', kind: 'digits' },
      { name: 'page_count', kind: 'integer', min: 1, max: 10 },
    ],
    pagesColumn: 'page_count',
    rejectionThreshold: 0.2,
    backupCallback: 'archive',
    ...changes,
  }
}

async function writeJobTypes(content: unknown): Promise<string> {
  const file = path.join(dir, 'job-types.json')
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2))
  return file
}

async function loadError(): Promise<string> {
  const error = await loadJobTypes(dir).then(
    () => null,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(JobTypesError)
  return (error as JobTypesError).message
}

describe('BUILT_IN_JOB_TYPES', () => {
  it('pass the job types schema', () => {
    expect(JobTypesFileSchema.parse({ jobTypes: BUILT_IN_JOB_TYPES }).jobTypes).toEqual(BUILT_IN_JOB_TYPES)
    for (const jobType of BUILT_IN_JOB_TYPES) expect(JobTypeSchema.parse(jobType)).toEqual(jobType)
  })

  it('cover every backup callback', () => {
    const callbacks = Object.fromEntries(BUILT_IN_JOB_TYPES.map((jobType) => [jobType.name, jobType.backupCallback]))

    expect(callbacks).toEqual({ stmt: 'archive', notice: 'archive', insert: 'move-only', ack: 'none' })
  })

  it('define the statement columns', () => {
    expect(stmt.columns.map((column) => [column.name, column.kind, column.required])).toEqual([
      ['account_number', 'digits', true],
      ['account_name', 'text', true],
      ['document_date', 'date', true],
      ['document_file', 'document-file', true],
      ['page_count', 'integer', true],
      ['document_type', 'text', false],
    ])
    expect(stmt.pagesColumn).toBe('page_count')
    expect(stmt.delimiter).toBe('|')
    expect(stmt.header).toBe('optional')
  })
})

describe('JobTypeRegistry', () => {
  const registry = new JobTypeRegistry(BUILT_IN_JOB_TYPES)

  it('matches each built-in file name', () => {
    for (const name of ['stmt', 'notice', 'insert', 'ack']) {
      const match = registry.match(`acme-bank_${name}_20261130_12.txt`)

      expect(match).toEqual({ ok: true, jobType: registry.get(name), client: 'acme-bank', cycleDate: '2026-11-30' })
    }
  })

  it('fails a name without job type', () => {
    const fileNames = ['readme.txt', 'acme_bill_20261130_1.txt', 'acme_stmt_20261130_1.csv', 'a_b_stmt_20261130_1.txt']
    for (const fileName of fileNames) {
      const match = registry.match(fileName)

      expect(match).toEqual({
        ok: false,
        error: {
          code: 'NO_JOB_TYPE',
          message:
            `no job type matches file name ${fileName}: expected <client>_<jobtype>_<YYYYMMDD>_<seq>.txt; ` +
            'the file stays in the index folder',
        },
      })
    }
  })

  it('fails an impossible cycle date', () => {
    const match = registry.match('acme_stmt_20261301_1.txt')

    expect(match.ok).toBe(false)
    if (match.ok) return
    expect(match.error.code).toBe('BAD_FILE_NAME')
    expect(match.error.message).toContain('20261301')
    expect(match.error.message).toContain('acme_stmt_20261301_1.txt')
  })

  it('rejects February 29 outside leap years', () => {
    expect(registry.match('acme_stmt_20240229_1.txt').ok).toBe(true)
    expect(registry.match('acme_stmt_20260229_1.txt').ok).toBe(false)
    expect(registry.match('acme_stmt_21000229_1.txt').ok).toBe(false)
  })

  it('skips a match without client', () => {
    const letter = { ...stmt, name: 'letter', fileNamePattern: '^(?<client>[a-z]*)_letter_(?<cycle>\\d{8})\\.txt$' }
    const withLetter = new JobTypeRegistry([letter])

    expect(withLetter.match('acme_letter_20261130.txt').ok).toBe(true)
    expect(withLetter.match('_letter_20261130.txt')).toMatchObject({ ok: false, error: { code: 'NO_JOB_TYPE' } })
  })

  it('returns job types by name', () => {
    expect(registry.get('stmt')).toBe(stmt)
    expect(registry.get('missing')).toBeUndefined()
    expect(registry.all().map((jobType) => jobType.name)).toEqual(['stmt', 'notice', 'insert', 'ack'])
  })

  it('rejects duplicate job type names', () => {
    expect(() => new JobTypeRegistry([stmt, stmt])).toThrow('duplicate job type name "stmt"')
  })

  it('stops a backtracking pattern in time', () => {
    // (a|a)* tries 2^n ways to split n letters before it gives up on a name that almost matches.
    const letter = JobTypeSchema.parse(entry({ fileNamePattern: '^(?<client>(a|a)*)_letter_(?<cycle>\\d{8})\\.txt$' }))
    const registry = new JobTypeRegistry([letter, stmt])

    const hostile = registry.match(`${'a'.repeat(64)}!_letter_20261130.txt`)
    expect(hostile.ok).toBe(false)
    const error = hostile.ok ? null : hostile.error
    expect(error?.code).toBe('NO_JOB_TYPE')
    expect(error?.message).toContain(`job type "letter" ran longer than ${PATTERN_TIME_LIMIT_MS} ms`)
    expect(error?.message).toContain('rewrite the pattern in job-types.json')

    const ordinary = registry.match('aaaa_letter_20261130.txt')
    expect(ordinary).toMatchObject({ ok: true, client: 'aaaa', cycleDate: '2026-11-30' })
    expect(registry.match('acme_stmt_20261130_1.txt')).toMatchObject({ ok: true, client: 'acme' })
  })
})

describe('loadJobTypes', () => {
  it('uses built-ins without a file', async () => {
    const registry = await loadJobTypes(dir)

    expect(registry.all()).toEqual(BUILT_IN_JOB_TYPES)
  })

  it('replaces a built-in and adds types', async () => {
    await writeJobTypes({
      jobTypes: [
        { ...stmt, rejectionThreshold: 0.5, backupCallback: 'none' },
        entry(),
      ],
    })

    const registry = await loadJobTypes(dir)

    expect(registry.all().map((jobType) => jobType.name)).toEqual(['stmt', 'notice', 'insert', 'ack', 'letter'])
    expect(registry.get('stmt')?.rejectionThreshold).toBe(0.5)
    expect(registry.get('stmt')?.backupCallback).toBe('none')
    expect(registry.get('letter')?.header).toBe('optional')
    expect(registry.get('letter')?.columns[0]?.required).toBe(true)
    expect(registry.match('acme_letter_20261130.txt')).toMatchObject({
      ok: true,
      client: 'acme',
      cycleDate: '2026-11-30',
    })
  })

  it('names file, type and field', async () => {
    const columns = [...stmt.columns]
    columns[2] = { name: 'document_date', kind: 'day' as never, required: true }
    const file = await writeJobTypes({ jobTypes: [{ ...stmt, columns }] })

    const message = await loadError()

    expect(message).toBe(
      `${file}: job type "stmt", columns[2].kind: expected one of digits, text, date, document-file, integer`,
    )
  })

  it('names the position of invalid JSON', async () => {
    const file = await writeJobTypes('{\n  "jobTypes": [\n    { "name": "letter", }\n  ]\n}\n')

    const message = await loadError()

    expect(message).toContain(`${file}: invalid JSON at line 3, column 25`)
    expect(message).toContain('fix the file or remove it')
  })

  it('reports each invalid field', async () => {
    const twoColumns = (first: object, second: object) => ({ columns: [first, second], pagesColumn: null })
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ rejectionThreshold: 2 }, 'rejectionThreshold: expected number to be <=1'],
      [{ fileNamePattern: undefined }, 'fileNamePattern: missing, expected string'],
      [
        { fileNamePattern: '^(?<client>[a-z]+)_letter_\\d{8}\\.txt$' },
        'fileNamePattern: missing the named group (?<cycle>...)',
      ],
      [{ fileNamePattern: '^(?<client>[a-z+_(?<cycle>\\d{8})$' }, 'fileNamePattern: invalid regular expression'],
      [{ pagesColumn: 'account_number' }, 'pagesColumn: "account_number" is not an integer column'],
      [{ pagesColumn: 'pages' }, 'pagesColumn: "pages" is not an integer column'],
      [
        twoColumns({ name: 'a', kind: 'text' }, { name: 'A', kind: 'text' }),
        'columns[1].name: duplicate column name "A"',
      ],
      [
        twoColumns({ name: 'n', kind: 'integer', min: 5, max: 1 }, { name: 'a', kind: 'text' }),
        'columns[0].min: 5 is greater than max 1',
      ],
      [{ archiveLayout: '<client>/<year>/<file>' }, 'archiveLayout: unknown placeholder <year>'],
      [{ archiveLayout: '<client>/../<file>' }, 'archiveLayout: <client>/../<file> leaves'],
      [{ archiveLayout: '/srv/<file>' }, 'archiveLayout: /srv/<file> leaves'],
      [{ archiveLayout: '<client>/<yyyy>' }, 'archiveLayout: missing <file>'],
      [{ delimiter: '\n' }, 'delimiter: a line break cannot be the delimiter'],
    ]

    for (const [changes, expected] of cases) {
      const file = await writeJobTypes({ jobTypes: [entry(changes)] })

      const message = await loadError()

      expect(message, JSON.stringify(changes)).toContain(`${file}: job type "letter", ${expected}`)
    }
  })

  it('reports invalid file structure', async () => {
    const cases: Array<[unknown, string]> = [
      [{ jobTypes: [entry({ colour: 'red' })] }, 'job type "letter": unknown field "colour"'],
      [{ jobTypes: [entry({ name: 'Bad Name' })] }, 'job type "Bad Name", name: lower-case letters, digits and dashes'],
      [{ jobTypes: [entry({ name: 3 })] }, 'jobTypes[0], name: expected string, received number'],
      [{ jobTypes: {} }, 'jobTypes: expected array, received object'],
      [{ types: [] }, 'jobTypes: missing, expected array'],
      [{ jobTypes: [], extra: 1 }, 'top level: unknown field "extra"'],
      [{ jobTypes: [entry(), entry()] }, 'jobTypes[1].name: duplicate job type "letter"'],
    ]

    for (const [content, expected] of cases) {
      const file = await writeJobTypes(content)

      const message = await loadError()

      expect(message, JSON.stringify(content)).toContain(`${file}: ${expected}`)
    }
  })

  it('fails an unreadable job-types file', async () => {
    const file = path.join(dir, 'job-types.json')
    await mkdir(file)

    const message = await loadError()

    expect(message).toBe(`${file}: cannot read the job-types file (EISDIR): check its permissions`)
  })
})

describe('archiveRelativePath', () => {
  const values = { client: 'acme', cycleDate: '2026-11-30', fileName: 'acme_stmt_20261130_1.txt' }

  it('expands the default layout', () => {
    expect(archiveRelativePath(stmt, values)).toBe(path.join('acme', '2026', '11', 'acme_stmt_20261130_1.txt'))
  })

  it('expands every placeholder', () => {
    const jobType = { ...stmt, archiveLayout: '<jobtype>/<client>/<yyyy>-<mm>-<dd>/<file>' }

    const expected = path.join('stmt', 'acme', '2026-11-30', 'acme_stmt_20261130_1.txt')
    expect(archiveRelativePath(jobType, values)).toBe(expected)
  })

  it('rejects values leaving the archive', () => {
    expect(() => archiveRelativePath(stmt, { ...values, client: '..' })).toThrow('invalid <client> value ".."')
    expect(() => archiveRelativePath(stmt, { ...values, fileName: 'a/b.txt' })).toThrow(
      'invalid <file> value "a/b.txt"',
    )
    expect(() => archiveRelativePath(stmt, { ...values, client: 'a\\b' })).toThrow('invalid <client> value')
    expect(() => archiveRelativePath(stmt, { ...values, cycleDate: '20261130' })).toThrow('invalid <mm> value')
  })

  it('rejects layouts leaving the archive', () => {
    for (const archiveLayout of ['../<file>', '/abs/<file>', 'C:\\<file>', '<client>//<file>', './<file>']) {
      expect(() => archiveRelativePath({ ...stmt, archiveLayout }, values), archiveLayout).toThrow(
        'which leaves the archive folder',
      )
    }
  })
})
