import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { z } from 'zod'
import type { ProcessingError } from '../../shared/job'
import { JobTypesFileSchema, type ColumnDefinition, type JobType } from '../../shared/schemas'
import { FileNamePattern, PATTERN_TIME_LIMIT_MS, PatternTimeoutError } from './file-name-pattern'
import { toIsoDate } from './record-validation'

/** Name of the optional job-types file in the data folder. */
export const JOB_TYPES_FILE_NAME = 'job-types.json'

const FILE_NAME_FORMAT = '<client>_<jobtype>_<YYYYMMDD>_<seq>.txt'
const LAYOUT_PLACEHOLDERS = ['client', 'jobtype', 'yyyy', 'mm', 'dd', 'file'] as const

/** Raised for invalid job types. The message names the file, the job type and the field. */
export class JobTypesError extends Error {
  override name = 'JobTypesError'
}

function fileNamePattern(jobTypeName: string): string {
  return `^(?<client>[A-Za-z0-9-]+)_${jobTypeName}_(?<cycle>\\d{8})_(?<seq>\\d+)\\.txt$`
}

const STATEMENT_COLUMNS: ColumnDefinition[] = [
  { name: 'account_number', kind: 'digits', required: true, maxLength: 20 },
  { name: 'account_name', kind: 'text', required: true, maxLength: 100 },
  { name: 'document_date', kind: 'date', required: true },
  { name: 'document_file', kind: 'document-file', required: true, extensions: ['.pdf', '.afp'], maxLength: 255 },
  { name: 'page_count', kind: 'integer', required: true, min: 1, max: 9999 },
  { name: 'document_type', kind: 'text', required: false, maxLength: 10 },
]

const COMMON = { delimiter: '|', header: 'optional', encoding: 'utf-8' } as const

/** Job types available without a job-types file, one for each backup callback. */
export const BUILT_IN_JOB_TYPES: JobType[] = [
  {
    ...COMMON,
    name: 'stmt',
    description: 'Customer statements',
    fileNamePattern: fileNamePattern('stmt'),
    columns: STATEMENT_COLUMNS,
    pagesColumn: 'page_count',
    rejectionThreshold: 0.1,
    backupCallback: 'archive',
    archiveLayout: '<client>/<yyyy>/<mm>/<file>',
  },
  {
    ...COMMON,
    name: 'notice',
    description: 'Notices, with the statement columns',
    fileNamePattern: fileNamePattern('notice'),
    columns: STATEMENT_COLUMNS,
    pagesColumn: 'page_count',
    rejectionThreshold: 0.1,
    backupCallback: 'archive',
    archiveLayout: '<client>/notices/<yyyy>/<mm>/<file>',
  },
  {
    ...COMMON,
    name: 'insert',
    description: 'Print inserts, moved to the archive without an archival status',
    fileNamePattern: fileNamePattern('insert'),
    columns: [
      { name: 'insert_code', kind: 'text', required: true, maxLength: 20 },
      { name: 'insert_file', kind: 'document-file', required: true, extensions: ['.pdf'], maxLength: 255 },
      { name: 'page_count', kind: 'integer', required: true, min: 1, max: 99 },
    ],
    pagesColumn: 'page_count',
    rejectionThreshold: 0.05,
    backupCallback: 'move-only',
    archiveLayout: '<client>/inserts/<yyyy>/<file>',
  },
  {
    ...COMMON,
    name: 'ack',
    description: 'Acknowledgement files, left in the index folder after processing',
    fileNamePattern: fileNamePattern('ack'),
    columns: [
      { name: 'account_number', kind: 'digits', required: true, maxLength: 20 },
      { name: 'document_file', kind: 'document-file', required: true, extensions: ['.pdf', '.afp'], maxLength: 255 },
      { name: 'ack_date', kind: 'date', required: true },
    ],
    pagesColumn: null,
    rejectionThreshold: 0.1,
    backupCallback: 'none',
    archiveLayout: '<client>/<yyyy>/<mm>/<file>',
  },
]

