import type { ColumnDefinition, JobType } from '../../shared/schemas'

/** The parts of a job type that decide what its index files contain. */
export type SampleLayout = Pick<JobType, 'name' | 'columns' | 'delimiter' | 'header' | 'pagesColumn' | 'rejectionThreshold'>

/** A seeded pseudo-random sequence. The same seed always gives the same values. */
export interface Random {
  /** A number in [0, 1). */
  next(): number
  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number
  pick<T>(items: readonly T[]): T
  chance(probability: number): boolean
  /** A fresh 32-bit seed for a separate sequence. */
  seed(): number
}

/** Creates a mulberry32 generator: small, fast and good enough for sample data, not for anything secret. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0

  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))

  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('random pick: the list of items is empty')
      return items[int(0, items.length - 1)] as T
    },
    chance: (probability) => next() < probability,
    seed: () => int(0, 0xffff_ffff),
  }
}

/** Ways a sample record is made to be rejected. */
export const RECORD_FAULTS = ['invalid-value', 'field-count', 'invalid-utf8'] as const
export type RecordFault = (typeof RECORD_FAULTS)[number]

/** Everything that decides the bytes of one sample index file. */
export interface IndexFileSpec {
  layout: SampleLayout
  client: string
  /** Cycle date `YYYYMMDD`. Document dates fall from 0 to 10 days before it. */
  cycle: string
  /** Seed of the record values, so the same spec always gives the same bytes. */
  seed: number
  header: boolean
  lineEnding: 'lf' | 'crlf'
  bom: boolean
  /** A number of records, or a size in bytes after which no further record is started. */
  length: { records: number } | { bytes: number }
  /** Rejected records by 0-based record index. */
  faults: ReadonlyMap<number, RecordFault>
}

export const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])

/** Byte sequences that are not valid UTF-8: a lone Windows-1252 `é`, a broken pair, a stray byte, an encoded surrogate. */
const INVALID_UTF8_SEQUENCES = [[0xe9], [0xc3, 0x28], [0xff], [0xed, 0xa0, 0x80]]

const FIRST_NAMES = ['Alice', 'Bruno', 'Chen', 'Dana', 'José', 'Zoë', 'Søren', 'Amélie', 'Łukasz', 'Priya', 'Omar']
const LAST_NAMES = ['Smith', "O'Neil", 'Müller', 'Nakamura', 'García', 'Kowalski', 'Dubois', 'Okafor', 'Lindqvist']
const COMPANY_SUFFIXES = ['& Sons', 'Holdings Ltd', 'Trading Co.', 'GmbH']
const PHRASES = ['Monthly statement', 'Rate change notice', 'Privacy policy update', 'Payment reminder']
const CODE_PREFIXES: Record<string, string> = { stmt: 'ST', notice: 'NT', insert: 'IN', ack: 'AK' }

const MS_PER_DAY = 86_400_000
const DOCUMENT_DAYS_BACK = 10
const CHUNK_BYTES = 64 * 1024

/** A spec with the document dates it allows, computed once per file because date formatting is slow. */
interface RecordContext {
  spec: IndexFileSpec
  /** Cycle date and the days before it, `YYYYMMDD`. */
  documentDates: string[]
}

/** Formats a UTC date as `YYYYMMDD`. */
export function formatCycle(date: Date): string {
  return date.toISOString().slice(0, 10).replaceAll('-', '')
}

/** Returns the `YYYYMMDD` date `days` days after `cycle` (before it when negative). */
export function addDays(cycle: string, days: number): string {
  const start = Date.UTC(Number(cycle.slice(0, 4)), Number(cycle.slice(4, 6)) - 1, Number(cycle.slice(6, 8)))
  return formatCycle(new Date(start + days * MS_PER_DAY))
}

/** Returns the header line of a layout: the column names joined by its delimiter. */
export function headerLine(layout: SampleLayout): string {
  return layout.columns.map((column) => column.name).join(layout.delimiter)
}

/**
 * Generates the bytes of an index file in chunks of about 64 KiB, so a file of any size is written in constant
 * memory. The generator's return value is the number of records written.
 */
export function* indexFileChunks(spec: IndexFileSpec): Generator<Buffer, number, undefined> {
  const random = createRandom(spec.seed)
  const documentDates = Array.from({ length: DOCUMENT_DAYS_BACK + 1 }, (_, days) => addDays(spec.cycle, -days))
  const context: RecordContext = { spec, documentDates }
  const eol = spec.lineEnding === 'crlf' ? '\r\n' : '\n'
  const parts: Buffer[] = []
  let text = ''
  let pendingBytes = 0
  let totalBytes = 0
  let records = 0

  const append = (piece: string | Buffer): void => {
    const size = typeof piece === 'string' ? Buffer.byteLength(piece) : piece.length
    if (typeof piece === 'string') {
      text += piece
    } else {
      parts.push(Buffer.from(text), piece)
      text = ''
    }
    pendingBytes += size
    totalBytes += size
  }
  const takePending = (): Buffer => {
    parts.push(Buffer.from(text))
    const chunk = Buffer.concat(parts)
    parts.length = 0
    text = ''
    pendingBytes = 0
    return chunk
  }
  const finished = (): boolean =>
    'records' in spec.length ? records >= spec.length.records : totalBytes >= spec.length.bytes

  if (spec.bom) append(UTF8_BOM)
  if (spec.header) append(headerLine(spec.layout) + eol)

  while (!finished()) {
    append(recordLine(context, random, spec.faults.get(records)))
    append(eol)
    records += 1
    if (pendingBytes >= CHUNK_BYTES) yield takePending()
  }
  if (pendingBytes > 0) yield takePending()
  return records
}

