import {
  RECORD_FAULTS,
  addDays,
  type IndexFileSpec,
  type Random,
  type RecordFault,
  type SampleLayout,
} from './index-file-samples'
import { BUILT_IN_JOB_TYPES } from '../core/job-types'

/** The case a simulated file exercises. Each file has exactly one kind. */
export const SIMULATED_KINDS = [
  'good',
  'rejected-records',
  'rejected-over-threshold',
  'unmatched-name',
  'duplicate',
  'large',
] as const
export type SimulatedKind = (typeof SIMULATED_KINDS)[number]

/** The choices that decide which files a run writes. */
export interface PlanOptions {
  /** Number of files to write. */
  files: number
  /** Share of files (0 to 1) with rejected records, an unmatched name or duplicate content. Default 0. */
  badRatio?: number
  /** When set, one file is about this many MiB, written in chunks and never held in memory. */
  largeMb?: number
  /** Client names used in file names. Default acme, globex, initech, umbrella, hooli. */
  clients?: string[]
  /** Job types to write, by name. Default all built-in ones. */
  jobTypes?: string[]
}

/** One file decided before anything is written. */
export interface PlannedFile {
  kind: SimulatedKind
  spec: IndexFileSpec
  write: 'via-rename' | 'slow-append'
  tempStyle: 'part' | 'tmp'
  /** Candidate names by sequence number, starting at `firstSequence`. */
  nameAt: (sequence: number) => string
  firstSequence: number
  matched: boolean
  duplicateOf: PlannedFile | null
  /** The name claimed on disk, once the file is started. */
  name: string | null
}

/** Layouts of the built-in job types. A job-types file in the data folder does not change what is simulated. */
export const SAMPLE_LAYOUTS: readonly SampleLayout[] = BUILT_IN_JOB_TYPES
const DEFAULT_CLIENTS = ['acme', 'globex', 'initech', 'umbrella', 'hooli']
const JOB_TYPE_WEIGHTS: Record<string, number> = { stmt: 5, notice: 3, insert: 2, ack: 1 }
/** Bad kinds are handed out in this order, so even a few bad files cover every kind. */
const BAD_KIND_ROTATION: SimulatedKind[] = [
  'rejected-records',
  'duplicate',
  'unmatched-name',
  'rejected-over-threshold',
  'rejected-records',
  'duplicate',
  'unmatched-name',
  'rejected-records',
]
const BASE_EPOCH = '20260101'
const CYCLE_DAYS_BACK = 30

/**
 * Decides every file before anything is written, so the same seed always gives the same plan. Cycle dates fall
 * from 0 to 30 days before a base date that the seed picks in 2026.
 */
export function planFiles(options: PlanOptions, random: Random): { baseDate: string; files: PlannedFile[] } {
  const baseDate = addDays(BASE_EPOCH, random.int(0, 364))
  const clients = options.clients ?? DEFAULT_CLIENTS
  const layouts = SAMPLE_LAYOUTS.filter((layout) => options.jobTypes?.includes(layout.name) ?? true)
  const largeLayout = layouts[0] as SampleLayout
  const sequences = new Map<string, number>()
  const unmatchedUses = new Map<string, number>()
  const copyable: PlannedFile[] = []
  const plan: PlannedFile[] = []

  const matchedName = (client: string, jobType: string, cycle: string) => {
    const key = `${client}_${jobType}_${cycle}`
    const sequence = (sequences.get(key) ?? 0) + 1
    sequences.set(key, sequence)
    return { nameAt: (n: number) => `${key}_${n}.txt`, firstSequence: sequence }
  }
  const writeStyle = (kind: SimulatedKind) => ({
    write: kind !== 'large' && random.chance(0.1) ? ('slow-append' as const) : ('via-rename' as const),
    tempStyle: random.chance(0.5) ? ('part' as const) : ('tmp' as const),
  })

  for (const kind of assignKinds(options, random)) {
    if (kind === 'duplicate') {
      const original = random.pick(copyable)
      const { layout, client, cycle } = original.spec
      const naming = matchedName(client, layout.name, cycle)
      plan.push({ ...original, kind, ...writeStyle(kind), ...naming, duplicateOf: original, name: null })
      continue
    }

    const layout = kind === 'large' ? largeLayout : pickWeighted(layouts, random)
    const client = random.pick(clients)
    const cycle = addDays(baseDate, -random.int(0, CYCLE_DAYS_BACK))
    const records = random.chance(0.9) ? random.int(40, 60) : random.int(100, 300)
    const spec: IndexFileSpec = {
      layout,
      client,
      cycle,
      seed: random.seed(),
      header: layout.header === 'required' || (layout.header === 'optional' && random.chance(0.3)),
      lineEnding: random.chance(0.2) ? 'crlf' : 'lf',
      bom: random.chance(0.15),
      length: kind === 'large' ? { bytes: Math.round((options.largeMb ?? 0) * 1024 * 1024) } : { records },
      faults: planFaults(kind, records, layout.rejectionThreshold, random),
    }

    const matched = kind !== 'unmatched-name'
    const naming = matched ? matchedName(client, layout.name, cycle) : unmatchedName(client, cycle, random, unmatchedUses)
    const planned: PlannedFile = { kind, spec, ...writeStyle(kind), ...naming, matched, duplicateOf: null, name: null }
    plan.push(planned)
    if (kind === 'good' || kind === 'rejected-records') copyable.push(planned)
  }
  return { baseDate, files: plan }
}

