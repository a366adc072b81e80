import { randomInt } from 'node:crypto'
import { access, open, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { createRandom, indexFileBytes, indexFileChunks, type IndexFileSpec, type RecordFault } from './index-file-samples'
import { prepareIndexFolder, validateOptions, type SimulateOptions } from './simulate-options'
import { SIMULATED_KINDS, planFiles, type PlannedFile, type SimulatedKind } from './simulate-plan'

export { MAX_LARGE_MB, SimulateOptionsError, type SimulateOptions } from './simulate-options'
export { SIMULATED_KINDS, type SimulatedKind } from './simulate-plan'

/** Properties of how a simulated file was written. One file has several traits. */
export const FILE_TRAITS = ['crlf', 'bom', 'header', 'via-rename', 'slow-append'] as const
export type FileTrait = (typeof FILE_TRAITS)[number]

/** A rejected record the simulator put into a file on purpose. */
export interface PlantedFault {
  /** 1-based line number in the file, counting the header line. */
  line: number
  fault: RecordFault
}

/** One file the simulator wrote. */
export interface SimulatedFile {
  name: string
  kind: SimulatedKind
  traits: FileTrait[]
  /** Client, job type and cycle date (`YYYYMMDD`) in the file name, or null for an unmatched name. */
  client: string | null
  jobType: string | null
  cycleDate: string | null
  /** Record lines, without the header line. */
  records: number
  faults: PlantedFault[]
  /** The main status a processor following the job type's rules gives this file. */
  expectedStatus: 'SUCCESS' | 'WARNING' | 'FAILED'
  /** Name of the earlier file whose bytes this one repeats. */
  duplicateOf: string | null
  size: number
}

export interface SimulateSummary {
  seed: number
  /** Date the cycle dates are counted back from, `YYYYMMDD`. */
  baseDate: string
  /** Files by kind and by trait. A file counts once under its kind and once under each of its traits. */
  counts: Record<SimulatedKind | FileTrait, number>
  /** Files in the order they were started. */
  files: SimulatedFile[]
}

const DEFAULT_SLOW_APPEND_MS = 2000
const SLOW_APPEND_CHUNKS = 5
/** Slow writers run beside the paced ones. Beyond this many, the pacing loop waits for one to finish. */
const MAX_SLOW_WRITERS = 32
const MAX_NAME_ATTEMPTS = 100_000

/**
 * Writes `options.files` index files into `options.to` the way upstream producers do. Most go through a temporary
 * name renamed into place, some grow by slow appends under the final name, and some have CRLF, a BOM or a header
 * line. With `badRatio`, some have rejected records, unmatched names or repeated content. A name already in the
 * folder is never overwritten, because the file moves to the next free sequence number instead. Throws
 * SimulateOptionsError for an invalid option, an index folder it cannot create, or too little free space for
 * `largeMb`.
 */
export async function simulate(
  options: SimulateOptions,
  onProgress?: (written: number, total: number) => void,
): Promise<SimulateSummary> {
  validateOptions(options)
  const seed = options.seed ?? randomInt(0, 0x1_0000_0000)
  const random = createRandom(seed)
  const { baseDate, files: plan } = planFiles(options, random)
  await prepareIndexFolder(options)

  const results: SimulatedFile[] = []
  const reserved = new Set<string>()
  const slowWriters = new Map<PlannedFile, Promise<void>>()
  const slowAppendMs = options.slowAppendMs ?? DEFAULT_SLOW_APPEND_MS
  const startedAt = Date.now()
  let written = 0
  let slowFailure: Error | null = null

  const finish = (index: number, planned: PlannedFile, outcome: WriteOutcome): void => {
    results[index] = describeFile(planned, outcome)
    written += 1
    onProgress?.(written, plan.length)
  }

  try {
    for (const [index, planned] of plan.entries()) {
      if (options.rate !== undefined) {
        const wait = startedAt + (index * 1000) / options.rate - Date.now()
        if (wait > 0) await delay(wait)
      }
      if (slowFailure) break

      // A re-sent file follows a finished original, so the original is the one processed first.
      const original = planned.duplicateOf === null ? undefined : slowWriters.get(planned.duplicateOf)
      if (original) await original

      planned.name = await claimName(options.to, planned, reserved)
      if (planned.write === 'via-rename') {
        finish(index, planned, await writeViaRename(options.to, planned, reserved))
        continue
      }

      if (slowWriters.size >= MAX_SLOW_WRITERS) await Promise.race(slowWriters.values())
      const writer: Promise<void> = writeSlowly(options.to, planned, reserved, slowAppendMs)
        .then((outcome) => finish(index, planned, outcome))
        .catch((error: Error) => {
          slowFailure ??= error
        })
        .finally(() => slowWriters.delete(planned))
      slowWriters.set(planned, writer)
    }
  } finally {
    await Promise.all(slowWriters.values())
  }
  if (slowFailure) throw slowFailure

  return { seed, baseDate, counts: countFiles(results), files: results }
}

interface WriteOutcome {
  size: number
  records: number
}

/** Reserves the first name from the planned sequence on that is neither reserved by this run nor on disk. */
async function claimName(folder: string, planned: PlannedFile, reserved: Set<string>): Promise<string> {
  for (let sequence = planned.firstSequence; sequence < planned.firstSequence + MAX_NAME_ATTEMPTS; sequence += 1) {
    const name = planned.nameAt(sequence)
    if (reserved.has(name)) continue
    const inUse = await Promise.all([name, partName(name), tmpName(name)].map((candidate) => exists(join(folder, candidate))))
    if (inUse.includes(true)) continue
    reserved.add(name)
    return name
  }
  throw new Error(`simulate: no free name after ${planned.nameAt(planned.firstSequence)} in ${folder}: clear out the index folder`)
}

/**
 * Writes under a temporary name, then renames it into place once the last byte is written. Any failure after the
 * temporary file was created removes it, unless the process itself is killed.
 */
async function writeViaRename(folder: string, planned: PlannedFile, reserved: Set<string>): Promise<WriteOutcome> {
  let name = planned.name as string
  const tempName = planned.tempStyle === 'part' ? partName(name) : tmpName(name)
  const tempPath = join(folder, tempName)
  let outcome: WriteOutcome
  let created = false

  try {
    const handle = await open(tempPath, 'wx')
    created = true
    try {
      outcome = await writeChunks(handle, planned.spec)
    } finally {
      await handle.close()
    }
  } catch (error) {
    // A temporary name that another writer took in the meantime is theirs, so only our own file is removed.
    const leftover = created ? await removeTemporary(tempPath) : ''
    throw new Error(`simulate: cannot write ${tempPath} (${errorCode(error)})${leftover}: check free space and permissions in the index folder`)
  }

  try {
    // NOTE: rename replaces a file that another writer creates between this check and the rename. A hard link
    // would close that gap, but some network shares do not support hard links.
    while (await exists(join(folder, name))) {
      name = await claimName(folder, planned, reserved)
    }
  } catch (error) {
    const leftover = await removeTemporary(tempPath)
    throw leftover === '' ? error : new Error(`${(error as Error).message}${leftover}`)
  }

  planned.name = name
  try {
    await rename(tempPath, join(folder, name))
  } catch (error) {
    const leftover = await removeTemporary(tempPath)
    throw new Error(`simulate: cannot rename ${tempPath} to ${name} (${errorCode(error)})${leftover}: check permissions in the index folder`)
  }
  return outcome
}

/** Writes under the final name from the first byte, in several chunks spread over `durationMs`. */
async function writeSlowly(folder: string, planned: PlannedFile, reserved: Set<string>, durationMs: number): Promise<WriteOutcome> {
  const bytes = indexFileBytes(planned.spec)
  let handle = null
  while (handle === null) {
    const path = join(folder, planned.name as string)
    try {
      handle = await open(path, 'wx')
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') {
        throw new Error(`simulate: cannot create ${path} (${errorCode(error)}): check free space and permissions in the index folder`)
      }
      planned.name = await claimName(folder, planned, reserved)
    }
  }

  const path = join(folder, planned.name as string)
  try {
    for (let chunk = 0; chunk < SLOW_APPEND_CHUNKS; chunk += 1) {
      if (chunk > 0) await delay(durationMs / (SLOW_APPEND_CHUNKS - 1))
      const start = Math.floor((chunk * bytes.length) / SLOW_APPEND_CHUNKS)
      const end = Math.floor(((chunk + 1) * bytes.length) / SLOW_APPEND_CHUNKS)
      await handle.write(bytes.subarray(start, end))
    }
  } catch (error) {
    throw new Error(`simulate: cannot append to ${path} (${errorCode(error)}): check free space in the index folder`)
  } finally {
    await handle.close()
  }
  return { size: bytes.length, records: recordCount(planned.spec) }
}