/** Result of matching a file name against the job types. */
export type JobTypeMatch =
  | { ok: true; jobType: JobType; client: string; cycleDate: string }
  | { ok: false; error: ProcessingError }

/**
 * Finds the problem in one job type that the schema cannot express.
 * Returns `field: message`, or null when the job type is consistent.
 */
function findProblem(jobType: JobType): string | null {
  let groups: Record<string, string | undefined> | undefined
  try {
    // Matching the empty alternative lists every named group of the pattern as a key.
    groups = new RegExp(`(?:${jobType.fileNamePattern})|`).exec('')?.groups
  } catch (error) {
    return `fileNamePattern: invalid regular expression (${(error as Error).message})`
  }
  for (const group of ['client', 'cycle']) {
    if (groups === undefined || !(group in groups)) {
      return `fileNamePattern: missing the named group (?<${group}>...)`
    }
  }

  if (['\r', '\n'].includes(jobType.delimiter)) return 'delimiter: a line break cannot be the delimiter'

  const seen = new Set<string>()
  for (const [index, column] of jobType.columns.entries()) {
    const key = column.name.toLowerCase()
    if (seen.has(key)) return `columns[${index}].name: duplicate column name "${column.name}"`
    seen.add(key)
    if (column.min !== undefined && column.max !== undefined && column.min > column.max) {
      return `columns[${index}].min: ${column.min} is greater than max ${column.max}`
    }
  }

  if (jobType.pagesColumn !== null) {
    const pages = jobType.columns.find((column) => column.name === jobType.pagesColumn)
    if (pages?.kind !== 'integer') return `pagesColumn: "${jobType.pagesColumn}" is not an integer column`
  }

  const unknown = [...jobType.archiveLayout.matchAll(/<([^>]*)>/g)].find(
    ([, name]) => !(LAYOUT_PLACEHOLDERS as readonly string[]).includes(name ?? ''),
  )
  if (unknown !== undefined) {
    const known = LAYOUT_PLACEHOLDERS.map((name) => `<${name}>`).join(', ')
    return `archiveLayout: unknown placeholder ${unknown[0]}; use ${known}`
  }
  if (!jobType.archiveLayout.includes('<file>')) return 'archiveLayout: missing <file>'
  try {
    archiveRelativePath(jobType, { client: 'client', cycleDate: '2000-01-01', fileName: 'file.txt' })
  } catch {
    return `archiveLayout: ${jobType.archiveLayout} leaves the archive folder (an empty, . or .. part, or absolute)`
  }
  return null
}

/** The job types in effect, in match order. */
export class JobTypeRegistry {
  private readonly jobTypes: readonly JobType[]
  private readonly patterns: ReadonlyMap<string, FileNamePattern>

  /** Throws JobTypesError when a job type is inconsistent or two share a name. */
  constructor(jobTypes: readonly JobType[]) {
    const names = new Set<string>()
    for (const jobType of jobTypes) {
      if (names.has(jobType.name)) throw new JobTypesError(`job types: duplicate job type name "${jobType.name}"`)
      names.add(jobType.name)
      const problem = findProblem(jobType)
      if (problem !== null) throw new JobTypesError(`job types: job type "${jobType.name}", ${problem}`)
    }
    this.jobTypes = [...jobTypes]
    const builtInPatterns = new Set(BUILT_IN_JOB_TYPES.map((builtIn) => builtIn.fileNamePattern))
    this.patterns = new Map(
      jobTypes.map((jobType) => [jobType.name, new FileNamePattern(jobType.fileNamePattern, builtInPatterns.has(jobType.fileNamePattern))]),
    )
  }

  all(): readonly JobType[] {
    return this.jobTypes
  }

  get(name: string): JobType | undefined {
    return this.jobTypes.find((jobType) => jobType.name === name)
  }

