import type { ProcessingError } from '../../shared/job'
import type { JobType } from '../../shared/schemas'

/** Maximum length of a found header shown in a message, in characters. */
const MAX_SHOWN_HEADER = 200

/**
 * Compares a first line that names columns with the job type's columns, and returns the `HEADER_MISMATCH` error
 * that describes the difference. Returns null for a line that names fewer than two of the job type's columns (one
 * for a job type with a single column), because such a line is read as a record. `fields` are the line's decoded
 * fields, null where the bytes are not valid text. The caller has already checked that the line is not the exact
 * header.
 */
export function headerMismatch(jobType: JobType, fields: (string | null)[]): ProcessingError | null {
  const expected = jobType.columns.map((column) => column.name)
  const known = new Set(expected.map((name) => name.toLowerCase()))
  const found = fields.map((field) => (field ?? '').trim())
  const named = found.filter((name) => known.has(name.toLowerCase())).length
  if (named < Math.min(2, expected.length)) return null

  const foundNames = new Set(found.map((name) => name.toLowerCase()))
  const missing = expected.filter((name) => !foundNames.has(name.toLowerCase()))
  const unknown = found.filter((name) => !known.has(name.toLowerCase()))
  const differences: string[] = []
  if (missing.length > 0) differences.push(`missing ${missing.join(', ')}`)
  if (unknown.length > 0) differences.push(`not a column of this job type: ${unknown.map((name) => JSON.stringify(name)).join(', ')}`)
  if (differences.length === 0) differences.push('the same columns in another order')

  const delimiter = jobType.delimiter
  const foundHeader = found.join(delimiter)
  const shownHeader = foundHeader.length > MAX_SHOWN_HEADER ? `${foundHeader.slice(0, MAX_SHOWN_HEADER)}…` : foundHeader
  const message =
    `header line does not match job type ${jobType.name}: expected ${expected.join(delimiter)}, found ${shownHeader} ` +
    `(${differences.join('; ')}), so no record was read: have the producer write every column in this order ` +
    `(a column that is not required may be empty, and left out only after the last required one), then send the file again`
  return { code: 'HEADER_MISMATCH', message }
}
