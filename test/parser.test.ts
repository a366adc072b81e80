import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { JobType } from '../shared/schemas'
import { BUILT_IN_JOB_TYPES } from '../main/core/job-types'
import { parseIndexFile } from '../main/core/parser'

const stmt = BUILT_IN_JOB_TYPES.find((jobType) => jobType.name === 'stmt') as JobType
const HEADER = 'account_number|account_name|document_date|document_file|page_count|document_type'
const GOOD = '1234567890|Jane Doe|20261130|statement-1.pdf|3|ST'
const BOM = Buffer.from([0xef, 0xbb, 0xbf])

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pui-parser-'))
})

afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function indexFile(content: string | Buffer, name = 'acme_stmt_20261130_1.txt'): Promise<string> {
  const file = path.join(dir, name)
  await writeFile(file, content)
  return file
}

describe('parseIndexFile', () => {
  it('accepts valid records and sums pages', async () => {
    const file = await indexFile(`${GOOD}\n1|John|20260101|b.afp|7|\n`)

    const result = await parseIndexFile(file, stmt)

    expect(result.fatal).toBeNull()
    expect(result.counts).toEqual({ records: 2, accepted: 2, rejected: 0, pages: 10 })
    expect(result.rejections).toEqual([])
  })

  it('reports the SHA-256 and size of the file', async () => {
    const content = Buffer.concat([BOM, Buffer.from(`${HEADER}\r\n${GOOD}\r\n`)])
    const file = await indexFile(content)

    const result = await parseIndexFile(file, stmt)

    expect(result.sha256).toBe(createHash('sha256').update(content).digest('hex'))
    expect(result.size).toBe(content.length)
  })

  it('skips a leading byte order mark', async () => {
    const file = await indexFile(Buffer.concat([BOM, Buffer.from(`${GOOD}\n`)]))

    const result = await parseIndexFile(file, stmt)

    expect(result.counts).toEqual({ records: 1, accepted: 1, rejected: 0, pages: 3 })
  })

  it('reads CRLF line endings', async () => {
    const file = await indexFile(`${GOOD}\r\n${GOOD}\r\n${GOOD}`)

    const result = await parseIndexFile(file, stmt)

    expect(result.counts).toEqual({ records: 3, accepted: 3, rejected: 0, pages: 9 })
  })

  it('allows one final empty line', async () => {
    for (const content of [`${GOOD}\n`, `${GOOD}\n\n`, `${GOOD}\r\n\r\n`, GOOD]) {
      const result = await parseIndexFile(await indexFile(content), stmt)

      expect(result.counts, JSON.stringify(content)).toEqual({ records: 1, accepted: 1, rejected: 0, pages: 3 })
    }
  })

  it('rejects empty lines before the end', async () => {
    const file = await indexFile(`${GOOD}\n\n${GOOD}\n\n\n`)

    const result = await parseIndexFile(file, stmt)

    expect(result.counts).toEqual({ records: 4, accepted: 2, rejected: 2, pages: 6 })
    expect(result.rejections).toEqual([
      { line: 2, reason: 'empty line' },
      { line: 4, reason: 'empty line' },
    ])
  })

  it('skips a header line in any case', async () => {
    const file = await indexFile(`${HEADER.toUpperCase()}\n${GOOD}\n`)

    const result = await parseIndexFile(file, stmt)

    expect(result.counts).toEqual({ records: 1, accepted: 1, rejected: 0, pages: 3 })
  })

  it('skips a header after a byte order mark', async () => {
    const file = await indexFile(Buffer.concat([BOM, Buffer.from(`${HEADER}|\n${GOOD}\n${GOOD}\n`)]))

    const result = await parseIndexFile(file, stmt)

    expect(result.counts).toEqual({ records: 2, accepted: 2, rejected: 0, pages: 6 })
  })

  it('counts a first line without header', async () => {
    const file = await indexFile(`${GOOD}\nbad\n`)

    const result = await parseIndexFile(file, stmt)

    expect(result.counts).toEqual({ records: 2, accepted: 1, rejected: 1, pages: 3 })
    expect(result.rejections).toEqual([{ line: 2, reason: 'expected 5 to 6 fields, found 1' }])
  })

  it('rejects a missing required header', async () => {
    const file = await indexFile(`${GOOD}\n${GOOD}\n`)

    const result = await parseIndexFile(file, { ...stmt, header: 'required' })

    expect(result.counts).toEqual({ records: 2, accepted: 1, rejected: 1, pages: 3 })
    expect(result.rejections).toEqual([{ line: 1, reason: `missing header line: expected ${HEADER}` }])
  })

  it('treats a header as data when none is declared', async () => {
    const file = await indexFile(`${HEADER}\n${GOOD}\n`)

    const result = await parseIndexFile(file, { ...stmt, header: 'none' })

    expect(result.counts).toEqual({ records: 2, accepted: 1, rejected: 1, pages: 3 })
    expect(result.rejections[0]?.line).toBe(1)
    expect(result.rejections[0]?.reason).toBe('account number account_number: expected 1 to 20 digits')
  })

  it('allows exactly one trailing empty field', async () => {
    const file = await indexFile(`${GOOD}|\n${GOOD}||\n1|A|20260101|a.pdf|1||\n`)

    const result = await parseIndexFile(file, stmt)

    expect(result.counts).toEqual({ records: 3, accepted: 2, rejected: 1, pages: 4 })
    expect(result.rejections).toEqual([{ line: 2, reason: 'expected 5 to 6 fields, found 8' }])
  })

  it('rejects a wrong field count', async () => {
    const file = await indexFile(`${GOOD}\n1|A|20260101|a.pdf\n${GOOD}|x\n`)

    const result = await parseIndexFile(file, stmt)

    expect(result.rejections).toEqual([
      { line: 2, reason: 'expected 5 to 6 fields, found 4' },
      { line: 3, reason: 'expected 5 to 6 fields, found 7' },
    ])
    expect(result.counts).toEqual({ records: 3, accepted: 1, rejected: 2, pages: 3 })
  })

  it('reads quotes as plain characters', async () => {
    const file = await indexFile(`1|"Jane" O"Neil|20261130|a.pdf|2|\n`)

    const result = await parseIndexFile(file, stmt)

    expect(result.counts).toEqual({ records: 1, accepted: 1, rejected: 0, pages: 2 })
  })

  it('rejects invalid UTF-8 without replacement characters', async () => {
    const invalid = Buffer.concat([Buffer.from('42|Caf'), Buffer.from([0xe9]), Buffer.from('|20261130|a.pdf|2|\n')])
    const file = await indexFile(Buffer.concat([Buffer.from(`${GOOD}\n${GOOD}\n`), invalid, Buffer.from(`${GOOD}\n`)]))

    const result = await parseIndexFile(file, stmt)

    expect(result.counts).toEqual({ records: 4, accepted: 3, rejected: 1, pages: 9 })
    expect(result.rejections).toEqual([{ line: 3, reason: 'account name: invalid UTF-8 byte sequence' }])
    expect(JSON.stringify(result)).not.toContain('\uFFFD')
  })

  it('decodes windows-1252 job types', async () => {
    const content = Buffer.concat([Buffer.from('42|Caf'), Buffer.from([0xe9]), Buffer.from('|20261130|a.pdf|2|\n')])
    const file = await indexFile(content)

    const result = await parseIndexFile(file, { ...stmt, encoding: 'windows-1252' })

    expect(result.counts).toEqual({ records: 1, accepted: 1, rejected: 0, pages: 2 })
  })

  it('rejects each invalid value kind', async () => {
    const cases: Array<[string, string]> = [
      ['12ab|A|20261130|a.pdf|1|', 'account number 12ab: expected 1 to 20 digits'],
      [`${'1'.repeat(21)}|A|20261130|a.pdf|1|`, `account number ${'1'.repeat(21)}: expected 1 to 20 digits`],
      ['|A|20261130|a.pdf|1|', 'account number: missing value'],
      [
        `1|${'x'.repeat(101)}|20261130|a.pdf|1|`,
        `account name ${'x'.repeat(40)}…: expected at most 100 characters, found 101`,
      ],
      ['1|A\rB|20261130|a.pdf|1|', 'account name AU+000DB: contains control character U+000D'],
      ['1|A|20260230|a.pdf|1|', 'document date 20260230: expected a real calendar date YYYYMMDD'],
      ['1|A|2026-11-30|a.pdf|1|', 'document date 2026-11-30: expected a real calendar date YYYYMMDD'],
      ['1|A|20261130|docs/a.pdf|1|', 'document file docs/a.pdf: expected a bare file name without / or \\'],
      ['1|A|20261130|docs\\a.pdf|1|', 'document file docs\\a.pdf: expected a bare file name without / or \\'],
      ['1|A|20261130|a.txt|1|', 'document file a.txt: expected a file name ending .pdf or .afp'],
      ['1|A|20261130|.pdf|1|', 'document file .pdf: expected a file name before .pdf'],
      ['1|A|20261130|a.pdf|0|', 'page count 0: expected a whole number from 1 to 9999'],
      ['1|A|20261130|a.pdf|10000|', 'page count 10000: expected a whole number from 1 to 9999'],
      ['1|A|20261130|a.pdf|3x|', 'page count 3x: expected a whole number from 1 to 9999'],
      ['1|A|20261130|a.pdf|1|TOOLONGCODE', 'document type TOOLONGCODE: expected at most 10 characters, found 11'],
    ]
    const file = await indexFile(cases.map(([line]) => line).join('\n'))

    const result = await parseIndexFile(file, stmt)

    expect(result.rejections).toEqual(cases.map(([, reason], index) => ({ line: index + 1, reason })))
    expect(result.counts).toEqual({ records: cases.length, accepted: 0, rejected: cases.length, pages: 0 })
  })

  it('accepts boundary values', async () => {
    const lines = [
      `${'9'.repeat(20)}|${'é'.repeat(100)}|20240229|A.PDF|9999|`,
      '0|A|20261231|report v2.afp|1|ST',
    ]
    const file = await indexFile(lines.join('\n'))

    const result = await parseIndexFile(file, stmt)

    expect(result.rejections).toEqual([])
    expect(result.counts).toEqual({ records: 2, accepted: 2, rejected: 0, pages: 10000 })
  })

  it('keeps 100 rejection samples', async () => {
    const lines = [GOOD, ...Array.from({ length: 150 }, () => 'bad'), GOOD]
    const file = await indexFile(lines.join('\n'))

    const result = await parseIndexFile(file, stmt)

    expect(result.counts).toEqual({ records: 152, accepted: 2, rejected: 150, pages: 6 })
    expect(result.rejections).toHaveLength(100)
    expect(result.rejections[0]).toEqual({ line: 2, reason: 'expected 5 to 6 fields, found 1' })
    expect(result.rejections[99]?.line).toBe(101)
  })

  it('honours a smaller rejection sample limit', async () => {
    const file = await indexFile(['bad', 'bad', 'bad', GOOD].join('\n'))

    const result = await parseIndexFile(file, stmt, { maxRejections: 2 })

    expect(result.rejections.map((rejection) => rejection.line)).toEqual([1, 2])
    expect(result.counts.rejected).toBe(3)
  })

  it('fails a file with a NUL byte', async () => {
    const file = await indexFile(Buffer.concat([Buffer.from(`${GOOD}\n12`), Buffer.from([0]), Buffer.from('\n')]))

    const result = await parseIndexFile(file, stmt)

    const offset = GOOD.length + 3
    expect(result.fatal).toEqual({
      code: 'BINARY',
      message: `binary file: NUL byte at offset ${offset}; index files are text`,
    })
    expect(result.sha256).toBeNull()
    expect(result.size).toBeNull()
    expect(result.counts).toEqual({ records: 0, accepted: 0, rejected: 0, pages: 0 })
  })

  it('fails an empty file', async () => {
    const file = await indexFile('')

    const result = await parseIndexFile(file, stmt)

    expect(result.fatal?.code).toBe('EMPTY')
    expect(result.fatal?.message).toMatch(/^no records: the file contains 0 bytes/)
    expect(result.sha256).toBe(createHash('sha256').digest('hex'))
    expect(result.size).toBe(0)
  })

  it('fails a file with only a BOM', async () => {
    const file = await indexFile(BOM)

    const result = await parseIndexFile(file, stmt)

    expect(result.fatal?.code).toBe('EMPTY')
    expect(result.fatal?.message).toMatch(/^no records: the file contains only a byte order mark/)
    expect(result.size).toBe(3)
  })

  it('fails a file with only a header', async () => {
    for (const content of [`${HEADER}\n`, Buffer.concat([BOM, Buffer.from(`${HEADER}\r\n\r\n`)])]) {
      const result = await parseIndexFile(await indexFile(content), stmt)

      expect(result.fatal?.code).toBe('EMPTY')
      expect(result.fatal?.message).toMatch(/^no records: the file contains only a header line/)
      expect(result.counts.records).toBe(0)
    }
  })

  it('fails a file with only an empty line', async () => {
    const result = await parseIndexFile(await indexFile('\r\n'), stmt)

    expect(result.fatal?.code).toBe('EMPTY')
    expect(result.fatal?.message).toMatch(/^no records: the file contains only an empty line/)
  })

  it('fails a folder as unreadable', async () => {
    const result = await parseIndexFile(dir, stmt)

    expect(result.fatal?.code).toBe('UNREADABLE')
    expect(result.fatal?.message).toBe(`cannot read ${dir} (EISDIR): the path is a folder, not an index file`)
    expect(result.sha256).toBeNull()
    expect(result.size).toBeNull()
  })

  it('fails a missing file as unreadable', async () => {
    const missing = path.join(dir, 'gone.txt')

    const result = await parseIndexFile(missing, stmt)

    expect(result.fatal).toEqual({
      code: 'UNREADABLE',
      message: `cannot read ${missing} (ENOENT): the file was moved or deleted before it was read`,
    })
  })

  it('fails a named pipe without blocking', async () => {
    const fifo = path.join(dir, 'pipe.txt')
    execFileSync('mkfifo', [fifo])

    const result = await parseIndexFile(fifo, stmt)

    expect(result.fatal?.code).toBe('NOT_A_FILE')
    expect(result.fatal?.message).toContain(fifo)
  })

  it('never opens a symbolic link', async () => {
    // A link swapped in after the caller checked the entry must not hand the target's content to the job.
    const target = await indexFile(`${GOOD}\n`, 'outside.txt')
    const link = path.join(dir, 'acme_stmt_20261130_1.txt')
    await symlink(target, link)

    const result = await parseIndexFile(link, stmt)

    expect(result.fatal).toEqual({
      code: 'SYMLINK',
      message: `symbolic link not followed: ${link}; put the index file itself in the index folder`,
    })
    expect(result.sha256).toBeNull()
    expect(result.counts.records).toBe(0)
  })

  it('fails a line over the size limit', async () => {
    const file = await indexFile(`${GOOD}\n${GOOD}\n1|${'x'.repeat(200)}|20261130|a.pdf|1|\n`)

    const result = await parseIndexFile(file, stmt, { maxRecordBytes: 100 })

    expect(result.fatal?.code).toBe('RECORD_TOO_LARGE')
    expect(result.fatal?.message).toMatch(/^record too large: line 3 is longer than 100 bytes/)
    expect(result.sha256).toBeNull()
  })

  it('fails a line longer than 1 MiB', async () => {
    const file = await indexFile(`${GOOD}\n1|${'x'.repeat(1024 * 1024 + 1)}|20261130|a.pdf|1|\n`)

    const result = await parseIndexFile(file, stmt)

    expect(result.fatal?.code).toBe('RECORD_TOO_LARGE')
    expect(result.fatal?.message).toMatch(/line 2 is longer than 1048576 bytes/)
  })

  it('parses a file of several megabytes', async () => {
    const lineCount = 100_000
    const lines: string[] = []
    for (let index = 1; index <= lineCount; index += 1) {
      const pages = (index % 9) + 1
      if (index % 1000 === 0) lines.push(`${index}|Bad|20261301|x.pdf|1|`)
      else lines.push(`${index}|Name ${index}|20261130|d${index}.pdf|${pages}|ST`)
    }
    const content = Buffer.from(`${HEADER}\r\n${lines.join('\r\n')}\r\n`)
    const file = await indexFile(content)
    const progress: number[] = []

    const result = await parseIndexFile(file, stmt, { onProgress: (bytesRead) => progress.push(bytesRead) })

    let expectedPages = 0
    for (let index = 1; index <= lineCount; index += 1) if (index % 1000 !== 0) expectedPages += (index % 9) + 1
    expect(content.length).toBeGreaterThan(4 * 1024 * 1024)
    expect(result.fatal).toBeNull()
    expect(result.counts).toEqual({
      records: lineCount,
      accepted: lineCount - 100,
      rejected: 100,
      pages: expectedPages,
    })
    expect(result.rejections[0]).toEqual({
      line: 1001,
      reason: 'document date 20261301: expected a real calendar date YYYYMMDD',
    })
    expect(result.sha256).toBe(createHash('sha256').update(content).digest('hex'))
    expect(progress.length).toBeGreaterThan(1)
    expect(progress.at(-1)).toBe(content.length)
  })
})
