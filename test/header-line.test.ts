import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { JobType } from '../shared/schemas'
import { BUILT_IN_JOB_TYPES } from '../main/core/job-types'
import { parseIndexFile } from '../main/core/parser'
import { runCli } from './helpers/cli'
import { readStoredJobs } from './helpers/stored-jobs'

const stmt = BUILT_IN_JOB_TYPES.find((jobType) => jobType.name === 'stmt') as JobType
const HEADER = 'account_number|account_name|document_date|document_file|page_count|document_type'
const FIVE_COLUMNS = 'account_number|account_name|document_date|document_file|page_count'
const FIVE_FIELDS = '1000234|Jane Example|20261130|stmt_1000234.pdf|3'
const WITHOUT_NAME = 'account_number|document_date|document_file|page_count|document_type'
const FIVE_FIELDS_WITHOUT_NAME = '1000234|20261130|stmt_1000234.pdf|3|ST01'

const MISSING_ACCOUNT_NAME =
  `header line does not match job type stmt: expected ${HEADER}, found ${WITHOUT_NAME} (missing account_name), ` +
  'so no record was read: have the producer write every column in this order ' +
  '(a column that is not required may be empty, and left out only after the last required one), then send the file again'

describe('index file header line', () => {
  let dir: string

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pui-header-'))
  })

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  async function indexFile(content: string): Promise<string> {
    const file = path.join(dir, 'acme_stmt_20261130_1.txt')
    await writeFile(file, content)
    return file
  }

  it('names a missing column', async () => {
    const file = await indexFile(`${WITHOUT_NAME}\n${FIVE_FIELDS_WITHOUT_NAME}\n${FIVE_FIELDS_WITHOUT_NAME}\n\n`)

    const result = await parseIndexFile(file, stmt)

    expect(result.fatal).toEqual({ code: 'HEADER_MISMATCH', message: MISSING_ACCOUNT_NAME })
    expect(result.counts).toEqual({ records: 2, accepted: 0, rejected: 2, pages: 0 })
    expect(result.rejections).toEqual([])
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('names unknown and reordered columns', async () => {
    const unknown = await parseIndexFile(await indexFile(`${HEADER}|branch\n`), stmt)
    const reordered = await parseIndexFile(
      await indexFile('account_name|account_number|document_date|document_file|page_count|document_type\n'),
      stmt,
    )

    expect(unknown.fatal?.message).toContain(`found ${HEADER}|branch (not a column of this job type: "branch")`)
    expect(reordered.fatal?.message).toContain('(the same columns in another order)')
  })

  it('accepts a left-out optional last column', async () => {
    const file = await indexFile(`${FIVE_COLUMNS}\n${FIVE_FIELDS}\n${FIVE_FIELDS}\n`)

    const result = await parseIndexFile(file, stmt)

    expect(result.fatal).toBeNull()
    expect(result.rejections).toEqual([])
    expect(result.counts).toEqual({ records: 2, accepted: 2, rejected: 0, pages: 6 })
  })

  it('reads a four-field record as a record', async () => {
    const file = await indexFile('1000234|Jane Example|20261130|stmt_1000234.pdf\n')

    const result = await parseIndexFile(file, stmt)

    expect(result.fatal).toBeNull()
    expect(result.rejections).toEqual([{ line: 1, reason: 'expected 5 to 6 fields, found 4' }])
  })

  it('fails the job and archives the file', async () => {
    const indexDir = path.join(dir, 'in')
    const dataDir = path.join(dir, 'data')
    const archiveDir = path.join(dir, 'arch')
    await mkdir(indexDir)
    await writeFile(path.join(indexDir, 'acme_stmt_20261130_1.txt'), `${WITHOUT_NAME}\n${FIVE_FIELDS_WITHOUT_NAME}\n`)

    const result = await runCli(['run', '--once', '--quiet', '--index', indexDir, '--archive', archiveDir, '--data', dataDir, '--stability-ms', '50'])

    expect(result.code).toBe(3)
    const [job] = await readStoredJobs(dataDir)
    expect(job?.status).toBe('FAILED')
    expect(job?.error).toEqual({ code: 'HEADER_MISMATCH', message: MISSING_ACCOUNT_NAME })
    expect(job?.rejections).toEqual([])
    expect(await readdir(indexDir)).toEqual([])
    expect(existsSync(path.join(archiveDir, 'acme', '2026', '11', 'acme_stmt_20261130_1.txt'))).toBe(true)
  })
})