/** Lists one kind per file in a shuffled order where every duplicate comes after a file it can copy. */
function assignKinds(options: PlanOptions, random: Random): SimulatedKind[] {
  const badCount = Math.round(options.files * (options.badRatio ?? 0))
  const kinds = Array.from({ length: options.files }, (_, index): SimulatedKind =>
    index < badCount ? (BAD_KIND_ROTATION[index % BAD_KIND_ROTATION.length] as SimulatedKind) : 'good',
  )
  if (options.largeMb !== undefined && kinds.length > 0) {
    const goodIndex = kinds.lastIndexOf('good')
    kinds[goodIndex >= 0 ? goodIndex : kinds.length - 1] = 'large'
  }

  for (let i = kinds.length - 1; i > 0; i -= 1) {
    const j = random.int(0, i)
    ;[kinds[i], kinds[j]] = [kinds[j] as SimulatedKind, kinds[i] as SimulatedKind]
  }

  const canBeCopied = (kind: SimulatedKind | undefined) => kind === 'good' || kind === 'rejected-records'
  let copySeen = false
  for (let i = 0; i < kinds.length; i += 1) {
    if (kinds[i] === 'duplicate' && !copySeen) {
      const later = kinds.findIndex((kind, j) => j > i && canBeCopied(kind))
      if (later >= 0) {
        ;[kinds[i], kinds[later]] = [kinds[later] as SimulatedKind, 'duplicate']
      } else {
        kinds[i] = 'rejected-records'
      }
    }
    copySeen ||= canBeCopied(kinds[i])
  }
  return kinds
}

function pickWeighted(layouts: readonly SampleLayout[], random: Random): SampleLayout {
  const total = layouts.reduce((sum, layout) => sum + (JOB_TYPE_WEIGHTS[layout.name] ?? 1), 0)
  let point = random.next() * total
  for (const layout of layouts) {
    point -= JOB_TYPE_WEIGHTS[layout.name] ?? 1
    if (point < 0) return layout
  }
  return layouts[layouts.length - 1] as SampleLayout
}

/**
 * Chooses which records are rejected. Under the threshold: at most 3 and strictly fewer than the threshold's
 * share, so the job ends as WARNING. Over it: the threshold's share plus a fifth of the records, leaving at least
 * one accepted record.
 */
function planFaults(kind: SimulatedKind, records: number, threshold: number, random: Random): Map<number, RecordFault> {
  let count = 0
  if (kind === 'rejected-records') count = Math.max(1, Math.min(3, Math.ceil(records * threshold) - 1))
  if (kind === 'rejected-over-threshold') count = Math.min(records - 1, Math.ceil(records * (threshold + 0.2)))

  const faults = new Map<number, RecordFault>()
  while (faults.size < count) {
    const index = random.int(0, records - 1)
    if (!faults.has(index)) faults.set(index, random.pick(RECORD_FAULTS))
  }
  return faults
}

/** File names that no job type matches, as careless producers write them. */
const UNMATCHED_NAMES: ((client: string, cycle: string) => string)[] = [
  () => 'readme.txt',
  (client, cycle) => `${client}-stmt-${cycle.slice(0, 4)}.txt`,
  (client, cycle) => `${client}_invoice_${cycle}_1.txt`,
  (client, cycle) => `${client}_stmt_${cycle.slice(0, 4)}-${cycle.slice(4, 6)}-${cycle.slice(6)}_1.txt`,
  () => 'statement export.csv',
]

/**
 * Picks an unmatched file name. `uses` counts each name already planned, so a repeat gets the next suffix:
 * `readme.txt`, `readme-2.txt`, ...
 */
function unmatchedName(
  client: string,
  cycle: string,
  random: Random,
  uses: Map<string, number>,
): { nameAt: (sequence: number) => string; firstSequence: number } {
  const base = random.pick(UNMATCHED_NAMES)(client, cycle)
  const dot = base.lastIndexOf('.')
  const stem = base.slice(0, dot)
  const extension = base.slice(dot)
  const firstSequence = (uses.get(base) ?? 0) + 1
  uses.set(base, firstSequence)
  return { nameAt: (n) => (n === 1 ? base : `${stem}-${n}${extension}`), firstSequence }
}
