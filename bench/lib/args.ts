import { FIGURE_IDS, type FigureId } from './figure'

/** The script of each figure, relative to the project folder. */
export const FIGURE_SCRIPTS: Record<FigureId, string> = {
  P1: 'bench/p1-small-files.ts',
  P2: 'bench/p2-drop-latency.ts',
  P3: 'bench/p3-large-file.ts',
  P4: 'bench/p4-persist-history.ts',
  P5: 'bench/p5-grid.ts',
  P6: 'bench/p6-start-up.ts',
  P7: 'bench/p7-burst.ts',
}

/** The figures `npm run bench` runs, and at which size. */
export interface BenchArgs {
  /** Tiny sizes that only check that each benchmark still works; the figures mean nothing. */
  smoke: boolean
  ids: FigureId[]
}

/** An argument `npm run bench` does not accept. */
export class BenchArgsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BenchArgsError'
  }
}

/**
 * Parses the arguments of `npm run bench`: figure ids (`P3`, case-insensitive) and `--smoke`. No id runs every
 * figure, in order.
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let smoke = false
  const ids: FigureId[] = []
  for (const argument of argv) {
    if (argument === '--smoke') {
      smoke = true
      continue
    }
    const id = argument.toUpperCase()
    if (!(FIGURE_IDS as readonly string[]).includes(id)) {
      throw new BenchArgsError(`bench: unknown argument "${argument}": give figure ids from ${FIGURE_IDS.join(', ')} and optionally --smoke`)
    }
    if (!ids.includes(id as FigureId)) ids.push(id as FigureId)
  }
  const ordered = FIGURE_IDS.filter((id) => ids.length === 0 || ids.includes(id))
  return { smoke, ids: ordered }
}

/** Returns true when the running benchmark script was started with `--smoke`. */
export function isSmokeRun(argv: readonly string[] = process.argv): boolean {
  return argv.includes('--smoke')
}

/** Picks the full-size value, or the tiny one in a smoke run. */
export function sized<T>(full: T, smoke: T, argv: readonly string[] = process.argv): T {
  return isSmokeRun(argv) ? smoke : full
}