  /**
   * Finds the first job type whose pattern matches the file name and whose cycle group is a real date.
   * Fails with `BAD_FILE_NAME` when patterns match but no cycle date is valid, else with `NO_JOB_TYPE`. A pattern
   * that runs past its time limit fails the file with `NO_JOB_TYPE` at once, so a slow pattern cannot hand the file
   * to a later job type.
   */
  match(fileName: string): JobTypeMatch {
    let badCycle: string | null = null
    for (const jobType of this.jobTypes) {
      let groups
      try {
        groups = this.patterns.get(jobType.name)?.exec(fileName)
      } catch (error) {
        if (!(error instanceof PatternTimeoutError)) throw error
        const message =
          `the fileNamePattern of job type "${jobType.name}" ran longer than ${PATTERN_TIME_LIMIT_MS} ms on file name ` +
          `${fileName}, so the file stays in the index folder: rewrite the pattern in job-types.json without nested or ` +
          'overlapping repetition such as (a+)+ or (a|a)*'
        return { ok: false, error: { code: 'NO_JOB_TYPE', message } }
      }
      // A pattern may make the client group optional, but a job without a client cannot be archived.
      if (groups === undefined || !groups.client) continue

      const cycle = groups.cycle ?? ''
      const cycleDate = toIsoDate(cycle)
      if (cycleDate !== null) return { ok: true, jobType, client: groups.client, cycleDate }
      badCycle ??= cycle
    }

    if (badCycle !== null) {
      const message =
        `invalid cycle date ${badCycle} in file name ${fileName}: expected a real calendar date YYYYMMDD; ` +
        'the file stays in the index folder'
      return { ok: false, error: { code: 'BAD_FILE_NAME', message } }
    }
    const message =
      `no job type matches file name ${fileName}: expected ${FILE_NAME_FORMAT}; ` +
      'the file stays in the index folder'
    return { ok: false, error: { code: 'NO_JOB_TYPE', message } }
  }
}

type Issue = z.core.$ZodIssue

