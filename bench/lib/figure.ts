import { appendFile } from 'node:fs/promises'

/** Identifiers of the benchmark figures, in the order `npm run bench` runs them. */
export const FIGURE_IDS = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7'] as const
export type FigureId = (typeof FIGURE_IDS)[number]

/** One limit a figure is judged against: `value` must be at most `limit`. */
export interface Target {
  /** Name of the compared quantity, such as `time vs baseline` or `peak RSS`. */
  name: string
  value: number
  limit: number
  /** Unit of `value` and `limit`, such as `x`, `ms` or `MB`. */
  unit: string
}

/** The outcome of one benchmark: what it measured, against what, and whether each target was met. */
export interface Figure {
  id: FigureId
  title: string
  /** The baseline measured in the same run, or null for figures without one. */
  baseline: string | null
  /** Measured values as label and text, printed in order. */
  raw: [string, string][]
  targets: Target[]
  /** Facts that qualify the figure, such as a run stopped at its time budget. */
  notes?: string[]
}

/** Returns PASS when the target is met, MISS otherwise. */
export function verdictOf(target: Target): 'PASS' | 'MISS' {
  return target.value <= target.limit ? 'PASS' : 'MISS'
}

function formatValue(value: number, unit: string): string {
  if (unit === 'x') return `${value.toFixed(2)}x`
  const digits = Number.isInteger(value) || Math.abs(value) >= 100 ? 0 : 1
  return `${value.toFixed(digits)} ${unit}`
}

/** Formats a figure as the block `npm run bench` prints. */
export function formatFigure(figure: Figure): string {
  const lines = [`${figure.id}  ${figure.title}`]
  if (figure.baseline !== null) lines.push(`    baseline: ${figure.baseline}`)
  for (const [label, text] of figure.raw) lines.push(`    ${label}: ${text}`)
  for (const target of figure.targets) {
    const limit = `<= ${formatValue(target.limit, target.unit)}`
    lines.push(`    target ${target.name} ${limit}: ${formatValue(target.value, target.unit)}  ${verdictOf(target)}`)
  }
  for (const note of figure.notes ?? []) lines.push(`    note: ${note}`)
  return lines.join('\n')
}

/**
 * Prints a figure and, when `BENCH_RESULTS` names a file, appends it there as one JSON line, so `bench/run.ts` can
 * print the summary of all figures at the end.
 */
export async function reportFigure(figure: Figure): Promise<void> {
  console.log(formatFigure(figure))
  const resultsFile = process.env.BENCH_RESULTS
  if (resultsFile) await appendFile(resultsFile, `${JSON.stringify(figure)}\n`)
}

/** Returns the value below which `share` (0 to 1) of `values` lie, by the nearest-rank method. */
export function percentile(values: readonly number[], share: number): number {
  if (values.length === 0) throw new Error('percentile: no values were measured')
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil(share * sorted.length))
  return sorted[rank - 1]!
}

/** Formats milliseconds with no decimals above 100 ms. */
export function ms(value: number): string {
  return formatValue(value, 'ms')
}

/** Converts kibibytes, as Linux reports RSS, to mebibytes. */
export function kbToMb(kilobytes: number): number {
  return kilobytes / 1024
}

/** Formats a count with thousands separators. */
export function count(value: number): string {
  return value.toLocaleString('en-US')
}