/** Builds the whole file in memory, so it suits small files only. */
export function indexFileBytes(spec: IndexFileSpec): Buffer {
  return Buffer.concat([...indexFileChunks(spec)])
}

/** Builds one record line without its line ending. It is a Buffer only when it carries invalid UTF-8. */
function recordLine(context: RecordContext, random: Random, fault: RecordFault | undefined): string | Buffer {
  const { spec } = context
  const { columns, delimiter } = spec.layout
  const fields = columns.map((column) => validValue(column, context, random))

  switch (fault) {
    case undefined:
      return fields.join(delimiter)
    case 'invalid-value': {
      const candidates = columns.map((column, index) => ({ column, index })).filter(({ column }) => canBeInvalid(column))
      if (candidates.length === 0) {
        throw new Error(`sample records: job type ${spec.layout.name} has no required column that can hold an invalid value`)
      }
      const { column, index } = random.pick(candidates)
      fields[index] = invalidValue(column, random)
      return fields.join(delimiter)
    }
    case 'field-count':
      return wrongFieldCount(fields, delimiter, random)
    case 'invalid-utf8': {
      // Mis-encoded text usually shows up in names. A layout without a text column gets it in a file name.
      const textIndex = columns.findIndex((column) => column.kind === 'text' && column.required)
      const fileIndex = columns.findIndex((column) => column.kind === 'document-file')
      const index = Math.max(textIndex >= 0 ? textIndex : fileIndex, 0)
      const before = fields.slice(0, index).map((field) => field + delimiter).join('')
      const after = fields.slice(index + 1).map((field) => delimiter + field).join('')
      const value = fields[index] ?? ''
      const cut = random.int(0, value.length)
      return Buffer.concat([
        Buffer.from(before + value.slice(0, cut)),
        Buffer.from(random.pick(INVALID_UTF8_SEQUENCES)),
        Buffer.from(value.slice(cut) + after),
      ])
    }
  }
}

function validValue(column: ColumnDefinition, context: RecordContext, random: Random): string {
  const { spec } = context
  switch (column.kind) {
    case 'digits':
      return digits(random, Math.max(1, Math.min(column.maxLength ?? 20, random.int(8, 12))))
    case 'text':
      return limitLength(textValue(column, spec, random), column.maxLength)
    case 'date':
      return random.pick(context.documentDates)
    case 'document-file': {
      const extension = random.pick(column.extensions ?? ['.pdf'])
      return `${spec.client}_${spec.cycle}_${digits(random, 8)}${extension}`
    }
    case 'integer': {
      const min = column.min ?? 0
      const max = column.max ?? min + 999
      // Page counts stay small like real mail pieces, while other integers use up to 1000 values of their range.
      if (column.name === spec.layout.pagesColumn) return String(random.int(Math.max(min, 1), Math.min(max, 20)))
      return String(random.int(min, Math.min(max, min + 999)))
    }
  }
}

function textValue(column: ColumnDefinition, spec: IndexFileSpec, random: Random): string {
  if (/name/i.test(column.name)) {
    const person = `${random.pick(FIRST_NAMES)} ${random.pick(LAST_NAMES)}`
    return random.chance(0.2) ? `${random.pick(LAST_NAMES)} ${random.pick(COMPANY_SUFFIXES)}` : person
  }
  if (/type|code/i.test(column.name)) {
    if (!column.required && random.chance(0.2)) return ''
    const prefix = CODE_PREFIXES[spec.layout.name] ?? spec.layout.name.slice(0, 2).toUpperCase()
    return `${prefix}${String(random.int(1, 9)).padStart(2, '0')}`
  }
  return random.pick(PHRASES)
}

function canBeInvalid(column: ColumnDefinition): boolean {
  if (!column.required) return false
  return column.kind !== 'text' || column.maxLength !== undefined
}

function invalidValue(column: ColumnDefinition, random: Random): string {
  switch (column.kind) {
    case 'digits':
      return random.pick(['12A45678', '0042-7781', '9'.repeat((column.maxLength ?? 20) + 1)])
    case 'text':
      return 'X'.repeat((column.maxLength ?? 100) + 1)
    case 'date':
      return random.pick(['20260230', '20261301', '2026-11-30', '00000000'])
    case 'document-file':
      return random.pick(['statements/0001.pdf', 'C:\\out\\0001.pdf', 'letter.docx', 'no-extension'])
    case 'integer': {
      const min = column.min ?? 0
      return random.pick([String(min - 1), String((column.max ?? 9999) + 1), 'twelve', '3.5'])
    }
  }
}

function wrongFieldCount(fields: string[], delimiter: string, random: Random): string {
  // Fewer than three columns leave only an extra field as a certain miscount.
  const variant = fields.length < 3 ? 0 : random.int(0, 2)
  switch (variant) {
    case 0:
      return [...fields, 'EXTRA'].join(delimiter)
    case 1:
      return fields.slice(0, fields.length - 2).join(delimiter)
    default:
      // A producer that used the wrong delimiter: the whole line is a single field.
      return fields.join(delimiter === ',' ? ';' : ',')
  }
}

function digits(random: Random, length: number): string {
  let value = ''
  for (let i = 0; i < length; i += 1) value += String(random.int(0, 9))
  return value
}

function limitLength(value: string, maxLength: number | undefined): string {
  // A string has at least as many UTF-16 code units as characters, so a short one needs no counting.
  if (maxLength === undefined || value.length <= maxLength) return value
  return [...value].slice(0, maxLength).join('')
}
