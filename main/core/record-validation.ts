import { TextDecoder } from 'node:util'
import type { JobCounts, ProcessingError, Rejection } from '../../shared/job'
import { assertNever } from '../../shared/status'
import type { ColumnDefinition, JobType } from '../../shared/schemas'
import { headerMismatch } from './header-line'

/** Maximum length of a value quoted in a rejection reason, in UTF-16 code units. */
const MAX_QUOTED_VALUE_LENGTH = 40

const DEFAULT_DOCUMENT_EXTENSIONS = ['.pdf', '.afp']

// C0 controls, DEL and C1 controls belong in no name or code, and a stray CR means mixed line endings.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/

/**
 * Converts a compact `YYYYMMDD` date into `YYYY-MM-DD`.
 * Returns null unless the value is eight digits naming a real calendar date with a year from 0001.
 */
export function toIsoDate(value: string): string | null {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(value)
  if (match === null) return null

  const [, yyyy = '', mm = '', dd = ''] = match
  const year = Number(yyyy)
  const month = Number(mm)
  const day = Number(dd)
  if (year < 1 || month < 1 || month > 12 || day < 1) return null

  const leapYear = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  const daysInMonth = [31, leapYear ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0
  if (day > daysInMonth) return null

  return `${yyyy}-${mm}-${dd}`
}

/** Column name as words for messages: `account_number` becomes `account number`. */
export function columnLabel(column: Pick<ColumnDefinition, 'name'>): string {
  return column.name.replace(/[_-]+/g, ' ')
}

function quoteValue(value: string): string {
  const quoted = value.length > MAX_QUOTED_VALUE_LENGTH ? `${value.slice(0, MAX_QUOTED_VALUE_LENGTH)}…` : value
  return quoted.replace(new RegExp(CONTROL_CHARACTER, 'g'), (char) => codePointName(char))
}

function codePointName(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`
}

function countCodePoints(value: string): number {
  let count = 0
  for (const _char of value) count += 1
  return count
}

function checkText(value: string, maxLength: number | undefined): string | null {
  const control = CONTROL_CHARACTER.exec(value)
  if (control !== null) return `contains control character ${codePointName(control[0])}`

  // A string has at least as many UTF-16 code units as characters, so short strings skip the count.
  if (maxLength !== undefined && value.length > maxLength) {
    const length = countCodePoints(value)
    if (length > maxLength) return `expected at most ${maxLength} characters, found ${length}`
  }
  return null
}

function checkDocumentFile(value: string, column: ColumnDefinition): string | null {
  if (value.includes('/') || value.includes('\\')) return 'expected a bare file name without / or \\'

  const extensions = column.extensions ?? DEFAULT_DOCUMENT_EXTENSIONS
  const lowerCase = value.toLowerCase()
  const extension = extensions.find((candidate) => lowerCase.endsWith(candidate))
  if (extension === undefined) return `expected a file name ending ${extensions.join(' or ')}`
  if (value.length === extension.length) return `expected a file name before ${extension}`

  return checkText(value, column.maxLength)
}

function checkInteger(value: string, column: ColumnDefinition): string | null {
  const { min, max } = column
  let expected = 'expected a whole number'
  if (min !== undefined && max !== undefined) expected += ` from ${min} to ${max}`
  else if (min !== undefined) expected += ` of at least ${min}`
  else if (max !== undefined) expected += ` of at most ${max}`

  if (!/^-?\d{1,15}$/.test(value)) return expected
  const number = Number(value)
  if ((min !== undefined && number < min) || (max !== undefined && number > max)) return expected
  return null
}

/**
 * Validates one decoded field against its column.
 * Returns the rejection reason naming the column and the value, or null when the value is valid.
 */
export function checkValue(column: ColumnDefinition, value: string): string | null {
  if (value === '') return column.required ? `${columnLabel(column)}: missing value` : null

  let problem: string | null
  switch (column.kind) {
    case 'digits': {
      const maxLength = column.maxLength ?? 20
      problem = /^[0-9]+$/.test(value) && value.length <= maxLength ? null : `expected 1 to ${maxLength} digits`
      break
    }
    case 'text':
      problem = checkText(value, column.maxLength)
      break
    case 'date':
      problem = toIsoDate(value) === null ? 'expected a real calendar date YYYYMMDD' : null
      break
    case 'document-file':
      problem = checkDocumentFile(value, column)
      break
    case 'integer':
      problem = checkInteger(value, column)
      break
    default:
      return assertNever(column.kind)
  }
  // The label is built only for a rejection, because this runs for every field of every record.
  return problem === null ? null : `${columnLabel(column)} ${quoteValue(value)}: ${problem}`
}

/** Outcome of checking one record: the pages it adds, or why it is rejected. */
export type RecordVerdict = { ok: true; pages: number } | { ok: false; reason: string }

/**
 * Checks records of one job type: field count, encoding and each value.
 * Fields arrive as raw bytes so that bytes invalid in the job type's encoding reject the record instead of being
 * replaced by U+FFFD.
 */
export class RecordValidator {
  private readonly decoder: TextDecoder
  private readonly pagesIndex: number
  /** Fields up to the last required column: the optional columns after it may be left out of a record. */
  private readonly fewestFields: number

  constructor(private readonly jobType: JobType) {
    // ignoreBOM keeps a U+FEFF inside a field visible. The file's leading BOM is removed before parsing.
    this.decoder =
      jobType.encoding === 'utf-8'
        ? new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
        : new TextDecoder('windows-1252', { ignoreBOM: true })
    this.pagesIndex = jobType.columns.findIndex((column) => column.name === jobType.pagesColumn)
    this.fewestFields = jobType.columns.findLastIndex((column) => column.required) + 1
  }

  /** Decodes one field, or returns null when its bytes are invalid in the job type's encoding. */
  decode(bytes: Uint8Array): string | null {
    try {
      return this.decoder.decode(bytes)
    } catch (error) {
      // A fatal TextDecoder throws TypeError for invalid input, so any other error is a bug.
      if (error instanceof TypeError) return null
      throw error
    }
  }

  /** Drops the one empty field that a trailing delimiter (`a|b|`) leaves after the last column. */
  withoutTrailingEmptyField(fields: Uint8Array[]): Uint8Array[] {
    const last = fields[fields.length - 1]
    if (fields.length === this.jobType.columns.length + 1 && last !== undefined && last.length === 0) {
      return fields.slice(0, -1)
    }
    return fields
  }

  /** Returns true when a line has every column, or leaves out only optional columns at its end. */
  private hasFieldCount(fields: readonly Uint8Array[]): boolean {
    return fields.length >= this.fewestFields && fields.length <= this.jobType.columns.length
  }

  /** Returns true when the fields spell the column names, ignoring case and surrounding spaces. */
  isHeader(rawFields: Uint8Array[]): boolean {
    const fields = this.withoutTrailingEmptyField(rawFields)
    if (!this.hasFieldCount(fields)) return false

    return fields.every((bytes, index) => {
      const text = this.decode(bytes)
      const name = this.jobType.columns[index]?.name ?? ''
      return text !== null && text.trim().toLowerCase() === name.toLowerCase()
    })
  }

  /** Checks one record that is not an empty line. */
  check(rawFields: Uint8Array[]): RecordVerdict {
    const { columns, encoding } = this.jobType
    const fields = this.withoutTrailingEmptyField(rawFields)
    if (!this.hasFieldCount(fields)) {
      const expected = this.fewestFields === columns.length ? `${columns.length}` : `${this.fewestFields} to ${columns.length}`
      return { ok: false, reason: `expected ${expected} fields, found ${fields.length}` }
    }

    let pages = 0
    for (const [index, column] of columns.entries()) {
      const value = this.decode(fields[index] ?? new Uint8Array())
      if (value === null) {
        return { ok: false, reason: `${columnLabel(column)}: invalid ${encoding.toUpperCase()} byte sequence` }
      }

      const problem = checkValue(column, value)
      if (problem !== null) return { ok: false, reason: problem }
      if (index === this.pagesIndex && value !== '') pages = Number(value)
    }
    return { ok: true, pages }
  }
}

/**
 * Counts the records of one index file as they stream in, one call per line.
 *
 * Line 1 is skipped when it is the header (and rejected when the job type requires a header and it is missing).
 * When line 1 names columns other than the job type's, `headerMismatch` describes the difference, and every later
 * line is counted as rejected without a sample of its own. An empty line is rejected unless it is the last line of
 * the file.
 */
export class RecordCollector {
  readonly counts: JobCounts = { records: 0, accepted: 0, rejected: 0, pages: 0 }
  readonly rejections: Rejection[] = []
  headerSkipped = false
  /** Set when line 1 is a header that does not match the job type's columns. */
  headerMismatch: ProcessingError | null = null

  private readonly validator: RecordValidator
  private line = 0
  private pendingEmptyLine: number | null = null

  constructor(
    private readonly jobType: JobType,
    private readonly maxRejections: number,
  ) {
    this.validator = new RecordValidator(jobType)
  }

  /** Takes the fields of the next line, as the parser split them. */
  add(fields: Uint8Array[]): void {
    this.line += 1

    if (this.line === 1 && this.jobType.header !== 'none') {
      if (this.validator.isHeader(fields)) {
        this.headerSkipped = true
        return
      }
      const decoded = this.validator.withoutTrailingEmptyField(fields).map((bytes) => this.validator.decode(bytes))
      this.headerMismatch = headerMismatch(this.jobType, decoded)
      if (this.headerMismatch !== null) return
      if (this.jobType.header === 'required') {
        const names = this.jobType.columns.map((column) => column.name).join(this.jobType.delimiter)
        this.reject(this.line, `missing header line: expected ${names}`)
        return
      }
    }

    if (this.headerMismatch !== null) {
      // The columns of the records are unknown, so each one is rejected, and the mismatch is the only reason shown.
      if (fields.length > 1 || fields[0]?.length !== 0) {
        this.counts.records += 1
        this.counts.rejected += 1
      }
      return
    }

    // Whether an empty line is allowed is known only once the next line arrives or the file ends.
    if (fields.length === 1 && fields[0]?.length === 0) {
      if (this.pendingEmptyLine !== null) this.reject(this.pendingEmptyLine, 'empty line')
      this.pendingEmptyLine = this.line
      return
    }
    if (this.pendingEmptyLine !== null) {
      this.reject(this.pendingEmptyLine, 'empty line')
      this.pendingEmptyLine = null
    }

    const verdict = this.validator.check(fields)
    if (!verdict.ok) {
      this.reject(this.line, verdict.reason)
      return
    }
    this.counts.records += 1
    this.counts.accepted += 1
    this.counts.pages += verdict.pages
  }

  private reject(line: number, reason: string): void {
    this.counts.records += 1
    this.counts.rejected += 1
    if (this.rejections.length < this.maxRejections) this.rejections.push({ line, reason })
  }
}