async function writeChunks(handle: Awaited<ReturnType<typeof open>>, spec: IndexFileSpec): Promise<WriteOutcome> {
  const chunks = indexFileChunks(spec)
  let size = 0
  for (let step = chunks.next(); ; step = chunks.next()) {
    if (step.done) return { size, records: step.value }
    await handle.write(step.value)
    size += step.value.length
  }
}

function recordCount(spec: IndexFileSpec): number {
  if ('records' in spec.length) return spec.length.records
  throw new Error('simulate: a size-limited file was written by slow appends; only record-limited files may be')
}

function describeFile(planned: PlannedFile, outcome: WriteOutcome): SimulatedFile {
  const { spec } = planned
  const traits: FileTrait[] = []
  if (spec.lineEnding === 'crlf') traits.push('crlf')
  if (spec.bom) traits.push('bom')
  if (spec.header) traits.push('header')
  traits.push(planned.write)

  const headerLines = spec.header ? 1 : 0
  const faults = [...spec.faults]
    .map(([index, fault]) => ({ line: index + 1 + headerLines, fault }))
    .sort((a, b) => a.line - b.line)

  return {
    name: planned.name as string,
    kind: planned.kind,
    traits,
    client: planned.matched ? spec.client : null,
    jobType: planned.matched ? spec.layout.name : null,
    cycleDate: planned.matched ? spec.cycle : null,
    records: outcome.records,
    faults,
    expectedStatus: expectedStatus(planned, outcome.records),
    duplicateOf: planned.duplicateOf?.name ?? null,
    size: outcome.size,
  }
}