function describeIssue(issue: Issue): string {
  // Zod prefixes its messages with a category such as "Too big: ", which the field path makes redundant.
  const message = issue.message.replace(/^[A-Z][a-z]+( [a-z]+)?: /, '')
  switch (issue.code) {
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join(', ')}`
    case 'unrecognized_keys':
      return `unknown field ${issue.keys.map((key) => `"${key}"`).join(', ')}`
    case 'invalid_type':
      return message.endsWith('received undefined') ? `missing, expected ${issue.expected}` : message
    default:
      return message
  }
}

function formatPath(segments: readonly PropertyKey[]): string {
  const parts = segments.map((segment, index) => {
    if (typeof segment === 'number') return `[${segment}]`
    return index === 0 ? String(segment) : `.${String(segment)}`
  })
  return parts.join('')
}

function issueMessage(source: string, raw: unknown, issue: Issue): string {
  const [root, index, ...field] = issue.path
  if (root !== 'jobTypes' || typeof index !== 'number') {
    return `${source}: ${formatPath(issue.path) || 'top level'}: ${describeIssue(issue)}`
  }

  const entry = (raw as { jobTypes: unknown[] }).jobTypes[index] as { name?: unknown } | undefined
  const label = typeof entry?.name === 'string' ? `job type "${entry.name}"` : `jobTypes[${index}]`
  const where = field.length === 0 ? '' : `, ${formatPath(field)}`
  return `${source}: ${label}${where}: ${describeIssue(issue)}`
}

function jsonErrorMessage(source: string, text: string, error: Error): string {
  const position = /position (\d+)/.exec(error.message)?.[1]
  if (position === undefined) return `${source}: invalid JSON (${error.message})`

  const before = text.slice(0, Number(position))
  const line = before.split('\n').length
  const column = Number(position) - before.lastIndexOf('\n')
  return `${source}: invalid JSON at line ${line}, column ${column} (${error.message})`
}

/** Validates the parsed contents of a job-types file. Throws JobTypesError naming the file, job type and field. */
export function parseJobTypesFile(source: string, raw: unknown): JobType[] {
  const result = JobTypesFileSchema.safeParse(raw)
  if (!result.success) {
    const [issue] = result.error.issues
    throw new JobTypesError(issue === undefined ? `${source}: invalid job types` : issueMessage(source, raw, issue))
  }

  const names = new Set<string>()
  for (const [index, jobType] of result.data.jobTypes.entries()) {
    if (names.has(jobType.name)) {
      throw new JobTypesError(`${source}: jobTypes[${index}].name: duplicate job type "${jobType.name}"`)
    }
    names.add(jobType.name)
    const problem = findProblem(jobType)
    if (problem !== null) throw new JobTypesError(`${source}: job type "${jobType.name}", ${problem}`)
  }
  return result.data.jobTypes
}

/**
 * Loads the built-in job types and the optional `job-types.json` in the data folder.
 * An entry named like a built-in replaces it in place; other entries are added after the built-ins.
 * Throws JobTypesError when the file cannot be read or is invalid; a missing file is not an error.
 */
export async function loadJobTypes(dataDir: string): Promise<JobTypeRegistry> {
  const file = path.join(dataDir, JOB_TYPES_FILE_NAME)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return new JobTypeRegistry(BUILT_IN_JOB_TYPES)
    throw new JobTypesError(`${file}: cannot read the job-types file (${code ?? String(error)}): check its permissions`)
  }

  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new JobTypesError(`${jsonErrorMessage(file, text, error as Error)}: fix the file or remove it`)
  }

  const custom = parseJobTypesFile(file, raw)
  const byName = new Map(custom.map((jobType) => [jobType.name, jobType]))
  const merged = BUILT_IN_JOB_TYPES.map((builtIn) => byName.get(builtIn.name) ?? builtIn)
  const added = custom.filter((jobType) => !BUILT_IN_JOB_TYPES.some((builtIn) => builtIn.name === jobType.name))
  return new JobTypeRegistry([...merged, ...added])
}

/** Values the archive layout placeholders are filled from. `cycleDate` is `YYYY-MM-DD`. */
export interface ArchivePathValues {
  client: string
  cycleDate: string
  fileName: string
}

/**
 * Expands the job type's archive layout into a path relative to the archive folder, with the platform's separator.
 * Throws when a value or the result would leave the archive folder: `..`, `.`, an empty part, a separator inside a
 * value, or an absolute path.
 */
export function archiveRelativePath(jobType: JobType, values: ArchivePathValues): string {
  const [yyyy, mm, dd] = values.cycleDate.split('-')
  const replacements: Record<string, string | undefined> = {
    client: values.client,
    jobtype: jobType.name,
    yyyy,
    mm,
    dd,
    file: values.fileName,
  }

  for (const [name, value] of Object.entries(replacements)) {
    if (value === undefined || ['', '.', '..'].includes(value) || /[/\\\0]/.test(value)) {
      const quoted = JSON.stringify(value ?? '')
      throw new Error(
        `archive path: invalid <${name}> value ${quoted} for job type "${jobType.name}": ` +
          "check the job type's fileNamePattern",
      )
    }
  }

  const expanded = jobType.archiveLayout.replace(/<([a-z]+)>/g, (placeholder, name: string) => {
    return replacements[name] ?? placeholder
  })
  const parts = expanded.split(/[/\\]/)
  const absolute = path.posix.isAbsolute(expanded) || path.win32.isAbsolute(expanded)
  if (absolute || parts.some((part) => ['', '.', '..'].includes(part))) {
    throw new Error(
      `archive path: layout ${jobType.archiveLayout} gives ${expanded}, which leaves the archive folder: ` +
        "fix the job type's archiveLayout",
    )
  }
  return path.join(...parts)
}