function expectedStatus(planned: PlannedFile, records: number): SimulatedFile['expectedStatus'] {
  if (!planned.matched || planned.duplicateOf) return 'FAILED'
  const rejected = planned.spec.faults.size
  if (rejected === 0) return 'SUCCESS'
  return rejected / records < planned.spec.layout.rejectionThreshold ? 'WARNING' : 'FAILED'
}

function countFiles(files: readonly SimulatedFile[]): SimulateSummary['counts'] {
  const counts = Object.fromEntries([...SIMULATED_KINDS, ...FILE_TRAITS].map((key) => [key, 0])) as SimulateSummary['counts']
  for (const file of files) {
    counts[file.kind] += 1
    for (const trait of file.traits) counts[trait] += 1
  }
  return counts
}

function partName(name: string): string {
  return `.${name}.part`
}

function tmpName(name: string): string {
  return `${name}.tmp`
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false
    throw new Error(`simulate: cannot check ${path} (${errorCode(error)}): check permissions in the index folder`)
  }
}

/** Removes a temporary file after a failed write. Returns a note for the error message when the file stays. */
async function removeTemporary(path: string): Promise<string> {
  try {
    await unlink(path)
    return ''
  } catch (error) {
    return errorCode(error) === 'ENOENT' ? '' : `, and the temporary file ${path} could not be removed (${errorCode(error)})`
  }
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code
  if (code) return code
  return error instanceof Error ? error.message : String(error)
}
